import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PodsRepository } from '../database/pods.repository';
import { NodeRecord } from '../database/records';
import { seconds } from './seconds';

/** a pod on this many nodes just before each failed is taken as their cause */
const POISON_NODES = 2;

/**
 * The pods that were on nodes when they failed, so that one bad pod cannot take the nodes
 * down one by one: a pod on two nodes just before each failed is failed rather than moved on.
 */
@Injectable()
export class SuspectPods {
  /** per pod, the nodes it was on when they failed (not by injection or in a disruption) */
  private readonly podFailures = new Map<
    number,
    Array<{ nodeId: number; nodeName: string; at: number }>
  >();

  constructor(
    private readonly podsRepository: PodsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** How far apart two node failures may be for a pod on both to be taken as their cause. */
  private get poisonWindowMs(): number {
    return 3 * this.config.nodeFailureTimeoutMs + this.config.podEvictionDelayMs;
  }

  /** Remembers the pods of a node that just failed (and forgets failures out of the window). */
  async notePodsOnFailedNode(node: Pick<NodeRecord, 'id' | 'name'>, now: Date): Promise<void> {
    const t = now.getTime();
    for (const [podId, seen] of this.podFailures) {
      const recent = seen.filter((f) => t - f.at <= this.poisonWindowMs);
      if (recent.length) this.podFailures.set(podId, recent);
      else this.podFailures.delete(podId);
    }
    for (const podId of await this.podsRepository.podIdsOfNode(node.id, undefined, true)) {
      const seen = this.podFailures.get(podId) ?? [];
      if (!seen.some((f) => f.nodeId === node.id))
        seen.push({ nodeId: node.id, nodeName: node.name, at: t });
      this.podFailures.set(podId, seen);
    }
  }

  /**
   * Pods that were on POISON_NODES different nodes just before each failed, within the
   * window: the likely cause, so they are failed rather than moved on to the next node.
   */
  poisonedPods(t: number): Map<number, string> {
    const poisoned = new Map<number, string>();
    for (const [podId, seen] of this.podFailures) {
      const recent = seen.filter((f) => t - f.at <= this.poisonWindowMs);
      if (recent.length < POISON_NODES) continue;
      const names = recent.map((f) => f.nodeName);
      const span = Math.max(...recent.map((f) => f.at)) - Math.min(...recent.map((f) => f.at));
      poisoned.set(
        podId,
        `PodCausedNodeFailures: nodes ${names.join(' and ')} failed within ${seconds(span)} while it was on each`,
      );
    }
    return poisoned;
  }
}
