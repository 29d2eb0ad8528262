import { execFileSync } from 'node:child_process';
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

  // the CLI's, and the agent's (inside node-simulator/, which builds alone); see scripts/api-types.ts
  it.each(['cli/generated/kubesim-api.ts', 'node-simulator/src/generated/heartbeat-api.ts'])(
    "the clients' generated types %s match the committed OpenAPI document (run `npm run openapi`)",
    (file) => {
      const root = join(__dirname, '..');
      // openapi-typescript loads ESM-only modules that jest cannot require: render in node itself
      const rendered = execFileSync(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', join(root, 'scripts', 'api-types.ts'), file],
        { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      const committed = readFileSync(join(root, file), 'utf8');
      expect(rendered).toBe(committed);
    },
    60_000,
  );

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
