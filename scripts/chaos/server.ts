/**
 * The server under chaos: kubesim as a child process on an embedded PostgreSQL in the run's
 * data folder, agents as its own child processes, fast timings.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { postmasterPid, ServerProcess, signalIfStill, stopPostgres } from '../lib/server-process';

export const TIMINGS = {
  HEARTBEAT_INTERVAL_MS: '500',
  NODE_FAILURE_TIMEOUT_MS: '3000',
  MONITOR_INTERVAL_MS: '250',
  RECOVERY_BACKOFF_MS: '300',
};

/** an agent's command line */
export const AGENT = /node-simulator/;

export class ChaosServer extends ServerProcess {
  constructor(
    port: number,
    readonly dataDir: string,
    readonly logFile: string,
  ) {
    super(
      port,
      { KUBESIM_DATA_DIR: dataDir, RUNTIME: 'process', ...TIMINGS },
      { logFile, readyPath: '/readyz' },
    );
  }

  /**
   * Starts it; when kubesim refuses because the embedded PostgreSQL of a killed server still
   * runs, notes that in `refused`, stops that PostgreSQL by hand and starts again.
   */
  async startOrRecover(why: string, refused: string[], say: (line: string) => void) {
    try {
      await this.start(90_000);
    } catch (err) {
      const orphan = /already running \(pid (\d+)\)/.exec((err as Error).message);
      if (!orphan) throw err;
      refused.push(`${why}: pid ${orphan[1]}`);
      say(
        `!! the API would not start: its embedded PostgreSQL (pid ${orphan[1]}) outlived the killed server; stopping it by hand`,
      );
      await stopPostgres(Number(orphan[1]));
      await this.start(90_000);
    }
  }

  /** Agents are the server's child processes running the node agent: name → pid. */
  agents(): Map<string, number> {
    const found = new Map<string, number>();
    if (!this.running) return found;
    let out = '';
    try {
      out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(this.pid)], {
        encoding: 'utf8',
      });
    } catch {
      return found; // no children
    }
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (!m || !AGENT.test(m[2])) continue;
      const pid = Number(m[1]);
      try {
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        const name = env.find((e) => e.startsWith('NODE_NAME='))?.slice('NODE_NAME='.length);
        if (name) found.set(name, pid);
      } catch {
        /* gone meanwhile */
      }
    }
    return found;
  }

  /**
   * Agents of this data folder that are no child of the running server: one hung (stopped)
   * when its server was killed cannot see its parent go, and stays behind stopped.
   */
  strayAgents(): number[] {
    const children = new Set(this.agents().values());
    const strays: number[] = [];
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!(pid > 0) || children.has(pid)) continue;
      try {
        if (!AGENT.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue;
        const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        if (env.some((e) => e.startsWith(`DATA_DIR=${this.dataDir}/`))) strays.push(pid);
      } catch {
        /* gone meanwhile, or not ours to read */
      }
    }
    return strays;
  }

  /**
   * Stops everything the run started: thaws frozen agents, stops the server (SIGTERM, then
   * SIGKILL), kills agents left behind (its own and strays) and the embedded PostgreSQL if it
   * outlived it.
   */
  async shutdown(frozen: Map<number, string>): Promise<void> {
    for (const pid of frozen.keys()) signalIfStill(pid, 'SIGCONT', AGENT);
    frozen.clear();
    const agentPids = [...this.agents().values()];
    await this.stop('SIGTERM', 15_000).catch(() => undefined);
    for (const pid of [...agentPids, ...this.strayAgents()]) signalIfStill(pid, 'SIGKILL', AGENT);
    const pg = postmasterPid(this.dataDir);
    if (pg) await stopPostgres(pg, 10_000);
  }
}
