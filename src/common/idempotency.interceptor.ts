import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { IdempotencyRepository } from '../database/idempotency.repository';
import { BadInputError, ConflictError, UnprocessableError } from './errors';
import { SecretBox } from './secret-box';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** answers are replayed for a day, as Stripe-style idempotency keys usually are */
const KEEP_HOURS = 24;
/** a claim this old belongs to a request that never finished (a crash) */
const ABANDONED_MINUTES = 2;

/** Answer fields that are credentials: kept only encrypted, never in plain text. */
const SECRET_FIELDS = ['heartbeat_token'];

/** JSON with object keys sorted, so the same body sent in another key order hashes the same. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What identifies a request for its key: method, path and body. */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

function withoutSecrets(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const kept = { ...(body as Record<string, unknown>) };
  for (const field of SECRET_FIELDS) delete kept[field];
  return kept;
}

/**
 * `Idempotency-Key` on a POST: a retried request with the same key gets the first
 * answer back instead of creating twice; the same key with another request (method,
 * path or body) is refused with 422, as the IETF Idempotency-Key draft has it. The
 * stored answer is sealed with KUBESIM_SECRET_KEY when one is set; without one, its
 * credentials (a node's heartbeat token) are left out and a replay lacks them.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly box: SecretBox;
  private readonly encrypts: boolean;

  constructor(
    private readonly keys: IdempotencyRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.box = new SecretBox(config.secretKey);
    this.encrypts = config.secretKey !== null;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const key = req.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new BadInputError('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const scope = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const request = requestHash(req.method, req.url, req.body);
    return from(this.claim(key, scope, request)).pipe(
      switchMap((stored) => {
        if (stored) {
          res.status(stored.status);
          res.header('Idempotent-Replayed', 'true');
          return of(stored.body);
        }
        return next.handle().pipe(
          switchMap((body) =>
            from(this.remember(key, request, res.statusCode, body)).pipe(switchMap(() => of(body))),
          ),
          catchError((err) => from(this.forget(key)).pipe(switchMap(() => throwError(() => err)))),
        );
      }),
    );
  }

  /** Claims the key, or returns the answer stored under it. */
  private async claim(
    key: string,
    scope: string,
    request: string,
  ): Promise<{ status: number; body: unknown } | null> {
    await this.keys.purge(KEEP_HOURS, ABANDONED_MINUTES);
    if (await this.keys.claim(key, scope, { request })) return null;
    const row = await this.keys.find(key);
    if (!row) return this.claim(key, scope, request);
    // answers stored before requests were hashed carry no hash: their scope still must match
    const storedRequest = row.body?.request;
    if (row.scope !== scope || (storedRequest !== undefined && storedRequest !== request)) {
      throw new UnprocessableError(
        `Idempotency-Key ${key} was used for another request (${row.scope}); use a new key for a new request`,
      );
    }
    if (row.status_code === 0) {
      throw new ConflictError(`a request with Idempotency-Key ${key} is still in progress`);
    }
    return { status: row.status_code, body: JSON.parse(this.box.open(row.body!.sealed!)) };
  }

  private async remember(key: string, request: string, status: number, body: unknown) {
    const kept = this.encrypts ? body : withoutSecrets(body);
    await this.keys.answer(key, status, {
      request,
      sealed: this.box.seal(JSON.stringify(kept)),
    });
  }

  private async forget(key: string): Promise<void> {
    await this.keys.release(key).catch(() => undefined);
  }
}
