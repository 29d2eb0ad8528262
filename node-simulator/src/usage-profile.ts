/**
 * How much CPU and memory a simulated pod uses, as its annotations ask:
 * `kubesim.io/cpu-usage: 900m` holds it at 0.9 cores, `200m..900m/60s` waves between the
 * two over a minute (a cosine, starting at the low end); `kubesim.io/memory-usage` the same
 * in memory quantities (`300Mi`, `100Mi..1Gi/5m`). Pure: the agent acts on them and the API
 * server refuses a pod whose annotation does not parse, with the same functions.
 */

export const CPU_USAGE_ANNOTATION = 'kubesim.io/cpu-usage';
export const MEMORY_USAGE_ANNOTATION = 'kubesim.io/memory-usage';

/** Use that is constant (`low === high`) or waves between low and high over `periodMs`. */
export interface UsageProfile {
  /** cores for CPU, MiB for memory */
  low: number;
  high: number;
  /** 0 when constant */
  periodMs: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** the most a profile may ask for: far beyond any simulated node, below float trouble */
const MAX_CORES = 1e6;
const MAX_MIB = 1024 ** 3;

const CPU = /^(\d+(?:\.\d+)?|\.\d+)(m|n|u)?$/;
const MEMORY = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;
const MEMORY_MIB: Record<string, number> = {
  '': 1 / 1024 ** 2, // a bare number is bytes, as in Kubernetes
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 ** 2,
  k: 1000 / 1024 ** 2,
  K: 1000 / 1024 ** 2,
  M: 1e6 / 1024 ** 2,
  G: 1e9 / 1024 ** 2,
  T: 1e12 / 1024 ** 2,
};
const PERIOD = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const PERIOD_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A CPU quantity (`900m`, `0.5`, `2`) in cores; null when it is not one. */
export function cpuCores(text: string): number | null {
  const m = CPU.exec(text.trim());
  if (!m) return null;
  const scale = m[2] === 'm' ? 1e-3 : m[2] === 'u' ? 1e-6 : m[2] === 'n' ? 1e-9 : 1;
  const cores = Number(m[1]) * scale;
  return cores <= MAX_CORES ? cores : null;
}

/** A memory quantity (`300Mi`, `1Gi`, `500M`, bytes) in MiB; null when it is not one. */
export function memoryMiB(text: string): number | null {
  const m = MEMORY.exec(text.trim());
  if (!m) return null;
  const mib = Number(m[1]) * MEMORY_MIB[m[2] ?? ''];
  return mib <= MAX_MIB ? mib : null;
}

/** `60s`, `5m`, `500ms`, `1h` in ms; null when it is not a period. */
function periodMs(text: string): number | null {
  const m = PERIOD.exec(text.trim());
  return m ? Number(m[1]) * PERIOD_MS[m[2]] : null;
}

/** A usage annotation's value (`900m`, `200m..900m/60s`) as a profile, or why it is not one. */
export function parseUsageProfile(text: string, kind: 'cpu' | 'memory'): Parsed<UsageProfile> {
  const quantity = kind === 'cpu' ? cpuCores : memoryMiB;
  const example = kind === 'cpu' ? '900m or 200m..900m/60s' : '300Mi or 100Mi..500Mi/60s';
  const refuse = (why: string): Parsed<UsageProfile> => ({
    ok: false,
    reason: `${JSON.stringify(text)} ${why} (expected ${example})`,
  });
  const wave = /^([^.][^/]*?)\.\.([^/]+)\/(.+)$/.exec(text.trim());
  if (!wave) {
    const value = quantity(text);
    if (value === null) return refuse(`is not a ${kind} quantity`);
    return { ok: true, value: { low: value, high: value, periodMs: 0 } };
  }
  const low = quantity(wave[1]);
  const high = quantity(wave[2]);
  if (low === null || high === null) return refuse(`has a bound that is not a ${kind} quantity`);
  if (low > high) return refuse('has its low bound above its high bound');
  const period = periodMs(wave[3]);
  if (period === null || period < 1000 || period > 86_400_000)
    return refuse('has a period that is not between 1s and 24h (60s, 5m, 1h)');
  return { ok: true, value: { low, high, periodMs: period } };
}

/** The use a profile asks for `elapsedMs` after the pod started: low at 0, high at half a period. */
export function usageAt(profile: UsageProfile, elapsedMs: number): number {
  if (profile.periodMs === 0 || profile.low === profile.high) return profile.low;
  const phase = (2 * Math.PI * Math.max(0, elapsedMs)) / profile.periodMs;
  return profile.low + ((profile.high - profile.low) * (1 - Math.cos(phase))) / 2;
}

/** Why a pod's usage annotations cannot be acted on, one line each; [] when they can. */
export function usageAnnotationProblems(annotations: Record<string, string> | undefined): string[] {
  const problems: string[] = [];
  for (const [key, kind] of [
    [CPU_USAGE_ANNOTATION, 'cpu'],
    [MEMORY_USAGE_ANNOTATION, 'memory'],
  ] as const) {
    const value = annotations?.[key];
    if (value === undefined) continue;
    const parsed = parseUsageProfile(value, kind);
    if (!parsed.ok) problems.push(`${key}: ${parsed.reason}`);
  }
  return problems;
}
