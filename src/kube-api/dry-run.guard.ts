import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { KubeError } from './kube-status';
import { decodeObject } from './protobuf';

const DRY_RUN = 'kubesim:supports-dry-run';

/** Marks a Kubernetes API write whose handler honours `dryRun=All` (checks, stores nothing). */
export const SupportsDryRun = () => SetMetadata(DRY_RUN, true);

/**
 * `kubectl … --dry-run=server` must change nothing. A write that carries `dryRun` reaches
 * only a handler marked to honour it; any other is refused before it runs, so no handler can
 * act on a request its client meant as a rehearsal.
 */
function dryRunOfBody(raw: unknown): unknown {
  let body = raw;
  if (Buffer.isBuffer(raw)) {
    try {
      body = decodeObject(raw, { apiVersion: 'policy/v1', kind: 'Eviction' });
    } catch {
      return undefined; // not a protobuf object: its handler answers that
    }
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { dryRun?: unknown; deleteOptions?: { dryRun?: unknown } };
  return b.dryRun ?? b.deleteOptions?.dryRun;
}

@Injectable()
export class DryRunGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (req.method === 'GET' || req.method === 'HEAD') return true;
    // a query parameter on most writes; a delete says it in its DeleteOptions body, an
    // eviction (JSON or protobuf) in the DeleteOptions it carries
    const given =
      (req.query as Record<string, unknown> | undefined)?.dryRun ?? dryRunOfBody(req.body);
    const values = Array.isArray(given) ? given : given === undefined ? [] : [given];
    if (values.length === 0) return true;
    const value = values.find((v) => v !== 'All') ?? 'All';
    if (value !== 'All')
      throw new KubeError(
        400,
        `dryRun: Unsupported value: "${String(value)}": supported values: "All"`,
        'BadRequest',
      );
    if (this.reflector.get<boolean>(DRY_RUN, context.getHandler())) return true;
    throw new KubeError(
      400,
      `kubesim does not yet rehearse this request (dryRun): nothing was changed; send it without --dry-run=server`,
      'BadRequest',
    );
  }
}
