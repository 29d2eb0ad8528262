/**
 * Figure 10: the big cluster, soaked. On a server with the default failure timeout and
 * agents told to beat every 10 s: `nodes` external nodes registered (each beating at once,
 * as its agent would), `pods` pods created, then `soakS` seconds more, with every node
 * beating every 10 s throughout from one schedule in this process. At the end: the API's
 * memory, and whether any node was declared failed although it never stopped beating.
 */
import { Api } from '../lib/api';
import { BeatSchedule, BeatWindow, LATE_MS } from '../lib/beat-schedule';
import { ClientRun, clientStats, runClient } from '../lib/client';
import { BenchNode, EMPTY_BEAT, listAll, podBody } from '../lib/cluster';
import { CpuMeter, CpuShare } from '../lib/cpu';
import { abortSignal, forEachLimit, sleep, throwIfAborted } from '../lib/lifecycle';
import { percentile, round } from '../lib/stats';
import { clusterTotals } from './scale';

export interface ScaleSoakPlan {
  nodes: number;
  pods: number;
  /** every node beats this often (the server is told so: HEARTBEAT_INTERVAL_MS) */
  intervalMs: number;
  /** each beat moves by up to ± this */
  jitterMs: number;
  soakS: number;
  /** a node's size: room for far more than 10 pods of 0.01 core */
  nodeCpus: number;
  registerConcurrency: number;
  podConcurrency: number;
  /** bound on the pod creations: a server that cannot go faster still gets its soak */
  podsMaxS: number;
}

export interface BeatWindowSummary {
  seconds: number;
  beats_ok: number;
  beats_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
  not_200: number;
  errors: number;
  /** beats that left more than LATE_MS after they were due */
  late: number;
  max_late_ms: number;
  /** 200s answered after more than LATE_MS */
  slow: number;
}

export interface ScaleSoakResult {
  nodes_target: number;
  pods_target: number;
  interval_ms: number;
  nodes: number;
  pods: number;
  register: { seconds: number; per_s: number; failed: number };
  pods_run: ClientRun | null;
  soak_s: number;
  expected_beats_per_s: number;
  beats: Record<string, BeatWindowSummary>;
  /** the longest time between two 200s of any one node over the whole run, ms */
  max_gap_ms: number;
  rss_mb: number | null;
  peak_rss_mb: number | null;
  /** RSS once registered, once the pods were in, at the end; with the heap as the server counts it */
  rss_samples: Array<{ at: string; rss_mb: number; peak_mb: number } & Partial<HeapFigures>>;
  nodes_not_healthy: number;
  not_healthy_by_status: Record<string, number>;
  nodes_failed: number;
  node_failed_events: number;
  cpu: { register: CpuShare | null; pods: CpuShare | null; soak: CpuShare | null };
}

/** The API's own count of its memory, from its Prometheus gauges (all workers together), MB. */
export interface HeapFigures {
  /** what V8 holds for the JS heap, and how much of it live objects use */
  heap_total_mb: number;
  heap_used_mb: number;
  /** memory outside the heap that JS objects own (Buffers, ArrayBuffers) */
  external_mb: number;
}

