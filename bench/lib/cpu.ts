/**
 * Where the machine's CPU went during a run: the API process (with its workers), its PostgreSQL (postmaster
 * and backends), this process (the load generator) and everything else (other users of
 * a shared machine), in cores. Read from /proc; null where it cannot be read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/**
 * CPU seconds of a process; with `reaped`, also those of its children that have exited
 * (cutime, cstime), so a parent plus its living children never goes backwards when a
 * child exits between two samples.
 */
function cpuSecondsOf(pid: number, reaped = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime, stime, cutime, cstime are the 14th to 17th
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return (reaped ? own + Number(f[13]) + Number(f[14]) : own) * TICK_S;
  } catch {
    return 0;
  }
}

export function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function machine(): { busy: number; total: number } {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = n[3] + n[4];
  return { busy: (total - idle) * TICK_S, total: total * TICK_S };
}

export interface CpuShare {
  /** cores used on average over the run */
  api: number | null;
  postgres: number | null;
  load_generator: number;
  /** other processes on the machine */
  others: number;
  idle: number;
  cores: number;
}

interface Sample {
  at: number;
  api: number;
  postgres: number;
  self: number;
  machine: { busy: number; total: number };
}

export class CpuMeter {
  private start: Sample | undefined;

  /** `apiPid` null: a server the bench did not start (only the machine and the bench are measured). */
  constructor(
    private readonly apiPid: number | null,
    private readonly postgresPidFile: string | null,
  ) {}

  private postmasterPid(): number | null {
    if (!this.postgresPidFile || !existsSync(this.postgresPidFile)) return null;
    const pid = Number(readFileSync(this.postgresPidFile, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  private sample(): Sample {
    const pm = this.postmasterPid();
    const pg =
      pm === null
        ? 0
        : childrenOf(pm).reduce((sum, p) => sum + cpuSecondsOf(p), cpuSecondsOf(pm, true));
    const self = process.cpuUsage();
    return {
      at: performance.now(),
      // with KUBESIM_WORKERS above 1 the API is the primary and its workers (not its PostgreSQL)
      api:
        this.apiPid === null
          ? 0
          : childrenOf(this.apiPid)
              .filter((p) => p !== pm)
              .reduce((sum, p) => sum + cpuSecondsOf(p), cpuSecondsOf(this.apiPid)),
      postgres: pg,
      self: (self.user + self.system) / 1e6,
      machine: machine(),
    };
  }

  begin(): void {
    this.start = this.sample();
  }

  end(): CpuShare | null {
    if (!this.start) return null;
    const a = this.start;
    const b = this.sample();
    const wall = (b.at - a.at) / 1000;
    if (wall <= 0) return null;
    const cores = (b.machine.total - a.machine.total) / wall;
    const busy = (b.machine.busy - a.machine.busy) / wall;
    const api = this.apiPid === null ? null : (b.api - a.api) / wall;
    const postgres = this.postgresPidFile === null ? null : (b.postgres - a.postgres) / wall;
    const gen = (b.self - a.self) / wall;
    const r = (n: number) => Math.round(n * 100) / 100;
    return {
      api: api === null ? null : r(api),
      postgres: postgres === null ? null : r(postgres),
      load_generator: r(gen),
      others: r(Math.max(0, busy - (api ?? 0) - (postgres ?? 0) - gen)),
      idle: r(Math.max(0, cores - busy)),
      cores: Math.round(cores),
    };
  }
}
