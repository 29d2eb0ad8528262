/**
 * A kubesim API server the bench starts itself: `node dist/src/main.js` with a fresh
 * embedded PostgreSQL in a temporary KUBESIM_DATA_DIR, the external runtime and a free
 * port, in its own process group so the bench alone decides when it stops.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { freePort } from '../../src/database/embedded-postgres';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, sleep } from './lifecycle';
import { childrenOf } from './cpu';

export const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** Environment variables passed through from the bench's own; everything kubesim reads is set here. */
const PASS_THROUGH = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'KUBESIM_WORKERS',
  'KUBESIM_HEAP_GROWING_PERCENT',
];

export { freePort };

function newestMtime(dir: string, extension: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, extension));
    else if (entry.name.endsWith(extension)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export interface BuildInfo {
  rebuilt: boolean;
  /** when dist was last built */
  built_at: string | null;
  /** the build failed and the older dist was used */
  warning: string | null;
}

/**
 * Runs `npm run build` when dist is missing or older than the sources it is built from.
 * When the build reports errors (a tree mid-edit) and a dist exists, the run goes on with
 * it and says so; without any dist the bench cannot run.
 */
export function ensureBuilt(log: (line: string) => void): BuildInfo {
  // what the build emitted: `tsc --noEmit` (the type check) also writes dist/.tsbuildinfo
  const builtAt = () => newestMtime(join(ROOT, 'dist'), '.js');
  const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
  const sources = Math.max(
    ...['src', 'migrations', 'node-simulator/src'].map((d) => newestMtime(join(ROOT, d), '.ts')),
  );
  if (existsSync(MAIN) && builtAt() >= sources)
    return { rebuilt: false, built_at: iso(builtAt()), warning: null };
  log(existsSync(MAIN) ? 'dist is older than src: npm run build' : 'no dist: npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status === 0) return { rebuilt: true, built_at: iso(builtAt()), warning: null };
  const output = (result.stdout + result.stderr)
    .split('\n')
    .filter((l) => /error/i.test(l))
    .slice(0, 10)
    .join('\n');
  if (!existsSync(MAIN)) throw new Error(`npm run build failed:\n${output}`);
  // tsc emits despite type errors: dist may be partly rebuilt from a tree mid-edit
  const warning = `npm run build reported errors; measuring dist as it now is (${iso(builtAt())}):\n${output}`;
  log(`warning: ${warning}`);
  return { rebuilt: false, built_at: iso(builtAt()), warning };
}

export interface ServerSpec {
  /** short name for logs: load, default, short */
  label: string;
  /** kubesim environment variables on top of the bench's defaults */
  env?: Record<string, string>;
  /** extra node flags, e.g. --cpu-prof */
  nodeArgs?: string[];
  /** the process ended without the bench stopping it */
  onUnexpectedExit?: (server: LocalServer) => void;
}

export class LocalServer {
  private exited = false;
  private stopping = false;
  /** how the process ended, when it did */
  exitInfo: { at: string; code: number | null; signal: string | null; expected: boolean } | null =
    null;
  private readonly exit: Promise<void>;
  private unregister: () => void = () => undefined;

  private constructor(
    readonly label: string,
    readonly url: string,
    readonly env: Record<string, string>,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    onUnexpectedExit?: (server: LocalServer) => void,
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = { at: new Date().toISOString(), code, signal, expected: this.stopping };
        if (!this.stopping) onUnexpectedExit?.(this);
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** the embedded PostgreSQL's pid file (its first line is the postmaster's pid) */
  get postgresPidFile(): string {
    return join(this.dataDir, 'data', 'pg', 'postmaster.pid');
  }

  static async start(spec: ServerSpec): Promise<LocalServer> {
    // mkdtemp makes 0700 folders: the postgres user must be able to reach the one below
    const dataDir = mkdtempSync(join(tmpdir(), `kubesim-bench-${spec.label}-`));
    chmodSync(dataDir, 0o755);
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const k of PASS_THROUGH) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, {
      RUNTIME: 'external',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KUBESIM_DATA_DIR: join(dataDir, 'data'),
      ...spec.env,
    });
    const logPath = join(dataDir, 'server.log');
    const logFd = openSync(logPath, 'a');
    const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), MAIN], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    const server = new LocalServer(
      spec.label,
      `http://127.0.0.1:${port}`,
      env,
      dataDir,
      child,
      spec.onUnexpectedExit,
    );
    server.unregister = onCleanup(
      `server ${spec.label}`,
      () => server.stop(),
      () => server.signalSync(),
    );
    try {
      await server.waitReady(120_000);
    } catch (err) {
      const tail = server.logTail();
      await server.stop();
      throw new Error(`${(err as Error).message}${tail ? `\nserver log:\n${tail}` : ''}`);
    }
    return server;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`the ${this.label} server exited while starting`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`the ${this.label} server was not ready within ${timeoutMs / 1000} s`);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(join(this.dataDir, 'server.log'), 'utf8')
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '';
    }
  }

  /** The API workers' pids (KUBESIM_WORKERS): the children that run main.js. */
  private workerPids(): number[] {
    return childrenOf(this.pid).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('main.js');
      } catch {
        return false;
      }
    });
  }

  /**
   * A heap snapshot of the API process and each worker, for a server started with
   * `heapSnapshotArgs`: each is told by SIGUSR2 and writes `Heap.*.heapsnapshot` into `dir`
   * (blocking itself meanwhile). Resolves with the files once none has grown for 3 s.
   */
  async heapSnapshots(dir: string, timeoutMs = 600_000): Promise<string[]> {
    const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
    const pids = [this.pid, ...this.workerPids()];
    for (const pid of pids) process.kill(pid, 'SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    let sizes = '';
    let still = 0;
    while (Date.now() < deadline) {
      await sleep(1000);
      const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
      const now = files.map((f) => `${f}:${statSync(join(dir, f)).size}`).join(',');
      still = now === sizes ? still + 1 : 0;
      sizes = now;
      if (files.length >= pids.length && still >= 3) return files.map((f) => join(dir, f));
    }
    throw new Error(
      `heap snapshots of ${pids.length} processes not written within ${timeoutMs / 1000} s`,
    );
  }

  /** VmRSS and VmHWM (peak) of the API process, with its workers (KUBESIM_WORKERS), in MB. */
  memory(): { rssMb: number; peakMb: number } | null {
    try {
      const workers = this.workerPids();
      let rssMb = 0;
      let peakMb = 0;
      for (const pid of [this.pid, ...workers]) {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (field: string) =>
          Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
        rssMb += kb('VmRSS') / 1024;
        peakMb += kb('VmHWM') / 1024;
      }
      return { rssMb, peakMb };
    } catch {
      return null;
    }
  }

  /**
   * SIGTERM (the server stops its agents' loops and its PostgreSQL), then what is left.
   * `keepLog`: where to copy the server's log (warnings and errors) before its folder goes.
   */
  async stop(keepLog?: string): Promise<void> {
    this.unregister();
    this.stopping = true;
    if (!this.exited) {
      this.kill('SIGTERM');
      if (!(await this.waitExit(25_000))) {
        this.killGroup('SIGKILL');
        await this.waitExit(5_000);
      }
    }
    await this.stopPostgres();
    const log = join(this.dataDir, 'server.log');
    // boot lines are always there: keep the log when something went wrong
    const unexpected = this.exitInfo !== null && !this.exitInfo.expected;
    if (
      keepLog &&
      existsSync(log) &&
      (unexpected || /\b(WARN|ERROR|FATAL)\b|Error:/.test(readFileSync(log, 'utf8')))
    )
      copyFileSync(log, keepLog);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** On a forced exit: the server still shuts its PostgreSQL down by itself after this. */
  signalSync(): void {
    this.stopping = true;
    if (!this.exited) this.kill('SIGTERM');
  }

  private kill(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // gone already
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      this.kill(signal);
    }
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), ms)),
    );
    const done = await Promise.race([this.exit.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  /** A PostgreSQL the server did not stop (it was killed): fast shutdown by its pid file. */
  private async stopPostgres(): Promise<void> {
    const pidFile = this.postgresPidFile;
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const ours = () => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dataDir);
      } catch {
        return false;
      }
    };
    if (!Number.isInteger(pid) || pid <= 0 || !ours()) return;
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 150 && ours(); i++) await new Promise((r) => setTimeout(r, 100));
    if (ours()) process.kill(pid, 'SIGKILL');
  }
}
