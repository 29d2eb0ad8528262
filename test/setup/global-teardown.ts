import { rmSync } from 'node:fs';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const pg = (globalThis as Record<string, unknown>).__KUBESIM_PG__ as
    { db: EmbeddedDatabase; dir: string } | undefined;
  if (!pg) return;
  await pg.db.stop();
  rmSync(pg.dir, { recursive: true, force: true });
}
