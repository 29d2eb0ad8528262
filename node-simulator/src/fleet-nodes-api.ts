/**
 * What a fleet asks the API about its nodes: registering each (retrying while the API is
 * busy or away), taking over one that exists already with a new heartbeat token, and, when
 * the fleet stops, stopping or deleting them.
 */
import { forEachLimit } from './for-each-limit';
import { Logger } from './logger';
import { Clock, FetchLike, HttpResult, postJson, sendJson } from './runtime-deps';

export type Registration =
  | { kind: 'created'; id: string; token: string; cpus?: number; takenOver?: boolean }
  | { kind: 'exists' }
  | { kind: 'fatal'; message: string }
  | { kind: 'cancelled' };

/** What becomes of the fleet's nodes when it stops (see FleetOptions.onStop). */
export type FleetExit = 'leave' | 'stop' | 'delete';

export interface FleetNodesApiOptions {
  /** base URL of the API, without a trailing slash */
  apiServer: string;
  /** bearer token for the node routes when the API is guarded (KUBESIM_API_TOKEN) */
  apiToken?: string;
  /** each node's CPU cores */
  cpus: number;
  nodeType?: 'worker' | 'master';
  /** a name that exists already is taken over with a new token instead of skipped */
  takeOver?: boolean;
  fetch: FetchLike;
  clock: Clock;
  logger: Logger;
}

const REGISTRATION_ATTEMPTS = 5;
/** calls in flight at once, so thousands of nodes do not open thousands of sockets */
export const STOP_CONCURRENCY = 64;

export class FleetNodesApi {
  constructor(
    private readonly options: FleetNodesApiOptions,
    /** the fleet is stopping: a registration waiting to retry gives up */
    private readonly cancelled: () => boolean,
  ) {}

  async register(name: string): Promise<Registration> {
    const { apiServer, apiToken, fetch, clock } = this.options;
    // the agents run here: the server must not launch its own for these nodes
    const body: Record<string, unknown> = { name, cpu_cores: this.options.cpus, agent: 'external' };
    if (this.options.nodeType === 'master') body.node_type = 'master';
    for (let attempt = 1; ; attempt++) {
      const result = await postJson(fetch, clock, `${apiServer}/nodes`, body, {
        bearer: apiToken,
        timeoutMs: 10_000,
      });
      if (result.status === 200 || result.status === 201) return registered(name, result);
      if (result.status === 409)
        return this.options.takeOver ? this.takeOver(name) : { kind: 'exists' };
      const retryable = result.status === 0 || result.status === 429 || result.status >= 500;
      if (!retryable) {
        return {
          kind: 'fatal',
          message: `registering ${name} refused: HTTP ${result.status}${detail(result)}`,
        };
      }
      if (attempt >= REGISTRATION_ATTEMPTS) {
        return {
          kind: 'fatal',
          message: `API unreachable while registering ${name}: ${result.error ?? `HTTP ${result.status}`}`,
        };
      }
      await new Promise((resolve) =>
        clock.setTimeout(() => resolve(undefined), 500 * 2 ** (attempt - 1)),
      );
      if (this.cancelled()) return { kind: 'cancelled' };
    }
  }

  /** Stops or deletes the fleet's nodes through the API; a node gone already is fine. */
  async settle(nodes: ReadonlyArray<{ id: string; name: string }>, exit: FleetExit): Promise<void> {
    if (exit === 'leave' || nodes.length === 0) return;
    const { apiServer, apiToken, fetch, clock, logger } = this.options;
    const call = (method: string, path: string) =>
      sendJson(
        fetch,
        clock,
        method,
        `${apiServer}${path}`,
        {},
        {
          bearer: apiToken,
          timeoutMs: 10_000,
        },
      );
    const each = async (fn: (node: { id: string; name: string }) => Promise<HttpResult>) => {
      const failures: string[] = [];
      await forEachLimit(nodes.length, STOP_CONCURRENCY, async (i) => {
        const result = await fn(nodes[i]);
        if (!(result.status >= 200 && result.status < 300) && result.status !== 404) {
          failures.push(
            `${nodes[i].name}: ${result.error ?? `HTTP ${result.status}`}${detail(result)}`,
          );
        }
      });
      return failures;
    };
    if (exit === 'delete') {
      // cordoned first, so the pods of one node are not moved onto the next one to go
      await each((node) => call('POST', `/nodes/${node.id}/cordon`));
    }
    const failures = await each((node) =>
      exit === 'delete'
        ? call('DELETE', `/nodes/${node.id}`)
        : call('POST', `/nodes/${node.id}/stop`),
    );
    const done = nodes.length - failures.length;
    logger.info(`fleet: ${done} nodes ${exit === 'delete' ? 'deleted' : 'stopped'}`);
    if (failures.length > 0) {
      logger.warn(
        `fleet: ${failures.length} nodes could not be ${exit === 'delete' ? 'deleted' : 'stopped'}: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`,
      );
    }
  }

  /** A new token for a node that exists already; a node kubesim runs itself stays skipped. */
  private async takeOver(name: string): Promise<Registration> {
    const { apiServer, apiToken, fetch, clock, logger } = this.options;
    const result = await postJson(
      fetch,
      clock,
      `${apiServer}/nodes/${encodeURIComponent(name)}/token`,
      {},
      { bearer: apiToken, timeoutMs: 10_000 },
    );
    if (result.status === 200) {
      const registration = registered(name, result);
      if (registration.kind !== 'created') return registration;
      logger.info(`fleet: node ${name} exists already; taken over with a new token`);
      return { ...registration, takenOver: true };
    }
    if (result.status === 409 || result.status === 404) {
      logger.warn(`fleet: node ${name} exists already and cannot be taken over${detail(result)}`);
      return { kind: 'exists' };
    }
    return {
      kind: 'fatal',
      message: `taking over ${name} refused: ${result.error ?? `HTTP ${result.status}`}${detail(result)}`,
    };
  }
}

function registered(name: string, result: HttpResult): Registration {
  try {
    const node = JSON.parse(result.body) as {
      id?: unknown;
      heartbeat_token?: unknown;
      cpu_cores_total?: unknown;
    };
    const idOk = typeof node.id === 'number' || (typeof node.id === 'string' && node.id !== '');
    if (idOk && typeof node.heartbeat_token === 'string' && node.heartbeat_token !== '') {
      const cpus =
        typeof node.cpu_cores_total === 'number' && node.cpu_cores_total > 0
          ? node.cpu_cores_total
          : undefined;
      return { kind: 'created', id: String(node.id), token: node.heartbeat_token, cpus };
    }
  } catch {
    // reported below
  }
  return { kind: 'fatal', message: `registering ${name}: answer without id and heartbeat_token` };
}

/** The API's own error message, short; never anything we sent. */
function detail(result: HttpResult): string {
  try {
    const message = (JSON.parse(result.body) as { message?: unknown }).message;
    const text = Array.isArray(message)
      ? message.join('; ')
      : typeof message === 'string'
        ? message
        : '';
    return text ? ` (${text.slice(0, 200)})` : '';
  } catch {
    return '';
  }
}
