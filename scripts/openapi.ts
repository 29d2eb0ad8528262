/**
 * Writes openapi/openapi.json (sorted, deterministic) and the clients' types generated from it
 * (cli/generated/kubesim-api.ts); CI fails when either is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApi } from '../src/openapi-document';
import { API_TYPES_FILE, renderApiTypes } from './api-types';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const text = await renderOpenApi();
  writeFileSync(join(root, 'openapi', 'openapi.json'), text);
  console.log(`wrote openapi/openapi.json (${text.length} bytes)`);
  const types = await renderApiTypes(text);
  writeFileSync(join(root, API_TYPES_FILE), types);
  console.log(`wrote ${API_TYPES_FILE} (${types.length} bytes)`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
