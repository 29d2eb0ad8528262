import { ThrottlerStorageService } from '@nestjs/throttler';
import { Request, Response, NextFunction } from 'express';
import { DomainError, UnauthorizedError } from '../common/errors';
import { errorBody, isDatabaseUnavailable } from '../common/http-exception.filter';
import { databaseHealth } from '../database/database-health';
import { HeartbeatService } from './heartbeat.service';

export type AuthenticatedNodeRequest = Request & { kubesimNodeId: number };

const HEARTBEAT_PATH = /^\/nodes\/([^/]+)\/(?:heartbeat|watch)\/?$/;

/** Wrong tokens allowed per client and node in a minute before that pair is refused for a minute. */
export const FAILED_TOKEN_LIMIT = 10;
const WINDOW_MS = 60_000;

/**
 * Checks a heartbeat's token before its body is even parsed, so a missing or wrong
 * token is a 401 whatever the body holds. Repeated wrong tokens from one client for
 * one node are throttled (429) with @nestjs/throttler's storage; a node with the
 * right token is never counted, so healthy nodes are never slowed.
 */
export function heartbeatAuthMiddleware(heartbeats: HeartbeatService) {
  const failures = new ThrottlerStorageService();
  const blockedUntil = new Map<string, number>();
  return (req: Request, res: Response, next: NextFunction) => {
    const match = req.method === 'POST' ? HEARTBEAT_PATH.exec(req.path) : null;
    if (!match) return next();
    let ref: string;
    try {
      ref = decodeURIComponent(match[1]);
    } catch {
      // a malformed escape names no node
      return res.status(401).json(errorBody(401, 'invalid heartbeat token for this node'));
    }
    const key = `${req.ip}|${ref}`;
    const until = blockedUntil.get(key);
    const blocked = until !== undefined && until > Date.now();
    if (until !== undefined && !blocked) blockedUntil.delete(key);
    heartbeats
      .authenticate(ref, req.headers.authorization)
      .then((nodeId) => {
        // the node's own token always gets through, even while guessers are refused
        (req as AuthenticatedNodeRequest).kubesimNodeId = nodeId;
        next();
      })
      .catch(async (err: unknown) => {
        if (err instanceof UnauthorizedError && blocked) {
          res.setHeader('Retry-After', String(Math.ceil((until! - Date.now()) / 1000)));
          res
            .status(429)
            .json(errorBody(429, 'too many wrong heartbeat tokens for this node; try again later'));
          return;
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
            res.setHeader('Retry-After', String(record.timeToBlockExpire));
            res
              .status(429)
              .json(
                errorBody(429, 'too many wrong heartbeat tokens for this node; try again later'),
              );
            return;
          }
        }
        if (err instanceof DomainError) {
          res.status(err.status).json(errorBody(err.status, err.message));
        } else if (isDatabaseUnavailable(err)) {
          databaseHealth.markDown();
          res
            .status(503)
            .json(errorBody(503, 'database unavailable: kubesim cannot reach PostgreSQL'));
        } else {
          next(err);
        }
      });
  };
}
