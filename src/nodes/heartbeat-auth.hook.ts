import { ThrottlerStorageService } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { DomainError, UnauthorizedError } from '../common/errors';
import { errorBody, isDatabaseUnavailable } from '../common/http-exception.filter';
import { databaseHealth } from '../database/database-health';
import { HeartbeatService } from './heartbeat.service';

export type AuthenticatedNodeRequest = FastifyRequest & { kubesimNodeId: number };

const AGENT_ROUTES = new Set(['/nodes/:id/heartbeat', '/nodes/:id/watch']);

/** Wrong tokens allowed per client and node in a minute before that pair is refused for a minute. */
export const FAILED_TOKEN_LIMIT = 10;
const WINDOW_MS = 60_000;

/**
 * Checks a heartbeat's token before its body is even parsed, so a missing or wrong
 * token is a 401 whatever the body holds. Repeated wrong tokens from one client for
 * one node are throttled (429) with @nestjs/throttler's storage; a node with the
 * right token is never counted, so healthy nodes are never slowed.
 */
export function heartbeatAuthHook(heartbeats: HeartbeatService): onRequestHookHandler {
  const failures = new ThrottlerStorageService();
  const blockedUntil = new Map<string, number>();
  const refuse = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send(errorBody(status, message));
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'POST' || !AGENT_ROUTES.has(req.routeOptions.url ?? '')) return;
    // the router has decoded the id already; a malformed escape never gets this far (400)
    const ref = (req.params as { id: string }).id;
    const key = `${req.ip}|${ref}`;
    const until = blockedUntil.get(key);
    const blocked = until !== undefined && until > Date.now();
    if (until !== undefined && !blocked) blockedUntil.delete(key);
    try {
      // the node's own token always gets through, even while guessers are refused
      (req as AuthenticatedNodeRequest).kubesimNodeId = await heartbeats.authenticate(
        ref,
        req.headers.authorization,
      );
      return;
    } catch (err) {
      if (err instanceof UnauthorizedError && blocked) {
        reply.header('Retry-After', String(Math.ceil((until! - Date.now()) / 1000)));
        return refuse(reply, 429, 'too many wrong heartbeat tokens for this node; try again later');
      }
      if (err instanceof UnauthorizedError) {
        const record = await failures.increment(
          key,
          WINDOW_MS,
          FAILED_TOKEN_LIMIT,
          WINDOW_MS,
          'heartbeat-token',
        );
        if (record.isBlocked) {
          blockedUntil.set(key, Date.now() + record.timeToBlockExpire * 1000);
          reply.header('Retry-After', String(record.timeToBlockExpire));
          return refuse(
            reply,
            429,
            'too many wrong heartbeat tokens for this node; try again later',
          );
        }
      }
      if (err instanceof DomainError) return refuse(reply, err.status, err.message);
      if (isDatabaseUnavailable(err)) {
        databaseHealth.markDown();
        return refuse(reply, 503, 'database unavailable: kubesim cannot reach PostgreSQL');
      }
      throw err;
    }
  };
}
