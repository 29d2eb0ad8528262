import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NodesRepository } from '../database/nodes.repository';
import { NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { MetricsService } from '../metrics/metrics.service';
import { NodesService } from '../nodes/nodes.service';
import { ClusterDisruption } from './cluster-disruption';
import { decideHealth } from './node-health';

/** The recovery step: failed nodes whose backoff has passed get their agent restarted. */
@Injectable()
export class NodeRecovery {
  private readonly logger = new Logger(NodeRecovery.name);

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly nodes: NodesService,
    private readonly disruption: ClusterDisruption,
    private readonly metrics: MetricsService,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async recover(now: Date): Promise<void> {
    if (!this.runtime.manages) return;
    const failed = await this.nodesRepository.nodesInStatus(['failed']);
    for (const node of failed) {
      if (node.runtime !== this.runtime.kind) continue;
      if (this.disruption.paused(node, now.getTime())) continue;
      const verdict = decideHealth(node, now.getTime(), this.config);
      if (verdict.action !== 'restart') continue;
      this.metrics.nodeRestarts.inc();
      try {
        await this.nodes.relaunch(
          node,
          `recovery attempt ${verdict.attempt}/${this.config.maxRecoveryAttempts}`,
          verdict.attempt,
          null,
        );
      } catch (err) {
        // the attempt counts: a restart that cannot even start is a failed one
        this.logger.warn(`restart of ${node.name} failed: ${(err as Error).message}`);
        await this.nodesRepository.setNodeStatus(node.id, 'recovering', {
          recoveryAttempts: verdict.attempt,
        });
      }
    }
  }
}
