import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A key's row: `status_code` 0 while the first request with it is still running. */
export interface IdempotencyRecord {
  scope: string;
  status_code: number;
  body: { request?: string; sealed?: string } | null;
}

/** The `idempotency_keys` table: answers kept for retried POSTs with an `Idempotency-Key`. */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Drops answers older than `keepHours`, and claims older than `abandonedMinutes` (a crash). */
  async purge(keepHours: number, abandonedMinutes: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)
          OR (status_code = 0 AND created_at < now() - make_interval(mins => $2))`,
      [keepHours, abandonedMinutes],
    );
  }

  /** Claims the key for a request now running; false if the key is taken. */
  async claim(key: string, scope: string, body: object): Promise<boolean> {
    const inserted = await this.dataSource.query(
      `INSERT INTO idempotency_keys (key, scope, status_code, body) VALUES ($1, $2, 0, $3)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, scope, JSON.stringify(body)],
    );
    return inserted.length > 0;
  }

  async find(key: string): Promise<IdempotencyRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT scope, status_code, body FROM idempotency_keys WHERE key = $1`,
      [key],
    );
    return row;
  }

  /** The answer of the request that claimed the key. */
  async answer(key: string, status: number, body: object): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status_code = $2, body = $3 WHERE key = $1`,
      [key, status, JSON.stringify(body)],
    );
  }

  /** Frees a claim whose request failed, so a retry may run again. */
  async release(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE key = $1 AND status_code = 0`, [
      key,
    ]);
  }
}
