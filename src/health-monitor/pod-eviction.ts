import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { SchedulerService } from '../scheduler/scheduler.service';
import { noExecuteDeadline } from '../scheduler/strategies/taints';
import { Taint } from '../scheduler/strategies/types';
import { ClusterDisruption } from './cluster-disruption';
import { SuspectPods } from './suspect-pods';

/** The eviction steps: pods leave failed nodes, and nodes whose NoExecute taint they do not tolerate. */
@Injectable()
export class PodEviction {
  private readonly logger = new Logger(PodEviction.name);

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly scheduler: SchedulerService,
    private readonly disruption: ClusterDisruption,
    private readonly suspects: SuspectPods,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Pods of failed nodes go back through the scheduler (after POD_EVICTION_DELAY_MS); a
   * DaemonSet's pods stay on their node, as in Kubernetes.
   */
  async evict(now: Date): Promise<void> {
    const failed = await this.nodesRepository.nodesInStatus([
      'failed',
      'permanently_failed',
      'recovering',
    ]);
    for (const node of failed) {
      if ((node.pod_count ?? 1) === 0) continue;
      if (this.disruption.paused(node, now.getTime())) continue;
      const failedFor = now.getTime() - new Date(node.status_changed_at).getTime();
      // (failedFor may be a little negative: the status changed after this tick began)
      const delay = this.config.podEvictionDelayMs;
      if (
        delay > 0 &&
        node.health_status === 'failed' &&
        node.recovery_attempts === 0 &&
        failedFor < delay
      ) {
        continue;
      }
      const { moved, pending, failed } = await this.scheduler.evictAndReschedule(
        node,
        `node ${node.health_status}`,
        this.suspects.poisonedPods(now.getTime()),
        undefined,
        true,
      );
      if (moved.length + pending.length + failed.length) {
        this.logger.log(
          `moved ${moved.length} pods off ${node.name}, ${pending.length} left pending, ${failed.length} failed as the likely cause`,
        );
      }
    }
  }

  /**
   * Pods on a node with a NoExecute taint they do not tolerate leave it, at once or after
   * their tolerationSeconds, through the same path as a failed node's pods: rescheduled
   * elsewhere (where the taint is not) or pending with the reason, with events.
   */
  async evictUntolerated(now: Date): Promise<void> {
    for (const node of await this.nodesRepository.nodesWithNoExecuteTaints()) {
      const due = new Map<number, Taint>();
      for (const pod of await this.podsRepository.podsForTaintEviction(node.id)) {
        const boundAt = pod.scheduledAt ? new Date(pod.scheduledAt).getTime() : now.getTime();
        const deadline = noExecuteDeadline(pod.scheduling, node.taints ?? [], boundAt);
        if (deadline && deadline.at <= now.getTime()) due.set(pod.id, deadline.taint);
      }
      if (!due.size) continue;
      const taint = [...due.values()][0];
      const { moved, pending } = await this.scheduler.evictAndReschedule(
        node,
        `taint {${taint.key}: ${taint.value ?? ''}}:NoExecute not tolerated`,
        new Map(),
        [...due.keys()],
      );
      this.logger.log(
        `NoExecute taint on ${node.name}: moved ${moved.length} pods, ${pending.length} left pending`,
      );
    }
  }
}
