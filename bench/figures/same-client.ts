/**
 * The work of issue #18's table, measured the way the peers of SPEC §10 were: a keep-alive
 * `node:http` client at concurrency 16–32, fixed counts, on a fresh load server. In order:
 * registration, first heartbeats, routine heartbeats by id and by name, a fresh set of
 * nodes beating three times each (first and routine beats mixed) followed by pods, pod
 * creations with a minimal and with a full spec, and listing 1,000 pods.
 */
import { Api } from '../lib/api';
import { ClientRun, clientStats, runClient } from '../lib/client';
import { BenchNode, EMPTY_BEAT, podBody, POD_CPU } from '../lib/cluster';
import { CpuMeter } from '../lib/cpu';
import { sleep } from '../lib/lifecycle';
import { clusterTotals } from './scale';

export interface SameClientPlan {
  nodes: number;
  /** routine heartbeats per steady-state run, as rounds over the nodes */
  beatRounds: number;
  mixedBeats: number;
  mixedPods: number;
  pods: number;
  listRequests: number;
}

export interface SameClientResult {
  nodes: number;
  register: ClientRun;
  first_beats: ClientRun;
  beats_by_id: ClientRun[];
  beats_by_name: ClientRun[];
  mixed_register: ClientRun;
  mixed_beats: ClientRun;
  mixed_pods: ClientRun;
  /** minimal and full specs alternate in halves, so neither meets a fuller table alone */
  pods_minimal: ClientRun;
  pods_full: ClientRun;
  /** API + PostgreSQL CPU per created pod, ms */
  cpu_ms_per_pod: { minimal: number | null; full: number | null };
  list_pods: ClientRun;
  list_pods_returned: number;
  pods_before: number;
  pods_after: number;
  created_201: number;
}

/** A pod as users send it: three containers with commands, volumes and configuration. */
export function fullPodBody(name: string): string {
  return JSON.stringify({
    name,
    cpu_cores_req: 3 * POD_CPU,
    memory_mb_req: 96,
    containers: [
      {
        name: 'web',
        image: 'nginx:1.27',
        cpu_req: POD_CPU,
        memory_req: 32,
        command: 'nginx -g "daemon off;"',
      },
      {
        name: 'sidecar',
        image: 'envoyproxy/envoy:v1.31',
        cpu_req: POD_CPU,
        memory_req: 32,
        args: ['--config-path', '/etc/envoy/envoy.yaml', '--log-level', 'warn'],
      },
      {
        name: 'logs',
        image: 'fluent/fluent-bit:3.1',
        cpu_req: POD_CPU,
        memory_req: 32,
        command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf'],
      },
    ],
    volumes: [
      { name: 'cache', type: 'emptyDir', size: 1, path: '/cache' },
      { name: 'envoy-config', type: 'configMap', size: 0.01, path: '/etc/envoy' },
      { name: 'tls', type: 'secret', size: 0.01, path: '/etc/tls' },
    ],
    config: [
      { name: 'app-config', type: 'env', key: 'LOG_LEVEL', value: 'info' },
      { name: 'app-config', type: 'env', key: 'LISTEN_PORT', value: '8080' },
      { name: 'envoy-config', type: 'configMap', key: 'envoy.yaml', value: 'admin: {}\n' },
      { name: 'tls', type: 'secret', key: 'tls.key', value: 'not-a-real-key' },
    ],
  });
}

interface Ctx {
  api: Api;
  meter: CpuMeter;
  prefix: string;
  /** a finished run, for the CPU table */
  onRun: (label: string, run: ClientRun) => void;
  onProgress: (fraction: number, detail: string) => void;
  /** nodes that are healthy now (a server of unknown timeout needs them kept beating) */
  onHealthy?: (nodes: readonly BenchNode[]) => void;
}

const beatHeaders = (n: BenchNode) => ({ authorization: `Bearer ${n.token}` });

