import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import { NodesRepository } from '../database/nodes.repository';
import { SettingsRepository } from '../database/settings.repository';
import { NodeRecord } from '../database/records';
import { NodeRuntime } from './node-runtime';
import { withDeadline } from './engine-deadline';

/** the runtimes whose agents kubesim starts itself (an external agent is nobody's to move) */
const MANAGED_KINDS = new Set(['docker', 'process']);
const CALL_TIMEOUT_MS = 5000;

/** What a takeover writes and reads: each node's new runtime, the cluster id its containers carry. */
export interface HandoverRepositories {
  nodes: Pick<NodesRepository, 'setNodeRuntime'>;
  settings: Pick<SettingsRepository, 'clusterId'>;
}

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
  engine?: Pick<Docker, 'ping' | 'getContainer'>,
): Promise<Map<number, string>> {
  const moved = new Map<number, string>();
  if (!runtime.manages) return moved;
  const foreign = nodes.filter((n) => MANAGED_KINDS.has(n.runtime) && n.runtime !== runtime.kind);
  if (!foreign.length) return moved;
  const containers = foreign.filter((n) => n.runtime === 'docker');
  if (containers.length) await removeContainers(containers, repositories, logger, engine);
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

/** Best effort, one at a time and each with a deadline: an unreachable engine only costs a warning. */
async function removeContainers(
  nodes: NodeRecord[],
  repositories: HandoverRepositories,
  logger: Logger,
  given?: Pick<Docker, 'ping' | 'getContainer'>,
): Promise<void> {
  // loaded only when there are containers to remove, as the runtime module does
  const { containerName, LABEL_CLUSTER, LABEL_NODE_ID } = await import('./docker.runtime');
  const { default: Docker } = await import('dockerode');
  const engine = given ?? new Docker({ timeout: CALL_TIMEOUT_MS });
  const leftover = () =>
    `their agents stop by themselves once their tokens are replaced (${nodes.map((n) => n.name).join(', ')})`;
  try {
    await deadline(engine.ping(), 'ping');
  } catch (err) {
    logger.warn(
      `cannot reach Docker to remove old node containers: ${message(err)}; ${leftover()}`,
    );
    return;
  }
  const clusterId = await repositories.settings.clusterId();
  for (const node of nodes) {
    const name = containerName(node.name);
    try {
      const container = engine.getContainer(name);
      const info = await deadline(container.inspect(), `inspect ${name}`);
      const labels = info.Config?.Labels ?? {};
      // a container of the same name may belong to another cluster sharing the engine
      if (labels[LABEL_CLUSTER] !== clusterId || labels[LABEL_NODE_ID] !== String(node.id))
        continue;
      await deadline(container.remove({ force: true, v: true }), `remove ${name}`);
      logger.log(`removed the container ${name} of node ${node.name}`);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) continue;
      logger.warn(`could not remove the container ${name}: ${message(err)}`);
    }
  }
}

function message(err: unknown): string {
  return (err as { json?: { message?: string } })?.json?.message ?? (err as Error).message;
}

function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  return withDeadline(
    promise,
    CALL_TIMEOUT_MS,
    () => new Error(`${what}: no answer within ${CALL_TIMEOUT_MS} ms`),
  );
}
