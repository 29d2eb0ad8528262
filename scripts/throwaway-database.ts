import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

/** A migrated database for a script, on DATABASE_URL or a temporary embedded server. */
export async function withMigratedDatabase<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
  let stop = async () => undefined as void;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-pg-'));
    chmodSync(dir, 0o755);
    const db = await startEmbeddedPostgres(join(dir, 'data'), { persistent: false });
    url = db.url;
    stop = async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const ds = createDataSource(url);
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    return await fn(ds);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await stop();
  }
}
