/**
 * Writes openapi/openapi.json (sorted, deterministic) and the clients' types generated from it
 * (cli/generated/kubesim-api.ts, node-simulator/src/generated/heartbeat-api.ts); CI fails when
 * one is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderOpenApi } from '../src/openapi-document';
import { GENERATED_TYPES } from './api-types';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const text = await renderOpenApi();
  writeFileSync(join(root, 'openapi', 'openapi.json'), text);
  console.log(`wrote openapi/openapi.json (${text.length} bytes)`);
  for (const [file, render] of Object.entries(GENERATED_TYPES)) {
    const types = await render(text);
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), types);
    console.log(`wrote ${file} (${types.length} bytes)`);
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
