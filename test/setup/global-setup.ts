import { appendFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One real PostgreSQL for the whole system suite (embedded, throwaway), unless
 * TEST_DATABASE_URL names a server to use. Each test file makes its own database on it.
 * KUBESIM_TEST_PG_LOG names a file to append PostgreSQL's own log to (its deadlock
 * reports name every statement of the cycle).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.KUBESIM_TEST_PG = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-test-pg-'));
  chmodSync(dir, 0o755);
  const logFile = process.env.KUBESIM_TEST_PG_LOG;
  const db = await startEmbeddedPostgres(join(dir, 'data'), {
    persistent: false,
    log: logFile ? (line) => appendFileSync(logFile, `${line}\n`) : undefined,
  });
  (globalThis as Record<string, unknown>).__KUBESIM_PG__ = { db, dir };
  process.env.KUBESIM_TEST_PG = db.url;
}
