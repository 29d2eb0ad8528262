import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DISRUPTION_SETTING, SettingsRepository } from '../database/settings.repository';
import { JudgedNode } from '../database/records';
import { EventsService } from '../events/events.service';
import { NodesService } from '../nodes/nodes.service';
import { silentMs } from './node-health';
import { seconds } from './seconds';

const lastBeat = (n: JudgedNode) =>
  n.last_heartbeat_at ? new Date(n.last_heartbeat_at).getTime() : 0;

/**
 * Whether the whole cluster fell silent at once, and so whether a node's failure waits:
 * every watched node silent, none of them for a known cause, means the control plane is more
 * likely cut off than the whole cluster dead (as Kubernetes' node lifecycle controller
 * reasons). The nodes still turn not_ready and failed; only eviction and restarts wait, until
 * any node beats again.
 */
@Injectable()
export class ClusterDisruption {
  /** every watched node fell silent at once: eviction and restarts wait until one beats */
  private disruption: { since: number; nodes: number } | null = null;
  /** after a disruption, the other nodes get this long to beat again before eviction resumes */
  private evictionHoldUntil = 0;
  /** what was last written for GET /cluster to read (undefined: nothing yet) */
  private publishedDisruption: string | undefined;
  /** failed nodes whose failure has a known cause (injected, or seen through the runtime) */
  private readonly knownFailures = new Set<number>();

  constructor(
    private readonly settingsRepository: SettingsRepository,
    private readonly nodes: NodesService,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Whether the whole cluster is silent now. */
  get active(): boolean {
    return this.disruption !== null;
  }

  /** Whether a failure was injected into the node (simulate/failure) and it has not beaten since. */
  injectedFailure(node: JudgedNode): boolean {
    const at = this.nodes.failureInjectedAt(node.id);
    if (at === undefined) return false;
    const last = node.last_heartbeat_at ? new Date(node.last_heartbeat_at).getTime() : 0;
    // a beat already on its way when the failure was injected still lands
    return last <= at + this.config.heartbeatIntervalMs;
  }

  /** A node failed: for a known cause (it does not wait for the silence to end), or of silence. */
  noteFailure(nodeId: number, known: boolean): void {
    if (known) this.knownFailures.add(nodeId);
    else this.knownFailures.delete(nodeId);
  }

  /** A healthy node's past failure is forgotten. */
  noteHealthy(nodeId: number): void {
    this.knownFailures.delete(nodeId);
  }

  /** Starts or ends the disruption from the nodes being judged, then publishes it. */
  async judge(nodes: JudgedNode[], t: number): Promise<void> {
    if (this.disruption) {
      const since = this.disruption.since;
      const back = nodes.find((n) => lastBeat(n) > since);
      if (back) {
        this.disruption = null;
        this.evictionHoldUntil = t + this.config.nodeNotReadyAfterMs;
        await this.events.record(
          'Normal',
          'ClusterDisruptionEnded',
          'cluster/kubesim',
          `Node ${back.name} sent a heartbeat again after ${seconds(lastBeat(back) - since)} of cluster-wide silence: eviction and restarts resume`,
        );
      }
    }
    if (!this.disruption) {
      const watched = nodes.filter(
        (n) =>
          (n.health_status === 'healthy' || n.health_status === 'not_ready') &&
          !this.injectedFailure(n),
      );
      if (
        watched.length >= 2 &&
        watched.every((n) => silentMs(n, t) > this.config.nodeNotReadyAfterMs)
      ) {
        this.disruption = { since: Math.max(...watched.map(lastBeat)), nodes: watched.length };
        await this.events.record(
          'Warning',
          'ClusterDisrupted',
          'cluster/kubesim',
          `All ${watched.length} nodes stopped sending heartbeats at once: suspecting the control plane's own connectivity. They are marked not ready and failed as usual, but no pod is evicted and no node restarted until one answers`,
        );
      }
    }
    await this.publish();
  }

  /** GET /cluster (on any replica) reads the disruption from the settings table. */
  async publish(): Promise<void> {
    const value = JSON.stringify(
      this.disruption
        ? {
            active: true,
            since: new Date(this.disruption.since).toISOString(),
            reason: `all ${this.disruption.nodes} nodes stopped sending heartbeats at once`,
          }
        : { active: false, since: null, reason: null },
    );
    if (value === this.publishedDisruption) return;
    await this.settingsRepository.putSetting(DISRUPTION_SETTING, value);
    this.publishedDisruption = value;
  }

  /** Whether the failure of this node waits for the cluster-wide silence to end. */
  paused(node: JudgedNode, t: number): boolean {
    if (this.knownFailures.has(node.id)) return false;
    return this.disruption !== null || t < this.evictionHoldUntil;
  }
}
