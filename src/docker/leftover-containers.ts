import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { SettingsRepository } from '../database/settings.repository';
import { NodeRecord } from '../database/records';
import { containerName, LABEL_CLUSTER, LABEL_NODE_ID } from './node-container';
import { withDeadline } from './engine-deadline';

const CALL_TIMEOUT_MS = 5000;

/** The dockerode calls the removal makes, narrowed so unit tests can hand in a fake engine. */
export type LeftoverEngine = Pick<Docker, 'ping' | 'getContainer'>;

/**
 * Removes the containers of nodes another runtime now runs (their agent may still be there: a
 * container outlives its server). Best effort, one at a time and each with a deadline: an
 * unreachable engine only costs a warning.
 */
export async function removeLeftoverContainers(
  nodes: NodeRecord[],
  settings: Pick<SettingsRepository, 'clusterId'>,
  logger: Logger,
  given?: LeftoverEngine,
): Promise<void> {
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
  const clusterId = await settings.clusterId();
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