async function register(ctx: Ctx, from: number, count: number, label: string) {
  const nodes: BenchNode[] = new Array(count);
  const run = await runClient({
    url: ctx.api.baseUrl,
    concurrency: 16,
    count,
    ok: 201,
    keepBodies: true,
    meter: ctx.meter,
    request: (i) => ({
      method: 'POST',
      path: '/nodes',
      body: JSON.stringify({ name: `${ctx.prefix}-${from + i}`, cpu_cores: 16, agent: 'external' }),
    }),
    onResponse: (i, status, body) => {
      if (status !== 201) return;
      const b = JSON.parse(body) as { id: number; heartbeat_token: string };
      nodes[i] = { id: b.id, name: `${ctx.prefix}-${from + i}`, token: b.heartbeat_token };
    },
  });
  ctx.onRun(label, run);
  const missing = nodes.filter((n) => !n).length;
  if (run.ok !== count || missing)
    throw new Error(`${label}: ${count - run.ok} of ${count} registrations not 201`);
  return { nodes, run };
}

function beats(
  ctx: Ctx,
  order: readonly BenchNode[],
  concurrency: number,
  byName: boolean,
  label: string,
) {
  return runClient({
    url: ctx.api.baseUrl,
    concurrency,
    count: order.length,
    meter: ctx.meter,
    request: (i) => ({
      method: 'POST',
      path: `/nodes/${byName ? order[i].name : order[i].id}/heartbeat`,
      body: EMPTY_BEAT,
      headers: beatHeaders(order[i]),
    }),
  }).then((run) => {
    if (label) ctx.onRun(label, run);
    return run;
  });
}

function podRun(ctx: Ctx, names: string[], full: boolean, label: string, samples?: number[]) {
  return runClient({
    url: ctx.api.baseUrl,
    samples,
    concurrency: 32,
    count: names.length,
    ok: 201,
    meter: ctx.meter,
    request: (i) => ({
      method: 'POST',
      path: '/pods',
      body: full ? fullPodBody(names[i]) : podBody(names[i]),
    }),
  }).then((run) => {
    if (label) ctx.onRun(label, run);
    return run;
  });
}

/** Two runs of one kind as one: counts and time added, percentiles over both runs' samples. */
function joined(a: ClientRun, b: ClientRun, samples: number[]): ClientRun {
  const d = a.duration_s + b.duration_s;
  const status: Record<string, number> = { ...a.status_counts };
  for (const [k, v] of Object.entries(b.status_counts)) status[k] = (status[k] ?? 0) + v;
  // cores averaged over both runs, weighted by their durations
  const avg = (x: number | null, y: number | null) =>
    x === null || y === null
      ? null
      : Math.round(((x * a.duration_s + y * b.duration_s) / d) * 100) / 100;
  const cpu =
    a.cpu && b.cpu
      ? {
          api: avg(a.cpu.api, b.cpu.api),
          postgres: avg(a.cpu.postgres, b.cpu.postgres),
          load_generator: avg(a.cpu.load_generator, b.cpu.load_generator)!,
          others: avg(a.cpu.others, b.cpu.others)!,
          idle: avg(a.cpu.idle, b.cpu.idle)!,
          cores: a.cpu.cores,
        }
      : null;
  return {
    ...clientStats(samples, status, 201, a.errors + b.errors, d),
    concurrency: a.concurrency,
    cpu,
  };
}

