import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { WorkloadsRepository } from '../database/workloads.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { PodsRepository } from '../database/pods.repository';
import { DecisionsRepository } from '../database/decisions.repository';
import { SettingsRepository } from '../database/settings.repository';
import { Database, retryOnConflict } from '../database/database';
import { StoreChanges } from '../database/store-changes';
import { Db } from '../database/sql';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { ConflictError } from '../common/errors';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { BoundPod, DecisionWrite, NewPod } from '../database/records';
import { NodeCache } from './node-cache';
import { rankNodes } from './strategies/select-node';
import { DecisionExplanation, decideAndExplain, explainChoice } from './strategies/explain';
import { PodConstraints, SCHEDULER_ALGORITHMS, SchedulerAlgorithm } from './strategies/types';

export interface PodToPlace {
  id: number;
  name: string;
  cpuReqM: number;
  memoryReqMb: number;
  /** nodeSelector, tolerations, required node affinity; absent or null: none */
  constraints?: PodConstraints | null;
}

/** What led to a decision: a pod's creation, a retry while pending, its node's failure. */
export type DecisionTrigger = DecisionWrite['trigger'];

/** The stored form of an explanation. */
const toDecision = (trigger: DecisionTrigger, e: DecisionExplanation): DecisionWrite => ({
  trigger,
  algorithm: e.algorithm,
  nodeName: e.node,
  reason: e.reason,
  detail: e,
});

export type PlaceResult =
  { bound: true; nodeId: number; nodeName: string; ip: string } | { bound: false; reason: string };

const ALGORITHM_KEY = 'scheduler.algorithm';
/** pods written in one group-commit transaction at most */
const CREATION_BATCH = 64;
/** batches written at once: one, as concurrent batches queue on the same best node's row lock anyway */
const BATCHES_IN_FLIGHT = 1;

/** The message of a pod's Scheduled event, as kube-scheduler words it. */
export const scheduledMessage = (pod: string, node: string) =>
  `Successfully assigned ${pod} to ${node}`;

interface Creation {
  pod: NewPod;
  resolve: (bound: BoundPod | null) => void;
  reject: (err: unknown) => void;
}
/** runs of a batch at most, when PostgreSQL aborts it to break a deadlock */
const BATCH_RUNS = 4;
/** ranked candidates tried per placement before re-reading the nodes */
const TRIES_PER_ROUND = 5;

/**
 * Places pods: the pure strategies rank the nodes, the database has the last word
 * (a conditional update under the node's row lock), so no node is ever overcommitted.
 */
@Injectable()
export class SchedulerService implements OnModuleInit {
  private readonly logger = new Logger(SchedulerService.name);
  private algorithm: SchedulerAlgorithm;
  private lastChosenId: number | null = null;
  private retrying: Promise<number> | null = null;
  private retryAgain = false;
  private readonly cache: NodeCache;

  constructor(
    private readonly bindings: BindingsRepository,
    private readonly podsRepository: PodsRepository,
    private readonly decisionsRepository: DecisionsRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly database: Database,
    changes: StoreChanges,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly workloads?: WorkloadsRepository,
  ) {
    this.algorithm = config.schedulerAlgorithm;
    this.cache = new NodeCache(bindings, changes);
  }

  async onModuleInit(): Promise<void> {
    await this.refreshAlgorithm();
  }

  get activeAlgorithm(): SchedulerAlgorithm {
    return this.algorithm;
  }

  /** Another replica may have changed the algorithm: the database holds the truth. */
  async refreshAlgorithm(): Promise<SchedulerAlgorithm> {
    const stored = await this.settingsRepository.getSetting(ALGORITHM_KEY);
    if (stored && (SCHEDULER_ALGORITHMS as readonly string[]).includes(stored)) {
      this.algorithm = stored as SchedulerAlgorithm;
    }
    return this.algorithm;
  }

