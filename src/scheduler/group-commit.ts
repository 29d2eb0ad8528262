import { Injectable } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { retryOnConflict } from '../database/database';
import { StoreChanges } from '../database/store-changes';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { closedNamespaceError, ConflictError } from '../common/errors';
import { DEFAULT_NAMESPACE } from '../database/namespaces.repository';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { BindOutcome, BoundPod, DecisionWrite, NewPod } from '../database/records';
import { NodeCache } from './node-cache';
import { RoundRobinCursor } from './round-robin-cursor';
import { SchedulerAlgorithmSetting } from './scheduler-algorithm';
import { scheduledMessage, toDecision } from './scheduling-decision';
import { BatchDecisions } from './strategies/batch-decisions';
import { NodeView, SchedulerAlgorithm } from './strategies/types';

/** pods written in one group-commit transaction at most */
const CREATION_BATCH = 64;
/** batches written at once: one, as concurrent batches queue on the same best node's row lock anyway */
const BATCHES_IN_FLIGHT = 1;
/** runs of a batch at most, when PostgreSQL aborts it to break a deadlock */
const BATCH_RUNS = 4;

interface Creation {
  pod: NewPod;
  resolve: (bound: BoundPod | null) => void;
  reject: (err: unknown) => void;
}

/**
 * The fast path of pod creation, as a group commit: creations that arrive while a batch
 * is being written wait and go together in the next one, placed on a cached snapshot of
 * the nodes and written in one statement (one transaction and one disk flush for the lot).
 * At low load each batch holds one pod, so nothing waits.
 */
@Injectable()
export class GroupCommit {
  private readonly cache: NodeCache;
  private readonly creations: Creation[] = [];
  private batchesInFlight = 0;

  constructor(
    private readonly bindings: BindingsRepository,
    changes: StoreChanges,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly algorithm: SchedulerAlgorithmSetting,
    private readonly roundRobin: RoundRobinCursor,
  ) {
    this.cache = new NodeCache(bindings, changes);
  }

  /**
   * Ranks the cached snapshot of nodes and binds and stores the pod in one statement on
   * the best node that still has room. Rejects with a 404 or 403 when its namespace is
   * missing or being deleted, and a 409 when its name is taken. Null when no cached node
   * takes it: the caller then
   * goes the careful way, which reads the nodes from the database and stores the pod
   * pending if nothing fits.
   */
  createBound(pod: NewPod): Promise<BoundPod | null> {
    return new Promise((resolve, reject) => {
      this.creations.push({ pod, resolve, reject });
      this.pumpCreations();
    });
  }

  private pumpCreations(): void {
    while (this.batchesInFlight < BATCHES_IN_FLIGHT && this.creations.length > 0) {
      this.batchesInFlight++;
      const batch = this.creations.splice(0, CREATION_BATCH);
      void this.createBatch(batch).finally(() => {
        this.batchesInFlight--;
        this.pumpCreations();
      });
    }
  }

