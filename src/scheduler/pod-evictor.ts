import { Injectable, Optional } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { Database } from '../database/database';
import { DecisionsRepository } from '../database/decisions.repository';
import { PodsRepository } from '../database/pods.repository';
import { WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { PodPlacer } from './pod-placer';

/** What became of a node's pods: moved elsewhere, pending, marked failed, deleted for their controller. */
export interface Eviction {
  moved: number[];
  pending: number[];
  failed: number[];
  deleted: number[];
}

/** Takes the pods off a node that is failed, stopping or going away, and places them again. */
@Injectable()
export class PodEvictor {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly podsRepository: PodsRepository,
    private readonly decisionsRepository: DecisionsRepository,
    private readonly database: Database,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly placer: PodPlacer,
    @Optional() private readonly workloads?: WorkloadsRepository,
  ) {}

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
  ): Promise<Eviction> {
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
        const result = await this.placer.place(db, pod, null, 'reschedule');
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
}
