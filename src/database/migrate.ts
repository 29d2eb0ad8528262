import { Logger } from '@nestjs/common';
import { createDataSource } from './data-source';

/** Any fixed number: replicas booting together take turns migrating. */
const MIGRATION_LOCK = 7_414_001;

/** Applies pending migrations, one replica at a time. */
export async function runMigrations(url: string): Promise<string[]> {
  const logger = new Logger('Migrations');
  const ds = createDataSource(url);
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length) logger.log(`applied ${applied.map((m) => m.name).join(', ')}`);
    return applied.map((m) => m.name);
  } finally {
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await ds.destroy();
  }
}