  async setAlgorithm(algorithm: SchedulerAlgorithm): Promise<void> {
    await this.settingsRepository.putSetting(ALGORITHM_KEY, algorithm);
    if (algorithm !== this.algorithm) {
      await this.events.record(
        'Normal',
        'SchedulerChanged',
        'cluster/kubesim',
        `scheduler algorithm set to ${algorithm}`,
      );
    }
    this.algorithm = algorithm;
  }

  /**
   * The fast path of pod creation: ranks the cached snapshot of nodes and binds and
   * stores the pod in one statement on the best node that still has room. Null when
   * no cached node takes it: the caller then goes the careful way (`place`), which
   * reads the nodes from the database and stores the pod pending if nothing fits.
   */
  createBound(pod: NewPod): Promise<BoundPod | null> {
    return new Promise((resolve, reject) => {
      this.creations.push({ pod, resolve, reject });
      this.pumpCreations();
    });
  }

  private readonly creations: Creation[] = [];
  private batchesInFlight = 0;

  /**
   * Group commit: creations that arrive while a batch is being written wait and go
   * together in the next one, one transaction (and one disk flush) for the lot.
   * At low load each batch holds one pod, so nothing waits.
   */
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
      // a name twice in this batch fails alone; one taken already, in the statement
      const seen = new Set<string>();
      const writable: Creation[] = [];
      for (const creation of batch) {
        const name = creation.pod.name;
        if (seen.has(name)) {
          creation.reject(new ConflictError(`pod "${name}" already exists`));
        } else {
          seen.add(name);
          writable.push(creation);
        }
      }
      if (!writable.length) return;
      let outcomes: Array<BoundPod | 'exists' | null>;
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
  private writeRetrying(batch: Creation[]): Promise<Array<BoundPod | 'exists' | null>> {
    return retryOnConflict(
      () => this.writeBatch(batch),
      BATCH_RUNS,
      async (attempt) => {
        this.cache.invalidate();
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      },
    );
  }

  private settle(creation: Creation, outcome: BoundPod | 'exists' | null): void {
    if (outcome && outcome !== 'exists') {
      this.events.announce([outcome.event]);
      creation.resolve(outcome);
      return;
    }
    // a pod the snapshot could not place, or that took no room it counted (its node
    // refused it, or the name was taken): read the nodes again before the next one
    this.cache.invalidate();
    if (outcome === 'exists')
      creation.reject(new ConflictError(`pod "${creation.pod.name}" already exists`));
    else creation.resolve(null);
  }

  /**
   * Ranks each pod on the snapshot, counting there the room each pod takes (so the
   * later pods of the batch see it), then binds and stores them all in one statement;
   * null for a pod no cached node could take, or whose node refused (the caller then
   * goes the careful way for it, and the snapshot is read again).
   */
  private async writeBatch(batch: Creation[]): Promise<Array<BoundPod | 'exists' | null>> {
    const nodes = await this.cache.view();
    let lastChosen = this.lastChosenId;
    const placements: Array<{
      pod: NewPod;
      nodeId: number;
      event: string;
      decision: DecisionWrite;
    }> = [];
    const chosen: Array<number | null> = [];
    for (const { pod } of batch) {
      const algo = (pod.schedulerAlgorithm as SchedulerAlgorithm | null) ?? this.algorithm;
      // the same one pass that chooses explains, bounded on large clusters
      const { best: node, explanation } = decideAndExplain(
        algo,
        { cpuM: pod.cpuReqM, memoryMb: pod.memoryReqMb, constraints: pod.constraints },
        nodes,
        lastChosen,
      );
      chosen.push(node ? placements.length : null);
      if (!node) continue;
      const decision = toDecision('create', explanation);
      node.cpuAllocatedM += pod.cpuReqM;
      node.memoryAllocatedMb += pod.memoryReqMb;
      if (algo === 'round-robin') lastChosen = node.id;
      placements.push({
        pod,
        nodeId: node.id,
        event: scheduledMessage(pod.name, node.name),
        decision,
      });
    }
    this.lastChosenId = lastChosen;
    if (!placements.length) return batch.map(() => null);
    const bound = await this.bindings.insertBoundPods(placements);
    return chosen.map((at) => (at === null ? null : bound[at]));
  }

