/**
 * How a simulated container lives and ends, and what its pod's phase is then. Pure: the
 * agent feeds it the clock; the server may import the phase rule too.
 */

import { CPU_USAGE_ANNOTATION, MEMORY_USAGE_ANNOTATION } from './usage-profile';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export const RESTART_POLICIES: readonly RestartPolicy[] = ['Always', 'OnFailure', 'Never'];

/** How a container ends by itself; null when it runs until stopped. */
export interface ExitPlan {
  /** seconds from its start until it exits */
  runSeconds: number;
  exitCode: number;
}

export const RUN_SECONDS_ANNOTATION = 'kubesim.io/run-seconds';
export const EXIT_CODE_ANNOTATION = 'kubesim.io/exit-code';
export const READY_AFTER_ANNOTATION = 'kubesim.io/ready-after';

/** The annotations the agent acts on; the others are not sent to it. */
export const AGENT_ANNOTATIONS = [
  RUN_SECONDS_ANNOTATION,
  EXIT_CODE_ANNOTATION,
  READY_AFTER_ANNOTATION,
  CPU_USAGE_ANNOTATION,
  MEMORY_USAGE_ANNOTATION,
] as const;

/** A shell word list from `sh -c` text: splits on blanks, honours simple quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const SHELLS = new Set(['sh', 'bash', '/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash']);

/** A number of seconds as `sleep` takes it (`5`, `1.5`, `2s`, `1m`); null when not one. */
function sleepSeconds(arg: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(arg ?? '');
  if (!m) return null;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]]!;
  return Number(m[1]) * unit;
}

/** One shell command line (no `;`, `&&`): how it ends, or null when it runs on. */
function interpretWords(argv: string[]): ExitPlan | null {
  if (argv.length === 0) return null;
  const [cmd, ...rest] = argv;
  if (SHELLS.has(cmd) && rest[0] === '-c' && rest[1] !== undefined)
    return interpretWords(words(rest[1]));
  switch (cmd) {
    case 'true':
    case '/bin/true':
      return { runSeconds: 0, exitCode: 0 };
    case 'false':
    case '/bin/false':
      return { runSeconds: 0, exitCode: 1 };
    case 'exit': {
      if (rest.length === 0) return { runSeconds: 0, exitCode: 0 };
      // a shell takes the code modulo 256; a word that is not a number is code 2
      return /^-?\d+$/.test(rest[0])
        ? { runSeconds: 0, exitCode: ((Number(rest[0]) % 256) + 256) % 256 }
        : { runSeconds: 0, exitCode: 2 };
    }
    case 'sleep':
    case '/bin/sleep': {
      if (rest[0] === 'infinity') return null;
      const s = sleepSeconds(rest[0]);
      if (s === null) return { runSeconds: 0, exitCode: 1 };
      return Number.isFinite(s) ? { runSeconds: s, exitCode: 0 } : null;
    }
    default:
      return null;
  }
}

/**
 * How a container with this command and args ends, as a shell would run it: `sleep N`
 * exits 0 after N seconds, `exit N`, `true`, `false` at once, also under `sh -c "…"`.
 * The annotations `kubesim.io/run-seconds` and `kubesim.io/exit-code` win for any image
 * (one of them alone: the other is 0). Anything else runs until stopped (null).
 */
export function exitPlan(
  command: readonly string[],
  args: readonly string[],
  annotations: Readonly<Record<string, string>> = {},
): ExitPlan | null {
  const runRaw = annotations[RUN_SECONDS_ANNOTATION];
  const codeRaw = annotations[EXIT_CODE_ANNOTATION];
  const run = runRaw === undefined ? null : durationSeconds(runRaw);
  const code =
    codeRaw !== undefined && /^\d{1,3}$/.test(codeRaw.trim()) ? Number(codeRaw) % 256 : null;
  if (run !== null || code !== null) return { runSeconds: run ?? 0, exitCode: code ?? 0 };
  return interpretWords([...command, ...args]);
}

/** `5`, `2.5`, `5s`, `1m`, `100ms` as seconds; null when unreadable. */
export function durationSeconds(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return null;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

/** The kubelet's crash-loop back-off: 10 s doubling per restart, at most 5 min. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** a container that ran this long is forgiven its earlier crashes */
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffSettings = {
  initialMs: 10_000,
  maxMs: 300_000,
  resetAfterMs: 600_000,
};

/** The wait before restart number `crashes` (1 = after the first exit). */
export function crashBackoffMs(crashes: number, settings: BackoffSettings = KUBELET_BACKOFF) {
  const n = Math.max(1, crashes);
  return Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(n - 1, 30));
}

/** Whether a container that exited with this code is started again. */
export function restarts(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/**
 * A pod's phase from its containers: `exitCode` undefined while a container has not
 * ended for good (running, starting, or waiting to be restarted). Every container ended
 * for good: Succeeded if all exited 0, else Failed.
 */
export function podPhase(
  containers: ReadonlyArray<{ started: boolean; exitCode?: number }>,
): PodPhase {
  if (containers.length > 0 && containers.every((c) => c.exitCode !== undefined))
    return containers.every((c) => c.exitCode === 0) ? 'Succeeded' : 'Failed';
  return containers.some((c) => c.started) ? 'Running' : 'Pending';
}