const cpuMsPerOk = (run: ClientRun) =>
  run.cpu && run.cpu.api !== null && run.cpu.postgres !== null && run.ok
    ? Math.round((((run.cpu.api + run.cpu.postgres) * run.duration_s) / run.ok) * 1000 * 1000) /
      1000
    : null;

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function sameClient(
  api: Api,
  plan: SameClientPlan,
  options: Omit<Ctx, 'api'>,
): Promise<SameClientResult> {
  const ctx: Ctx = { api, ...options };
  const n = plan.nodes;
  const settle = () => sleep(500); // what a run left behind (the once-a-second work) lands first
  const before = await clusterTotals(api);
  let created = 0;

  ctx.onProgress(0.02, `registering ${n} nodes, c16`);
  const { nodes, run: registerRun } = await register(ctx, 1, n, `register ${n} nodes, c16`);
  await settle();

  ctx.onProgress(0.12, `first heartbeats of ${n} nodes, c16`);
  const firstBeats = await beats(ctx, shuffled(nodes), 16, false, `first heartbeats, ${n}, c16`);
  if (firstBeats.ok !== n) throw new Error(`first heartbeats: ${n - firstBeats.ok} not 200`);
  ctx.onHealthy?.(nodes);
  await settle();

  // steady state: one untimed round each way first, so the nodes' routine state (and any
  // name lookup) is warm and the first beats' writes have landed
  await beats(ctx, shuffled(nodes), 16, false, '');
  await beats(ctx, shuffled(nodes), 16, true, '');
  await sleep(1000);
  const steady = () => Array.from({ length: plan.beatRounds }, () => shuffled(nodes)).flat();
  const byId: ClientRun[] = [];
  const byName: ClientRun[] = [];
  for (const [i, c] of [16, 32].entries()) {
    ctx.onProgress(0.2 + 0.1 * i, `heartbeats by id, c${c}`);
    byId.push(await beats(ctx, steady(), c, false, `heartbeats by id, ${n}, c${c}`));
    await settle();
    ctx.onProgress(0.25 + 0.1 * i, `heartbeats by name, c${c}`);
    byName.push(await beats(ctx, steady(), c, true, `heartbeats by name, ${n}, c${c}`));
    await settle();
  }

  ctx.onProgress(0.4, `${n} more nodes, 3 beats each, then ${plan.mixedPods} pods`);
  const mixed = await register(ctx, n + 1, n, `register ${n} more nodes, c16`);
  await settle();
  const mixedOrder = shuffled(Array.from({ length: plan.mixedBeats }, () => mixed.nodes).flat());
  const mixedBeats = await beats(
    ctx,
    mixedOrder,
    32,
    false,
    `${n} nodes × ${plan.mixedBeats} beats, c32`,
  );
  const mixedPods = await podRun(
    ctx,
    Array.from({ length: plan.mixedPods }, (_, i) => `${ctx.prefix}-m-${i}`),
    false,
    `then ${plan.mixedPods} pods, c32`,
  );
  ctx.onHealthy?.(mixed.nodes);
  created += mixedPods.ok;
  await settle();

  const half = Math.floor(plan.pods / 2);
  const halves: Record<'minimal' | 'full', ClientRun[]> = { minimal: [], full: [] };
  const samples: Record<'minimal' | 'full', number[]> = { minimal: [], full: [] };
  for (const round of [0, 1]) {
    for (const kind of ['minimal', 'full'] as const) {
      ctx.onProgress(
        0.55 + 0.1 * (2 * round + (kind === 'full' ? 1 : 0)),
        `pods, ${kind} spec, c32 (${round + 1}/2)`,
      );
      const names = Array.from({ length: half }, (_, i) => `${ctx.prefix}-${kind}-${round}-${i}`);
      const run = await podRun(ctx, names, kind === 'full', '', samples[kind]);
      created += run.ok;
      halves[kind].push(run);
      await settle();
    }
  }
  const podsMinimal = joined(halves.minimal[0], halves.minimal[1], samples.minimal);
  const podsFull = joined(halves.full[0], halves.full[1], samples.full);
  ctx.onRun(`${2 * half} pods, minimal spec, c32`, podsMinimal);
  ctx.onRun(`${2 * half} pods, full spec, c32`, podsFull);

  ctx.onProgress(0.95, 'GET /pods?limit=1000');
  let returned = 0;
  const list = await runClient({
    url: api.baseUrl,
    concurrency: 1,
    count: plan.listRequests,
    keepBodies: true,
    meter: ctx.meter,
    request: () => ({ method: 'GET', path: '/pods?limit=1000' }),
    onResponse: (_i, status, body) => {
      if (status === 200) returned = (JSON.parse(body) as unknown[]).length;
    },
  });
  ctx.onRun('GET /pods?limit=1000, c1', list);

  await sleep(1000);
  const after = await clusterTotals(api);
  return {
    nodes: n,
    register: registerRun,
    first_beats: firstBeats,
    beats_by_id: byId,
    beats_by_name: byName,
    mixed_register: mixed.run,
    mixed_beats: mixedBeats,
    mixed_pods: mixedPods,
    pods_minimal: podsMinimal,
    pods_full: podsFull,
    cpu_ms_per_pod: { minimal: cpuMsPerOk(podsMinimal), full: cpuMsPerOk(podsFull) },
    list_pods: list,
    list_pods_returned: returned,
    pods_before: before.pods,
    pods_after: after.pods,
    created_201: created,
  };
}
