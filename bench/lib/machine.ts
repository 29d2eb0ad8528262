import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { ROOT } from './server';

export interface MachineInfo {
  hostname: string;
  cpus: number;
  cpu_model: string;
  memory_mb: number;
  load_average: number[];
  os: string;
  node: string;
  git_commit: string | null;
  /** uncommitted changes in the tree the server was built from */
  git_dirty: boolean | null;
}

/** Read-only git: `--no-optional-locks` keeps even `status` from refreshing the index. */
function git(...args: string[]): string | null {
  const r = spawnSync('git', ['--no-optional-locks', ...args], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function machineInfo(): MachineInfo {
  const status = git('status', '--porcelain', '--untracked-files=no');
  return {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_mb: Math.round(os.totalmem() / 2 ** 20),
    load_average: os.loadavg().map((n) => Math.round(n * 100) / 100),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    git_commit: git('rev-parse', 'HEAD'),
    git_dirty: status === null ? null : status.length > 0,
  };
}
