import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding kubesim's package.json, from source (ts) or build (dist) alike. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node-simulator')))
      return dir;
  }
  throw new Error(`cannot find the kubesim project folder above ${from}`);
}
