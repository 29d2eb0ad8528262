import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NodesRepository } from '../database/nodes.repository';
import { JudgedNode } from '../database/records';
import { AgentExit, NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { ClusterDisruption } from './cluster-disruption';
import { EventLoopStall } from './event-loop-stall';
import { decideHealth, restartDelayMs, silentMs } from './node-health';
import { seconds } from './seconds';
import { SuspectPods } from './suspect-pods';

/**
 * The detection step: silent nodes become not_ready, then failed; dead ones fail at once;
 * restarted ones that stay silent use up an attempt, and the last one gives the node up.
 */
@Injectable()
export class NodeFailureDetector {
  private readonly logger = new Logger(NodeFailureDetector.name);
  /** no node is declared failed before this time: after boot, or after losing the database */
  private graceUntil = 0;
  private readonly exits: AgentExit[] = [];

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly disruption: ClusterDisruption,
    private readonly suspects: SuspectPods,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly loop: EventLoopStall,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.startGrace(Date.now());
    this.runtime.onUnexpectedExit((exit) => this.exits.push(exit));
  }

  /** Nothing is declared failed for one full timeout from `now` (boot, database back). */
  startGrace(now: number): void {
    this.graceUntil = now + this.config.nodeFailureTimeoutMs;
  }

  /**
   * Judges every watched node. When every watched node is silent at once the nodes are
   * still judged, but eviction and restarts wait (see `ClusterDisruption`).
   */
  async detect(now: Date): Promise<void> {
    const t = now.getTime();
    this.allowForOwnStall(t);
    const nodes = await this.nodesRepository.nodesToJudge([
      'healthy',
      'not_ready',
      'pending',
      'recovering',
    ]);
    // an agent the runtime saw die is failed whatever the grace: that is no stale heartbeat
    for (const exit of this.exits.splice(0)) {
      const node = nodes.find((n) => n.id === exit.nodeId && n.health_status !== 'recovering');
      if (!node) continue;
      await this.markFailed(
        node,
        `its agent ${exit.detail}`,
        silentMs(node, t),
        now,
        exit.fromOutside ? 'killed' : 'exit',
      );
      node.health_status = 'failed';
    }
    const judged = nodes.filter((n) => n.health_status !== 'failed');
    for (const node of judged) {
      if (node.health_status === 'healthy') this.disruption.noteHealthy(node.id);
    }
    if (t < this.graceUntil) return this.disruption.publish();

    await this.disruption.judge(judged, t);
    for (const node of judged) {
      const verdict = decideHealth(node, t, this.config);
      if (verdict.action === 'not-ready') {
        const changed = await this.nodesRepository.setNodeStatus(node.id, 'not_ready', {
          from: ['healthy'],
          silentSince: node.last_heartbeat_at,
        });
        if (changed) {
          await this.events.record(
            'Warning',
            'NodeNotReady',
            `node/${node.name}`,
            `Node ${node.name} is not ready: missed ${Math.floor(verdict.silentMs / this.config.heartbeatIntervalMs)} heartbeats (silent ${seconds(verdict.silentMs)}), takes no new pods`,
          );
        }
      } else if (verdict.action === 'fail') {
        const injected = this.disruption.injectedFailure(node);
        await this.markFailed(
          node,
          `no heartbeat for ${seconds(verdict.silentMs)}${injected ? ' (failure injected)' : ''}`,
          verdict.silentMs,
          now,
          injected ? 'injected' : 'silence',
        );
      } else if (verdict.action === 'attempt-failed' && !this.disruption.active) {
        // (while the whole cluster is silent, a restarted agent may just not get through either)
        await this.attemptFailed(node, verdict.permanently, now);
      }
    }
  }

  /**
   * Heartbeats that came while this process's event loop stood still wait unread: that
   * silence is the API's. A stall longer than a heartbeat interval gives every node that long
   * again (one timeout at most) before it is judged, so the beats that waited are read first.
   */
  private allowForOwnStall(t: number): void {
    const stalled = this.loop.longestSinceLastAsked();
    if (stalled <= this.config.heartbeatIntervalMs) return;
    const grace = Math.min(stalled, this.config.nodeFailureTimeoutMs);
    if (t + grace <= this.graceUntil) return;
    this.graceUntil = t + grace;
    this.logger.warn(
      `the API's event loop stood still for ${seconds(stalled)}: no node is judged for ${seconds(grace)}, so the heartbeats that waited are read first`,
    );
  }

  private async markFailed(
    node: JudgedNode,
    why: string,
    silent: number,
    now: Date,
    /** silence; the agent ended by itself; killed from outside; a failure injected by the API */
    cause: 'silence' | 'exit' | 'killed' | 'injected',
  ): Promise<void> {
    const manages = this.runtime.manages && node.runtime === this.runtime.kind;
    const permanently = manages && this.config.maxRecoveryAttempts === 0;
    const changed = await this.nodesRepository.setNodeStatus(
      node.id,
      permanently ? 'permanently_failed' : 'failed',
      {
        from: [node.health_status],
        recoveryAttempts: 0,
        ...(cause === 'silence' || cause === 'injected'
          ? { silentSince: node.last_heartbeat_at }
          : {}),
        nextRecoveryAt: manages
          ? new Date(now.getTime() + restartDelayMs(1, this.config.recoveryBackoffMs))
          : null,
      },
    );
    if (!changed) return;
    this.disruption.noteFailure(node.id, cause !== 'silence');
    // a failure the pods may have caused is remembered, to stop a cascade: not one a person
    // caused (injected, or a signal from outside), nor one of a cluster-wide silence
    if ((cause === 'silence' || cause === 'exit') && !this.disruption.active)
      await this.suspects.notePodsOnFailedNode(node, now);
    this.metrics.nodeFailures.inc();
    if (node.last_heartbeat_at) this.metrics.detectionDelaySeconds.observe(silent / 1000);
    await this.events.record(
      'Warning',
      'NodeFailed',
      `node/${node.name}`,
      `Node ${node.name} failed: ${why}${cause === 'silence' && this.disruption.active ? '; the whole cluster is silent, so its pods stay and it is not restarted until a node answers' : ''}`,
    );
    if (permanently) await this.giveUp(node);
  }

  private async attemptFailed(node: JudgedNode, permanently: boolean, now: Date): Promise<void> {
    if (permanently) {
      const changed = await this.nodesRepository.setNodeStatus(node.id, 'permanently_failed', {
        from: ['recovering'],
        nextRecoveryAt: null,
      });
      if (changed) await this.giveUp(node);
      return;
    }
    const next = new Date(
      now.getTime() + restartDelayMs(node.recovery_attempts + 1, this.config.recoveryBackoffMs),
    );
    const changed = await this.nodesRepository.setNodeStatus(node.id, 'failed', {
      from: ['recovering'],
      nextRecoveryAt: next,
    });
    if (changed) {
      await this.events.record(
        'Warning',
        'NodeFailed',
        `node/${node.name}`,
        `Node ${node.name} still silent after restart ${node.recovery_attempts}/${this.config.maxRecoveryAttempts}; next try in ${seconds(next.getTime() - now.getTime())}`,
      );
    }
  }

  private async giveUp(node: JudgedNode): Promise<void> {
    await this.events.record(
      'Warning',
      'NodePermanentlyFailed',
      `node/${node.name}`,
      `Node ${node.name} did not come back after ${this.config.maxRecoveryAttempts} restarts: its agent is stopped`,
    );
    await this.runtime
      .stop(node)
      .catch((err) => this.logger.warn(`stopping ${node.name}: ${(err as Error).message}`));
  }
}