  private async createBatch(batch: Creation[]): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      // a name twice in one namespace of this batch fails alone; one taken already, in
      // the statement (the same name in two namespaces is two pods)
      const seen = new Set<string>();
      const writable: Creation[] = [];
      for (const creation of batch) {
        const { name, namespace } = creation.pod;
        const key = `${namespace ?? DEFAULT_NAMESPACE}/${name}`;
        if (seen.has(key)) {
          creation.reject(new ConflictError(`pod "${name}" already exists`));
        } else {
          seen.add(key);
          writable.push(creation);
        }
      }
      if (!writable.length) return;
      let outcomes: BindOutcome[];
      try {
        outcomes = await this.writeRetrying(writable);
      } catch (err) {
        // one pod broke the whole transaction (a name taken meanwhile by another
        // replica): each goes again on its own, so only that one fails
        if (writable.length === 1 || isDatabaseUnavailable(err)) throw err;
        this.cache.invalidate();
        for (const creation of writable) {
          this.writeRetrying([creation]).then(
            ([outcome]) => this.settle(creation, outcome),
            (e) => creation.reject(e),
          );
        }
        return;
      }
      outcomes.forEach((outcome, i) => this.settle(writable[i], outcome));
    } catch (err) {
      this.cache.invalidate();
      for (const { reject } of batch) reject(err);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      for (let i = 0; i < batch.length; i++)
        this.metrics.schedulingSeconds.observe(seconds / batch.length);
    }
  }

  /**
   * `writeBatch`, again on a fresh snapshot when PostgreSQL broke a deadlock by aborting
   * it (another transaction, such as a retry of pending pods, held some of its nodes):
   * the aborted statement wrote nothing.
   */
  private writeRetrying(batch: Creation[]): Promise<BindOutcome[]> {
    return retryOnConflict(
      () => this.writeBatch(batch),
      BATCH_RUNS,
      () => this.cache.invalidate(),
    );
  }

  private settle(creation: Creation, outcome: BindOutcome): void {
    if (outcome && outcome !== 'exists' && !('closedNamespace' in outcome)) {
      this.events.announce([outcome.event]);
      creation.resolve(outcome);
      return;
    }
    if (outcome === 'exists')
      creation.reject(new ConflictError(`pod "${creation.pod.name}" already exists`));
    else if (outcome)
      creation.reject(
        closedNamespaceError(creation.pod.namespace ?? DEFAULT_NAMESPACE, outcome.closedNamespace),
      );
    else {
      // a pod the snapshot could not place, or whose node refused it: read the nodes
      // again before the next one
      this.cache.invalidate();
      creation.resolve(null);
    }
  }

  /**
   * Ranks each pod on the snapshot, counting there the room each pod takes (so the
   * later pods of the batch see it), then binds and stores them all in one statement;
   * null for a pod no cached node could take, or whose node refused (the caller then
   * goes the careful way for it, and the snapshot is read again).
   */
  private async writeBatch(batch: Creation[]): Promise<BindOutcome[]> {
    const nodes = await this.cache.view();
    let lastChosen = this.roundRobin.lastChosenId;
    const placements: Array<{
      pod: NewPod;
      nodeId: number;
      event: string;
      decision: DecisionWrite;
    }> = [];
    const placedOn: NodeView[] = [];
    const chosen: Array<number | null> = [];
    // one pass chooses and explains, bounded on large clusters; pods alike share passes
    const decisions = new BatchDecisions(nodes);
    for (const { pod } of batch) {
      const algo = (pod.schedulerAlgorithm as SchedulerAlgorithm | null) ?? this.algorithm.current;
      const { best: node, explanation } = decisions.decide(
        algo,
        { cpuM: pod.cpuReqM, memoryMb: pod.memoryReqMb, constraints: pod.constraints },
        lastChosen,
      );
      chosen.push(node ? placements.length : null);
      if (!node) continue;
      const decision = toDecision('create', explanation);
      node.cpuAllocatedM += pod.cpuReqM;
      node.memoryAllocatedMb += pod.memoryReqMb;
      placedOn.push(node);
      if (algo === 'round-robin') lastChosen = node.id;
      placements.push({
        pod,
        nodeId: node.id,
        event: scheduledMessage(pod.name, node.name),
        decision,
      });
    }
    this.roundRobin.lastChosenId = lastChosen;
    if (!placements.length) return batch.map(() => null);
    const bound = await this.bindings.insertBoundPods(placements);
    // a pod the statement refused alone (name taken, namespace closed) took no room:
    // the snapshot gives it back, so refusals do not make the next batch read the nodes
    bound.forEach((outcome, at) => {
      if (outcome === 'exists' || (outcome && 'closedNamespace' in outcome)) {
        const { pod } = placements[at];
        placedOn[at].cpuAllocatedM -= pod.cpuReqM;
        placedOn[at].memoryAllocatedMb -= pod.memoryReqMb;
      }
    });
    return chosen.map((at) => (at === null ? null : bound[at]));
  }
}
