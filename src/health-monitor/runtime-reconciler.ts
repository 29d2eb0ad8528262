import { Inject, Injectable, Logger } from '@nestjs/common';
import { NodesRepository } from '../database/nodes.repository';
import { SettingsRepository } from '../database/settings.repository';
import { NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { takeOverNodes } from '../runtimes/runtime-handover';
import { NodesService } from '../nodes/nodes.service';

/** At boot: agents of this runtime that should be running get one (after a server restart). */
@Injectable()
export class RuntimeReconciler {
  private readonly logger = new Logger(RuntimeReconciler.name);

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly nodes: NodesService,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
  ) {}

  async reconcileRuntime(): Promise<void> {
    if (!this.runtime.manages || !this.runtime.reconcile) return;
    try {
      const all = await this.nodesRepository.allNodes();
      // nodes a server with another RUNTIME started are this runtime's now
      const movedFrom = await takeOverNodes(
        all,
        this.runtime,
        { nodes: this.nodesRepository, settings: this.settingsRepository },
        this.logger,
      );
      const nodes = all.filter((n) => n.runtime === this.runtime.kind);
      await this.runtime.reconcile(
        nodes.map((n) => ({ id: n.id, name: n.name, status: n.health_status })),
        async (id) => {
          const node = nodes.find((n) => n.id === id)!;
          const from = movedFrom.get(id);
          await this.nodes.relaunch(
            node,
            from
              ? `it was started by the ${from} runtime, and the server now runs agents as ${this.runtime.kind}`
              : 'its agent was not running when the server started',
            node.recovery_attempts,
          );
        },
      );
    } catch (err) {
      this.logger.warn(
        `could not reconcile the ${this.runtime.kind} runtime: ${(err as Error).message}`,
      );
    }
  }
}
