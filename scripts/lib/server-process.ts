/**
 * A kubesim server as a child process (`node dist/src/main.js`: run `npm run build`), for
 * the chaos run and the fault tests: start it and wait until it answers, watch how it ends,
 * stop it, and clean up the embedded PostgreSQL a killed one leaves behind. No test framework
 * in here, so that scripts can use it too.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const SERVER_MAIN = join(ROOT, 'dist', 'src', 'main.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  /** where its output goes (appended); without one it is kept in memory */
  logFile?: string;
  /** what start() waits for: /healthz (listening) or /readyz (its database answers too) */
  readyPath?: '/healthz' | '/readyz';
}

export class ServerProcess {
  child: ChildProcess | null = null;
  exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  /** how many times start() spawned it */
  starts = 0;
  private captured = '';
  private logFrom = 0;

  constructor(
    readonly port: number,
    readonly env: Record<string, string>,
    private readonly options: ServerProcessOptions = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the current (or last) start wrote to stdout and stderr. */
  get output(): string {
    const { logFile } = this.options;
    if (!logFile) return this.captured;
    try {
      return readFileSync(logFile).subarray(this.logFrom).toString('utf8');
    } catch {
      return '';
    }
  }

  /** Starts it and waits until it answers; rejects with its output if it exits first. */
  async start(timeoutMs = 60_000): Promise<void> {
    const { logFile, readyPath = '/healthz' } = this.options;
    let stdio: 'pipe' | number = 'pipe';
    if (logFile) {
      this.logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
      stdio = openSync(logFile, 'a');
    }
    const child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        KUBESIM_API_URL: this.url,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', stdio, stdio],
    });
    if (typeof stdio === 'number') closeSync(stdio);
    this.child = child;
    this.starts++;
    this.captured = '';
    child.stdout?.on('data', (d) => (this.captured += d));
    child.stderr?.on('data', (d) => (this.captured += d));
    let gone: Exit | null = null;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        gone = { code, signal };
        resolve(gone);
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (gone) {
        throw new Error(
          `the server exited (${JSON.stringify(gone)}) before answering:\n${this.output.slice(-3000)}`,
        );
      }
      const ok = await fetch(`${this.url}${readyPath}`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(
          `the server did not answer within ${timeoutMs} ms:\n${this.output.slice(-3000)}`,
        );
      await sleep(100);
    }
  }

  /** Waits for the exit; null when it did not come within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<Exit | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>(
      (resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)),
    );
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal`; resolves with how it ended and how long it took (SIGKILL after `graceMs`). */
  async stop(signal: 'SIGTERM' | 'SIGKILL', graceMs = 20_000) {
    if (!this.running) return { code: null, signal: null, ms: 0, forced: false };
    const started = Date.now();
    this.child!.kill(signal);
    let exit = await this.waitExit(graceMs);
    const forced = !exit;
    if (!exit) {
      this.child!.kill('SIGKILL');
      exit = await this.exited;
    }
    return { ...exit, ms: Date.now() - started, forced };
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signals a pid only if it still runs the program we expect (`pattern` in its command
 * line): pids are reused, and a stale one must never hit another process.
 */
export function signalIfStill(pid: number, sig: NodeJS.Signals, pattern: RegExp): void {
  try {
    if (!pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return;
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export const POSTGRES = /postgres/;

/** The embedded PostgreSQL running on a server's data folder, if any. */
export function postmasterPid(dataDir: string): number | null {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return pid > 0 && isAlive(pid) ? pid : null;
}

/** Stops a PostgreSQL by pid (fast shutdown) and waits up to `timeoutMs` for it to go. */
export async function stopPostgres(pid: number, timeoutMs = 15_000): Promise<void> {
  signalIfStill(pid, 'SIGINT', POSTGRES);
  for (const deadline = Date.now() + timeoutMs; isAlive(pid) && Date.now() < deadline;)
    await sleep(100);
}

/** A server that did not stop cleanly can leave its embedded PostgreSQL running: stop it. */
export async function stopOrphanPostgres(dataDir: string, timeoutMs = 15_000): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid) await stopPostgres(pid, timeoutMs);
}