  /**
   * Binds the pod to the best node that still has room, inside the caller's transaction,
   * and stores the decision (explained) in it too.
   */
  async place(
    db: Db,
    pod: PodToPlace,
    algorithm: SchedulerAlgorithm | null | undefined,
    trigger: DecisionTrigger,
  ): Promise<PlaceResult> {
    const started = process.hrtime.bigint();
    const algo = algorithm ?? this.algorithm;
    const request = { cpuM: pod.cpuReqM, memoryMb: pod.memoryReqMb, constraints: pod.constraints };
    try {
      let nodes = await this.bindings.allNodeViews(db);
      for (let round = 0; round < 3; round++) {
        const last = this.lastChosenId;
        const ranked = rankNodes(algo, request, nodes, last);
        if (ranked.length === 0) break;
        for (const node of ranked.slice(0, TRIES_PER_ROUND)) {
          const ip = await this.bindings.bindPod(db, pod, node.id);
          if (ip) {
            if (algo === 'round-robin') this.lastChosenId = node.id;
            const explanation = explainChoice(algo, request, nodes, node, last);
            await this.decisionsRepository.recordDecision(
              db,
              pod.id,
              toDecision(trigger, explanation),
            );
            return { bound: true, nodeId: node.id, nodeName: node.name, ip };
          }
        }
        // every tried node filled up meanwhile: the next round (or the verdict) reads again
        nodes = await this.bindings.allNodeViews(db);
      }
      const { explanation } = decideAndExplain(algo, request, nodes, this.lastChosenId);
      await this.decisionsRepository.recordDecision(db, pod.id, toDecision(trigger, explanation));
      return { bound: false, reason: explanation.reason };
    } finally {
      this.metrics.schedulingSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * Moves every pod off a node that is failed, stopping or going away: each pod in its
   * own transaction is unbound (the node's room given back) and placed again, landing
   * on another node or pending with a reason — never lost, never on two nodes.
   */
  async evictAndReschedule(
    node: { id: number; name: string },
    cause: string,
    /** pods not to move again but to mark failed, each with its reason */
    poisoned: ReadonlyMap<number, string> = new Map(),
    /** only these of the node's pods (a NoExecute taint's eviction); absent: every pod */
    only?: readonly number[],
    /**
     * a failed node keeps its DaemonSet pods, as Kubernetes' do (they tolerate not-ready and
     * unreachable): pinned to the node, they could go nowhere else
     */
    keepDaemonPods = false,
  ): Promise<{ moved: number[]; pending: number[]; failed: number[]; deleted: number[] }> {
    const deleted: number[] = [];
    const moved: number[] = [];
    const pending: number[] = [];
    const failed: number[] = [];
    // a pod's creation decision is stored before the decision that moves it
    await this.decisionsRepository.decisionsWritten();
    // pods whose containers ended for good stay as they are: nothing runs to move
    const podIds = only ?? (await this.podsRepository.podIdsOfNode(node.id, undefined, true));
    // a controller's pod is evicted the Kubernetes way: deleted, and its controller makes a new one
    const controlled = (await this.workloads?.controlledPodsOfNode(node.id)) ?? new Map();
    for (const podId of podIds) {
      const owner = controlled.get(podId);
      if (owner?.kind === 'DaemonSet' && keepDaemonPods) continue;
      if (owner) {
        const pod = await this.podsRepository.findPod(podId);
        if (!pod || !(await this.bindings.deletePod(podId))) continue;
        deleted.push(podId);
        await this.events.record(
          'Warning',
          'PodEvicted',
          `pod/${pod.name}`,
          owner.kind === 'DaemonSet'
            ? `Evicted from ${node.name}: ${cause}; deleted, not moved: its DaemonSet ${owner.name} runs one pod on each node`
            : `Evicted from ${node.name}: ${cause}; deleted, not moved: its ${owner.kind} ${owner.name} replaces it`,
        );
        continue;
      }
      const why = poisoned.get(podId);
      if (why !== undefined) {
        const pod = await this.database.transaction(async (db) => {
          const unbound = await this.bindings.unbindPod(db, podId, node.id);
          if (unbound) await this.bindings.markUnboundPodFailed(db, unbound.id, why);
          return unbound;
        });
        if (!pod) continue;
        failed.push(pod.id);
        await this.events.record(
          'Warning',
          'PodCausedNodeFailures',
          `pod/${pod.name}`,
          `Pod ${pod.name} marked failed, not moved again: ${why}`,
        );
        continue;
      }
      const outcome = await this.database.transaction(async (db) => {
        const pod = await this.bindings.unbindPod(db, podId, node.id);
        if (!pod) return null;
        const result = await this.place(db, pod, null, 'reschedule');
        if (!result.bound) await this.bindings.markPending(db, pod.id, result.reason);
        return { pod, result };
      });
      if (!outcome) continue;
      const { pod, result } = outcome;
      await this.events.record(
        'Warning',
        'PodEvicted',
        `pod/${pod.name}`,
        `Evicted from ${node.name}: ${cause}`,
      );
      if (result.bound) {
        moved.push(pod.id);
        this.metrics.podsRescheduled.inc({ result: 'bound' });
        await this.events.record(
          'Normal',
          'PodRescheduled',
          `pod/${pod.name}`,
          `Rescheduled from ${node.name} to ${result.nodeName}`,
        );
      } else {
        pending.push(pod.id);
        this.metrics.podsRescheduled.inc({ result: 'pending' });
        await this.events.record(
          'Warning',
          'FailedScheduling',
          `pod/${pod.name}`,
          `Evicted from ${node.name}, waiting for room: ${result.reason}`,
        );
      }
    }
    return { moved, pending, failed, deleted };
  }

  /**
   * Tries to bind every pending pod, oldest first. Called whenever capacity may have
   * appeared and on every monitor tick; concurrent calls coalesce into one more pass.
   */
  retryPending(): Promise<number> {
    if (this.retrying) {
      this.retryAgain = true;
      return this.retrying;
    }
    this.retrying = (async () => {
      let total = 0;
      try {
        do {
          this.retryAgain = false;
          total += await this.retryPendingPass();
        } while (this.retryAgain);
      } catch (err) {
        this.logger.warn(`retrying pending pods failed: ${(err as Error).message}`);
      } finally {
        this.retrying = null;
      }
      return total;
    })();
    return this.retrying;
  }

  private async retryPendingPass(): Promise<number> {
    let bound = 0;
    const batch = 200;
    for (let offsetGuard = 0; offsetGuard < 100; offsetGuard++) {
      const { placed, seen } = await this.database
        .transaction(async (db) => {
          const pods = await this.bindings.lockPendingPods(db, batch);
          let placed = 0;
          const results: Array<{ pod: PodToPlace; result: PlaceResult }> = [];
          for (const pod of pods) {
            const result = await this.place(
              db,
              pod,
              pod.algorithm as SchedulerAlgorithm | null,
              'retry',
            );
            if (result.bound) placed++;
            else await this.bindings.markPending(db, pod.id, result.reason);
            results.push({ pod, result });
          }
          return { placed, seen: pods.length, results };
        })
        .then(async (r) => {
          for (const { pod, result } of r.results) {
            if (result.bound) {
              await this.events.record(
                'Normal',
                'Scheduled',
                `pod/${pod.name}`,
                `${scheduledMessage(pod.name, result.nodeName)} (was pending)`,
              );
            }
          }
          return r;
        });
      bound += placed;
      // stop when nothing more could be placed or the queue is drained
      if (placed === 0 || seen < batch) break;
    }
    if (bound) this.metrics.podsScheduled.inc({ via: 'retry' }, bound);
    return bound;
  }
}
