/** What every suite shares: the figures one can ask for and the context of a run. */
import { CpuShare } from '../lib/cpu';
import { Progress } from '../lib/progress';
import { FigureResult } from '../lib/report-types';
import { LocalServer } from '../lib/server';
import { Plan } from '../plan';

export const FIGURES = [
  'pods',
  'deployment',
  'heartbeats',
  'client',
  'watch',
  'scale',
  'scale15k',
  'startup',
  'detection',
  'soak',
  'resched',
] as const;
export type FigureKey = (typeof FIGURES)[number];

/** What a run measures unless told otherwise: all but the ten-minute soak of 15,000 nodes. */
export const DEFAULT_FIGURES: readonly FigureKey[] = FIGURES.filter((k) => k !== 'scale15k');

export interface ChartPoint {
  nodes: number;
  algorithm: string;
  pods_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

export interface SuiteContext {
  plan: Plan;
  /** makes this run's names unique on a shared server */
  tag: string;
  progress: Progress;
  log: (line: string) => void;
  /** --server URL: use it, start nothing */
  external: string | null;
  only: Set<FigureKey>;
  cpuProfDir: string | null;
  /** --heap-snapshot: where the scale15k servers write theirs */
  heapSnapshotDir: string | null;
  /** server logs with anything in them are kept as `${logPrefix}-<label>-server.log` */
  logPrefix: string;
  results: FigureResult[];
  chart: ChartPoint[];
  servers: Record<
    string,
    {
      label: string;
      env: Record<string, string>;
      pid: number;
      exit?: LocalServer['exitInfo'];
    }
  >;
  /** where the CPU went during each load run */
  cpu: Array<{ run: string } & CpuShare>;
  /** 503s the server answered to the bench's set-up and check requests (retried) */
  retried503: number;
}

export const wants = (ctx: Pick<SuiteContext, 'only'>, ...keys: FigureKey[]) =>
  keys.some((k) => ctx.only.has(k));

/** The cluster sizes the load server grows through: every size for the pod figure, else those the wanted figures need. */
export function loadSizes(ctx: Pick<SuiteContext, 'only' | 'plan'>): number[] {
  const { plan } = ctx;
  if (wants(ctx, 'pods')) return plan.sizes;
  const sizes = new Set<number>();
  if (wants(ctx, 'deployment')) sizes.add(plan.deploymentNodes);
  if (wants(ctx, 'heartbeats', 'scale')) sizes.add(plan.sizes[plan.sizes.length - 1]);
  return [...sizes].sort((a, b) => a - b);
}
