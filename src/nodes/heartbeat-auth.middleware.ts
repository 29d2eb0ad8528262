import { Request, Response, NextFunction } from 'express';
import { DomainError } from '../common/errors';
import { errorBody, isDatabaseUnavailable } from '../common/http-exception.filter';
import { HeartbeatService } from './heartbeat.service';

export type AuthenticatedNodeRequest = Request & { kubesimNodeId: number };

const HEARTBEAT_PATH = /^\/nodes\/([^/]+)\/(?:heartbeat|watch)\/?$/;

/**
 * Checks a heartbeat's token before its body is even parsed, so a missing or wrong
 * token is a 401 whatever the body holds.
 */
export function heartbeatAuthMiddleware(heartbeats: HeartbeatService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const match = req.method === 'POST' ? HEARTBEAT_PATH.exec(req.path) : null;
    if (!match) return next();
    heartbeats
      .authenticate(decodeURIComponent(match[1]), req.headers.authorization)
      .then((nodeId) => {
        (req as AuthenticatedNodeRequest).kubesimNodeId = nodeId;
        next();
      })
      .catch((err: unknown) => {
        if (err instanceof DomainError) {
          res.status(err.status).json(errorBody(err.status, err.message));
        } else if (isDatabaseUnavailable(err)) {
          res
            .status(503)
            .json(errorBody(503, 'database unavailable: kubesim cannot reach PostgreSQL'));
        } else {
          next(err);
        }
      });
  };
}
