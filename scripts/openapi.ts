/** Writes openapi/openapi.json (sorted, deterministic); CI fails when it is stale. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApi } from '../src/openapi-document';

renderOpenApi()
  .then((text) => {
    const file = join(__dirname, '..', 'openapi', 'openapi.json');
    writeFileSync(file, text);
    console.log(`wrote openapi/openapi.json (${text.length} bytes)`);
    process.exit(0);
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
