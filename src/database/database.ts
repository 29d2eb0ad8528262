import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isTransientConflict } from './pg-errors';

/** runs of a transaction at most, when PostgreSQL keeps giving it up */
const TRANSACTION_RUNS = 5;

/** the longest pause before the nth new run is n times this (each a random part of it) */
const RETRY_PAUSE_MS = 10;

/**
 * Runs `work`, and again when PostgreSQL gave it up to break a deadlock or could not
 * serialise it (nothing of it was written): `runs` times at most, `beforeRetry` before
 * each new run. The one retry over PostgreSQL's transient conflicts in kubesim.
 *
 * Each new run waits a random while first, longer each time. A transaction PostgreSQL
 * aborts is often not one of the two that locked each other's rows but one queued between
 * them (a pod's delete waiting for its node, while two writers of several nodes deadlock
 * over it); run again at once, it queues again behind the same writers and can be chosen
 * again. The pause lets the cycle clear first.
 */
export async function retryOnConflict<T>(
  work: () => Promise<T>,
  runs: number,
  beforeRetry?: (attempt: number) => Promise<void> | void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isTransientConflict(err) || attempt >= runs) throw err;
      await beforeRetry?.(attempt);
      await new Promise((r) => setTimeout(r, Math.random() * RETRY_PAUSE_MS * attempt));
    }
  }
}

/** The pool as the repositories and services share it: transactions and readiness. */
@Injectable()
export class Database {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether PostgreSQL answers (readiness). */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * Runs reads in one REPEATABLE READ transaction: each of its statements sees the same
   * snapshot of the database.
   */
  snapshot<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', work);
  }

  /** Runs work in a transaction, again (up to 5 runs) when PostgreSQL breaks a deadlock. */
  transaction<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
    return retryOnConflict(() => this.dataSource.transaction(work), TRANSACTION_RUNS);
  }
}
