import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TooManyRequestsError, UnauthorizedError } from './errors';
import { FailureThrottle } from './failure-throttle';

/** Routes that carry their own credentials (a node's heartbeat token) or none (probes). */
export const PUBLIC_ROUTE = 'kubesim:public';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Wrong API tokens allowed per client in a minute before that client is refused for a minute. */
export const FAILED_API_TOKEN_LIMIT = 10;
const MINUTE_MS = 60_000;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * KUBESIM_API_TOKEN, when set, guards every mutating endpoint; KUBESIM_API_READ_TOKEN,
 * when also set, guards the read-only ones (either token reads).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  /** per client address; a blocked client is refused even with the right token, so guessing learns nothing */
  private readonly failures = new FailureThrottle({
    limit: FAILED_API_TOKEN_LIMIT,
    windowMs: MINUTE_MS,
    blockMs: MINUTE_MS,
    maxEntries: 10_000,
  });

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<{
      ip: string;
      method: string;
      headers: Record<string, string | undefined>;
      query: Record<string, unknown>;
    }>();
    // a browser's EventSource cannot set headers: reads may carry the token as ?access_token=
    const fromQuery = req.method === 'GET' ? req.query?.access_token : undefined;
    const presented =
      /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ??
      (typeof fromQuery === 'string' ? fromQuery : null);
    const { apiToken, apiReadToken } = this.config;
    const accepted = MUTATING.has(req.method)
      ? [apiToken]
      : apiReadToken
        ? [apiToken, apiReadToken]
        : [];
    const required = accepted.filter((t): t is string => !!t);
    if (required.length === 0) return true;
    const blocked = this.failures.blockedFor(req.ip);
    if (blocked) this.tooMany(context, blocked);
    if (presented && required.some((t) => sameSecret(presented, t))) return true;
    if (presented) {
      const blockedNow = this.failures.fail(req.ip);
      if (blockedNow) this.tooMany(context, blockedNow);
    }
    throw new UnauthorizedError(
      presented
        ? 'invalid API token'
        : 'this endpoint needs "Authorization: Bearer <KUBESIM_API_TOKEN>"',
    );
  }

  private tooMany(context: ExecutionContext, blockedMs: number): never {
    const seconds = Math.ceil(blockedMs / 1000);
    context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(seconds));
    throw new TooManyRequestsError(
      `too many wrong API tokens from this client; try again in ${seconds} s`,
    );
  }
}
