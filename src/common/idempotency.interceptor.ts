import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { BadInputError, ConflictError } from './errors';
import { SecretBox } from './secret-box';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** answers are replayed for a day, as Stripe-style idempotency keys usually are */
const KEEP_HOURS = 24;

/**
 * `Idempotency-Key` on a POST: a retried request with the same key gets the first
 * answer back instead of creating twice. The stored answer is sealed like a secret
 * (it may hold a node's heartbeat token).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly box: SecretBox;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.box = new SecretBox(config.secretKey);
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
    return from(this.claim(key, scope)).pipe(
      switchMap((stored) => {
        if (stored) {
          res.status(stored.status);
          res.header('Idempotent-Replayed', 'true');
          return of(stored.body);
        }
        return next.handle().pipe(
          switchMap((body) =>
            from(this.remember(key, res.statusCode, body)).pipe(switchMap(() => of(body))),
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
  ): Promise<{ status: number; body: unknown } | null> {
    // expired answers, and claims left by a request that never finished (a crash)
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - interval '${KEEP_HOURS} hours'
          OR (status_code = 0 AND created_at < now() - interval '2 minutes')`,
    );
    const inserted = await this.dataSource.query(
      `INSERT INTO idempotency_keys (key, scope, status_code, body) VALUES ($1, $2, 0, 'null')
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, scope],
    );
    if (inserted.length) return null;
    const [row] = await this.dataSource.query(
      `SELECT scope, status_code, body FROM idempotency_keys WHERE key = $1`,
      [key],
    );
    if (!row) return this.claim(key, scope);
    if (row.scope !== scope) {
      throw new ConflictError(`Idempotency-Key ${key} was used for ${row.scope}`);
    }
    if (row.status_code === 0) {
      throw new ConflictError(`a request with Idempotency-Key ${key} is still in progress`);
    }
    return { status: row.status_code, body: JSON.parse(this.box.open(row.body.sealed)) };
  }

  private async remember(key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status_code = $2, body = $3 WHERE key = $1`,
      [key, status, JSON.stringify({ sealed: this.box.seal(JSON.stringify(body)) })],
    );
  }

  private async forget(key: string): Promise<void> {
    await this.dataSource
      .query(`DELETE FROM idempotency_keys WHERE key = $1 AND status_code = 0`, [key])
      .catch(() => undefined);
  }
}
