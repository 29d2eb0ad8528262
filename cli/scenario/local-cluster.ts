/**
 * A throwaway kubesim for `scenario run --start`: the server this CLI was built with
 * (`dist/src/main.js`), a fresh embedded PostgreSQL in a temporary data folder, a free
 * loopback port and the scenario's timings. Stopped and removed when the scenario ends.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMING_PRESETS } from '../../src/config/app-config';
import { freePort } from '../../src/database/embedded-postgres';
import { CliError } from '../errors';

/** The server beside this CLI in the build: dist/cli/scenario → dist/src/main.js. */
const MAIN = join(__dirname, '..', '..', 'src', 'main.js');
/** How long the server may take to answer /readyz (a first embedded database initialises). */
const BOOT_MS = 90_000;

/**
 * What a scenario's own cluster never inherits from the shell: where the user's cluster lives
 * and listens, and its timings (the scenario's decide, and an explicit variable would win).
 */
const NOT_INHERITED = new Set([
  'DATABASE_URL',
  'KUBESIM_DATA_DIR',
  'PORT',
  'HOST',
  'KUBESIM_TIMINGS',
  ...Object.values(TIMING_PRESETS).flatMap((preset) => Object.keys(preset)),
]);

export interface LocalCluster {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalCluster(
  timings: Record<string, string>,
  env: Record<string, string | undefined>,
  token?: string,
): Promise<LocalCluster> {
  if (!existsSync(MAIN))
    throw new CliError(`--start needs the built server (${MAIN} is missing): npm run build`, 1);
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-scenario-'));
  // the embedded PostgreSQL may run as another user: it must reach its folder
  chmodSync(dir, 0o755);
  const port = await freePort();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && !NOT_INHERITED.has(k)) childEnv[k] = v;
  Object.assign(childEnv, {
    PORT: String(port),
    HOST: '127.0.0.1',
    KUBESIM_DATA_DIR: dir,
    ...(token ? { KUBESIM_API_TOKEN: token } : {}),
    ...timings,
  });
  const child = spawn(process.execPath, [MAIN], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  // its log is shown only if it fails to start
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child);
  } catch (err) {
    await stop();
    throw new CliError(`${(err as Error).message}\n${tail.trim()}`, 1);
  }
  return { url, stop };
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + BOOT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `the scenario's kubesim exited (${child.exitCode ?? child.signalCode}) while starting`,
      );
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the scenario's kubesim did not become ready within ${BOOT_MS / 1000} s`);
}
