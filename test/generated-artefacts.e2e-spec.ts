import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataSource } from '../src/database/data-source';
import { schemaDrift } from '../src/database/schema-drift';
import { renderOpenApi } from '../src/openapi-document';
import { createTestDatabase } from './setup/test-app';

describe('generated artefacts and schema', () => {
  it('the committed OpenAPI document matches the code (run `npm run openapi` when it does not)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'openapi', 'openapi.json'), 'utf8');
    expect(await renderOpenApi()).toBe(committed);
  });

  it('entities and the committed migrations agree, and every migration can be undone', async () => {
    const url = await createTestDatabase();
    const ds = createDataSource(url);
    await ds.initialize();
    try {
      const drift = await schemaDrift(ds);
      // a non-empty list means an entity changed without a migration: npm run migration:generate -- Name
      expect(drift.up).toEqual([]);
      const count = ds.migrations.length;
      for (let i = 0; i < count; i++) await ds.undoLastMigration({ transaction: 'each' });
      const [{ n }] = await ds.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(n).toBe(0);
      await ds.runMigrations({ transaction: 'each' });
      expect((await schemaDrift(ds)).up).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });
});
