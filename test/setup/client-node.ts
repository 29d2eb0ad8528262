import { execFile } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs an ES module script with @kubernetes/client-node in its own Node process (never
 * synchronously: the server answering it runs in this one), as a user's program would; its stdout.
 */
export function clientNode(script: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 30000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    ),
  );
}
