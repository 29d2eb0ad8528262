import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { DomainError, UnauthorizedError } from '../common/errors';
import { FailureThrottle } from '../common/failure-throttle';
import { errorBody } from '../common/http-exception.filter';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { DatabaseHealth } from '../database/database-health';
import { HeartbeatTokenAuth } from './heartbeat-token-auth';

export type AuthenticatedNodeRequest = FastifyRequest & { kubesimNodeId: number };

const AGENT_ROUTES = new Set(['/nodes/:id/heartbeat', '/nodes/:id/watch']);

/** Wrong tokens allowed per client and node in a minute before that pair is refused for a minute. */
export const FAILED_TOKEN_LIMIT = 10;
const WINDOW_MS = 60_000;
/** No node name is longer (a DNS-1123 label), and no id has more digits than this. */
export const MAX_NODE_REF_LENGTH = 63;
/** Client-and-node pairs the throttle remembers at most (a few hundred bytes each). */
export const MAX_THROTTLE_ENTRIES = 10_000;

export interface HeartbeatAuthHook extends onRequestHookHandler {
  /** entries the throttle holds now (memory must stay bounded whatever clients send) */
  readonly throttleSize: () => number;
}

/**
 * Checks a heartbeat's token before its body is even parsed, so a missing or wrong
 * token is a 401 whatever the body holds. Repeated wrong tokens from one client for
 * one node are throttled (429); a node with the right token is never counted, so
 * healthy nodes are never slowed. The throttle is keyed on the node the reference
 * resolves to (`1`, `01` and the node's name are one node; every unknown one is one
 * more), and holds a bounded number of entries.
 */
export function heartbeatAuthHook(
  auth: HeartbeatTokenAuth,
  databaseHealth: DatabaseHealth,
): HeartbeatAuthHook {
  const failures = new FailureThrottle({
    limit: FAILED_TOKEN_LIMIT,
    windowMs: WINDOW_MS,
    blockMs: WINDOW_MS,
    maxEntries: MAX_THROTTLE_ENTRIES,
  });
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send(errorBody(status, message));
  const tooMany = (reply: FastifyReply, blockedMs: number) => {
    reply.header('Retry-After', String(Math.ceil(blockedMs / 1000)));
    return refuse(reply, 429, 'too many wrong heartbeat tokens for this node; try again later');
  };
  const hook = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST' || !AGENT_ROUTES.has(req.routeOptions.url ?? '')) return;
    // the router has decoded the id already; a malformed escape never gets this far (400)
    const ref = (req.params as { id: string }).id;
    if (ref.length > MAX_NODE_REF_LENGTH) {
      return refuse(
        reply,
        400,
        `a node is addressed by its id or its name, at most ${MAX_NODE_REF_LENGTH} characters`,
      );
    }
    try {
      const nodeId = await auth.resolveNodeId(ref);
      const key = `${req.ip}|${nodeId ?? '?'}`;
      const blocked = failures.blockedFor(key);
      try {
        // the node's own token always gets through, even while guessers are refused
        (req as AuthenticatedNodeRequest).kubesimNodeId = await auth.authenticate(
          ref,
          req.headers.authorization,
        );
        return;
      } catch (err) {
        if (!(err instanceof UnauthorizedError)) throw err;
        if (blocked) return tooMany(reply, blocked);
        const blockedNow = failures.fail(key);
        if (blockedNow) return tooMany(reply, blockedNow);
        throw err;
      }
    } catch (err) {
      if (err instanceof DomainError) return refuse(reply, err.status, err.message);
      if (isDatabaseUnavailable(err)) {
        databaseHealth.markDown();
        return refuse(reply, 503, 'database unavailable: kubesim cannot reach PostgreSQL');
      }
      throw err;
    }
  };
  return Object.assign(hook, { throttleSize: () => failures.size });
}
