import { Logger } from '@nestjs/common';
import type { LeftoverEngine } from '../docker/leftover-containers';
import { NodesRepository } from '../database/nodes.repository';
import { NodeRecord } from '../database/records';
import { SettingsRepository } from '../database/settings.repository';
import { NodeRuntime } from './node-runtime';

/** What a takeover writes and reads: each node's new runtime, the cluster id its containers carry. */
export interface HandoverRepositories {
  nodes: Pick<NodesRepository, 'setNodeRuntime'>;
  settings: Pick<SettingsRepository, 'clusterId'>;
}

/** the runtimes whose agents kubesim starts itself (an external agent is nobody's to move) */
const MANAGED_KINDS = new Set(['docker', 'process']);

/**
 * Nodes a server with another RUNTIME launched are taken over by the current runtime, so
 * none stays `healthy` with no agent behind it (or with an agent nothing can stop): the
 * node's runtime is rewritten, and an old agent that may still run (a container outlives
 * its server; a child process does not) is removed. The caller then relaunches the nodes
 * that should run, with new tokens, which also turns away any old agent left behind.
 * Returns the nodes taken over, each with the runtime it came from; `nodes` is updated.
 */
export async function takeOverNodes(
  nodes: NodeRecord[],
  runtime: Pick<NodeRuntime, 'kind' | 'manages'>,
  repositories: HandoverRepositories,
  logger: Logger,
  engine?: LeftoverEngine,
): Promise<Map<number, string>> {
  const moved = new Map<number, string>();
  if (!runtime.manages) return moved;
  const foreign = nodes.filter((n) => MANAGED_KINDS.has(n.runtime) && n.runtime !== runtime.kind);
  if (!foreign.length) return moved;
  const containers = foreign.filter((n) => n.runtime === 'docker');
  if (containers.length) {
    // loaded only when there are containers to remove, as the runtime module loads Docker's
    const { removeLeftoverContainers } = await import('../docker/leftover-containers');
    await removeLeftoverContainers(containers, repositories.settings, logger, engine);
  }
  for (const node of foreign) {
    logger.log(
      `node ${node.name} was started by the ${node.runtime} runtime: the ${runtime.kind} runtime takes it over`,
    );
    await repositories.nodes.setNodeRuntime(node.id, runtime.kind);
    moved.set(node.id, node.runtime);
    node.runtime = runtime.kind;
    node.runtime_ref = null;
  }
  return moved;
}
