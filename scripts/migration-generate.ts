/**
 * Writes a migration holding whatever the entities need beyond the committed
 * migrations: `npm run migration:generate -- AddNodeLabels`. Read it before committing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaDrift } from '../src/database/schema-drift';
import { withMigratedDatabase } from './throwaway-database';

async function main() {
  const name = (process.argv[2] ?? '').replace(/[^A-Za-z0-9]/g, '');
  if (!name) {
    console.error('usage: npm run migration:generate -- <PascalCaseName>');
    process.exit(2);
  }
  const diff = await withMigratedDatabase(schemaDrift);
  if (diff.up.length === 0) {
    console.log('entities and migrations agree: nothing to generate');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const q = (s: string) => `        await queryRunner.query(${JSON.stringify(s)});`;
  const body = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
    name = '${className}';

    public async up(queryRunner: QueryRunner): Promise<void> {
${diff.up.map(q).join('\n')}
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
${[...diff.down].reverse().map(q).join('\n')}
    }
}
`;
  const dir = join(__dirname, '..', 'migrations');
  const file = `${timestamp}-${name}`;
  writeFileSync(join(dir, `${file}.ts`), body);
  const indexPath = join(dir, 'index.ts');
  const index = readFileSync(indexPath, 'utf8')
    .replace(/^(\/\*\*[\s\S]*?\*\/\n)/, `$1import { ${className} } from './${file}';\n`)
    .replace(/\[([^\]]*)\];/, (_m, list: string) => {
      const items = list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return `[${[...items, className].join(', ')}];`;
    });
  writeFileSync(indexPath, index);
  console.log(`wrote migrations/${file}.ts (${diff.up.length} statements)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
