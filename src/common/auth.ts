import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnauthorizedError } from './errors';

/** Routes that carry their own credentials (a node's heartbeat token) or none (probes). */
export const PUBLIC_ROUTE = 'kubesim:public';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
    if (presented && required.some((t) => sameSecret(presented, t))) return true;
    throw new UnauthorizedError(
      presented
        ? 'invalid API token'
        : 'this endpoint needs "Authorization: Bearer <KUBESIM_API_TOKEN>"',
    );
  }
}