async function heapOf(api: Api): Promise<Partial<HeapFigures>> {
  try {
    const res = await api.request<string>('GET', '/metrics', undefined, { accept: 'text/plain' });
    const text = String(res.body);
    const gauge = (name: string) => {
      const m = new RegExp(`^kubesim_process_${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? round(Number(m[1]) / 1048576, 1) : undefined;
    };
    return {
      heap_total_mb: gauge('nodejs_heap_size_total_bytes'),
      heap_used_mb: gauge('nodejs_heap_size_used_bytes'),
      external_mb: gauge('nodejs_external_memory_bytes'),
    };
  } catch {
    return {};
  }
}

/** `count` pods in chunks of 2,000 until all are in or `podsMaxS` has passed: one run's figures. */
async function createPods(
  api: Api,
  plan: ScaleSoakPlan,
  count: number,
  prefix: string,
  meter: CpuMeter | undefined,
  onTick: (done: number, seconds: number) => void,
): Promise<ClientRun> {
  const samples: number[] = [];
  const status: Record<string, number> = {};
  let errors = 0;
  let done = 0;
  meter?.begin();
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  while (done < count && elapsed() < plan.podsMaxS && !abortSignal.aborted) {
    const from = done;
    const run = await runClient({
      url: api.baseUrl,
      concurrency: plan.podConcurrency,
      count: Math.min(2000, count - from),
      ok: 201,
      samples,
      request: (i) => ({ method: 'POST', path: '/pods', body: podBody(`${prefix}-p-${from + i}`) }),
      onTick: (n) => onTick(from + n, elapsed()),
    });
    for (const [k, v] of Object.entries(run.status_counts)) status[k] = (status[k] ?? 0) + v;
    errors += run.errors;
    done += run.requests;
    onTick(done, elapsed());
  }
  const duration = elapsed();
  return {
    ...clientStats(samples, status, 201, errors, duration),
    concurrency: plan.podConcurrency,
    cpu: meter?.end() ?? null,
  };
}

function summary(w: BeatWindow): BeatWindowSummary {
  const s = ((w.to ?? performance.now()) - w.from) / 1000;
  const r = (n: number) => round(n, 1);
  return {
    seconds: r(s),
    beats_ok: w.ok,
    beats_per_s: r(w.ok / s),
    latency_ms: {
      p50: r(percentile(w.latencies, 50)),
      p99: r(percentile(w.latencies, 99)),
      max: r(percentile(w.latencies, 100)),
    },
    not_200: w.not_200,
    errors: w.errors,
    late: w.late,
    max_late_ms: r(w.max_late_ms),
    slow: w.slow,
  };
}

export async function scaleSoak(
  api: Api,
  plan: ScaleSoakPlan,
  options: {
    prefix: string;
    meter?: CpuMeter;
    memory: () => { rssMb: number; peakMb: number } | null;
    onProgress?: (fraction: number, detail: string) => void;
    log?: (line: string) => void;
  },
): Promise<ScaleSoakResult> {
  const progress = options.onProgress ?? (() => undefined);
  const schedule = new BeatSchedule(api.baseUrl, plan.intervalMs, plan.jitterMs);
  const rss: ScaleSoakResult['rss_samples'] = [];
  const sampleRss = async (at: string) => {
    const m = options.memory();
    if (m)
      rss.push({
        at,
        rss_mb: round(m.rssMb, 1),
        peak_mb: round(m.peakMb, 1),
        ...(await heapOf(api)),
      });
  };
  let lateSeen = 0;
  const watchLate = setInterval(() => {
    const late = schedule.all.reduce((n, w) => n + w.late, 0);
    if (late > lateSeen)
      options.log?.(
        `scale soak: ${late - lateSeen} beats left more than ${LATE_MS} ms late in the last 10 s` +
          ` (${schedule.backlog} waiting for a connection)`,
      );
    lateSeen = late;
  }, 10_000);
  try {
    // registration: each node's first beat right after its 201, then on the schedule
    schedule.window('register');
    options.meter?.begin();
    const registering = performance.now();
    let registered = 0;
    let failed = 0;
    await forEachLimit(plan.nodes, plan.registerConcurrency, async (i) => {
      const name = `${options.prefix}-${i + 1}`;
      try {
        const body = await api.call<{ id: number; heartbeat_token: string }>('POST', '/nodes', {
          name,
          cpu_cores: plan.nodeCpus,
          agent: 'external',
        });
        const node: BenchNode = { id: body.id, name, token: body.heartbeat_token };
        const res = await api.request(
          'POST',
          `/nodes/${node.id}/heartbeat`,
          JSON.parse(EMPTY_BEAT),
          {
            authorization: `Bearer ${node.token}`,
          },
        );
        if (res.status !== 200) throw new Error(`first heartbeat answered ${res.status}`);
        schedule.add(node, performance.now(), res.body);
        registered++;
      } catch (err) {
        if (++failed <= 5) options.log?.(`scale soak: ${name}: ${(err as Error).message}`);
      }
      if ((registered + failed) % 250 === 0)
        progress(
          (0.15 * (registered + failed)) / plan.nodes,
          `${registered}/${plan.nodes} nodes registered and beating`,
        );
    });
    throwIfAborted();
    const registerS = (performance.now() - registering) / 1000;
    options.log?.(
      `scale soak: ${registered} nodes registered and beating in ${round(registerS, 0)} s` +
        ` (${failed} failed), beats ${schedule.all.at(-1)!.ok}, ${schedule.backlog} waiting`,
    );
    const registerCpu = options.meter?.end() ?? null;
    await sampleRss('registered');

    // the pods, while every node keeps beating
    schedule.window('pods');
    const before = await clusterTotals(api);
    const missing = Math.max(0, plan.pods - before.pods);
    const podsRun =
      missing > 0
        ? await createPods(api, plan, missing, options.prefix, options.meter, (done, sec) =>
            progress(
              0.15 + 0.35 * Math.max(done / missing, sec / plan.podsMaxS),
              `${done}/${missing} pods, ${Math.round(done / sec)}/s; beats ${schedule.all.at(-1)!.ok}`,
            ),
          )
        : null;
    if (podsRun)
      options.log?.(
        `scale soak: ${podsRun.ok} pods in ${round(podsRun.duration_s, 0)} s` +
          (podsRun.ok < missing
            ? ` (bounded at ${plan.podsMaxS} s: ${missing - podsRun.ok} not created)`
            : ''),
      );
    throwIfAborted();
    await sampleRss('pods created');

    // the soak: nothing but the beats
    schedule.window('soak');
    options.meter?.begin();
    const soakStart = performance.now();
    while (!abortSignal.aborted) {
      const elapsed = (performance.now() - soakStart) / 1000;
      if (elapsed >= plan.soakS) break;
      const w = schedule.all.at(-1)!;
      progress(
        0.5 + 0.45 * (elapsed / plan.soakS),
        `soak ${Math.floor(elapsed)}/${plan.soakS} s, ${Math.round(w.ok / Math.max(1, elapsed))} beats/s, ${w.late} late`,
      );
      await sleep(500);
    }
    throwIfAborted();
    const soak = schedule.window('checks');
    const soakCpu = options.meter?.end() ?? null;
    await sampleRss('end of soak');
    const memory = options.memory();

    // the checks, while the nodes still beat (a check must not itself fail them)
    progress(0.96, 'checking every node');
    const prefix = `${options.prefix}-`;
    const all = (
      await listAll<{ name: string; health_status: string }>(api, '/nodes', plan.nodes + 1000)
    ).filter((n) => n.name.startsWith(prefix));
    const failedNodes = (
      await listAll<{ name: string }>(api, '/nodes?status=failed', plan.nodes + 1000)
    ).filter((n) => n.name.startsWith(prefix));
    const events = (
      await listAll<{ object: string }>(api, '/events?reason=NodeFailed', plan.nodes + 1000)
    ).filter((e) => e.object.startsWith(`node/${prefix}`));
    const after = await clusterTotals(api);
    const byStatus: Record<string, number> = {};
    for (const n of all)
      if (n.health_status !== 'healthy')
        byStatus[n.health_status] = (byStatus[n.health_status] ?? 0) + 1;
    const notHealthy = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const gaps = schedule.gaps();
    const windows: Record<string, BeatWindowSummary> = Object.fromEntries(
      schedule.all
        .filter((w) => ['register', 'pods', 'soak'].includes(w.name))
        .map((w) => [w.name, summary(w)]),
    );
    return {
      nodes_target: plan.nodes,
      pods_target: plan.pods,
      interval_ms: plan.intervalMs,
      nodes: after.nodes,
      pods: after.pods,
      register: {
        seconds: round(registerS, 1),
        per_s: round(registered / registerS, 1),
        failed,
      },
      pods_run: podsRun,
      soak_s: round(soak.to! - soak.from, 0) / 1000,
      expected_beats_per_s: round(schedule.size / (plan.intervalMs / 1000), 1),
      beats: windows,
      max_gap_ms: round(gaps.max_gap_ms, 0),
      rss_mb: memory ? round(memory.rssMb, 1) : null,
      peak_rss_mb: memory ? round(memory.peakMb, 1) : null,
      rss_samples: rss,
      nodes_not_healthy: notHealthy + Math.max(0, plan.nodes - all.length),
      not_healthy_by_status: byStatus,
      nodes_failed: failedNodes.length,
      node_failed_events: events.length,
      cpu: { register: registerCpu, pods: podsRun?.cpu ?? null, soak: soakCpu },
    };
  } finally {
    clearInterval(watchLate);
    schedule.stop();
  }
}
