/**
 * Figure 2: heartbeats. First the ceiling: autocannon beating as fast as it can, each
 * request for the next node in turn with that node's token. Then a soak at the real
 * rate (every node every 5 s, jittered) by the real agent class, a Fleet in this
 * process, checking that no node is falsely declared failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../../node-simulator/src/fleet';
import { httpFetch } from '../../node-simulator/src/http-transport';
import { FetchLike } from '../../node-simulator/src/runtime-deps';
import { Api } from '../lib/api';
import { BenchNode, EMPTY_BEAT, listAll } from '../lib/cluster';
import { onCleanup, sleep, throwIfAborted } from '../lib/lifecycle';
import { CpuMeter, CpuShare } from '../lib/cpu';
import { runLoad, LoadResult } from '../lib/load';
import { percentile } from '../lib/stats';

export interface HeartbeatRun {
  nodes: number;
  connections: number;
  duration_s: number;
  ok: number;
  beats_per_s: number;
  latency_ms: LoadResult['latencyMs'];
  non_200: number;
  status_counts: Record<string, number>;
  errors: number;
  cpu: CpuShare | null;
}

export async function heartbeatThroughput(
  api: Api,
  nodes: readonly BenchNode[],
  options: {
    durationS: number;
    connections: number;
    meter?: CpuMeter;
    onTick?: (n: number, s: number) => void;
  },
): Promise<HeartbeatRun> {
  if (nodes.length === 0) throw new Error('no node to beat');
  await sleep(1000); // what an earlier run left in flight is done first
  // prebuilt per node: building the request must not be what limits the rate
  const paths = nodes.map((n) => `/nodes/${n.id}/heartbeat`);
  const headers = nodes.map((n) => ({
    'content-type': 'application/json',
    authorization: `Bearer ${n.token}`,
  }));
  let next = 0;
  const result = await runLoad({
    url: api.baseUrl,
    connections: options.connections,
    durationS: options.durationS,
    onTick: options.onTick,
    meter: options.meter,
    request: {
      method: 'POST',
      path: paths[0],
      // keep the host and port autocannon passes in: without them its Host header is "undefined:undefined"
      setupRequest: (request) => {
        const i = next++ % nodes.length;
        return {
          ...request,
          method: 'POST',
          path: paths[i],
          headers: headers[i],
          body: EMPTY_BEAT,
        };
      },
    },
  });
  const ok = result.statusCounts['200'] ?? 0;
  return {
    nodes: nodes.length,
    connections: options.connections,
    duration_s: result.durationS,
    ok,
    beats_per_s: ok / result.durationS,
    latency_ms: result.latencyMs,
    non_200: result.responses - ok,
    status_counts: result.statusCounts,
    errors: result.errors,
    cpu: result.cpu,
  };
}

export interface SoakResult {
  nodes: number;
  interval_ms: number;
  registration_s: number;
  soak_s: number;
  beats: number;
  beats_per_s: number;
  expected_beats_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
  non_200: number;
  transport_errors: number;
  nodes_not_healthy: number;
  nodes_failed: number;
  node_failed_events: number;
  agent_warnings: string[];
  cpu: CpuShare | null;
}

/** `nodes` real agents beating every `intervalMs` for `soakS` seconds once all are up. */
export async function heartbeatSoak(
  api: Api,
  options: {
    prefix: string;
    nodes: number;
    intervalMs: number;
    soakS: number;
    meter?: CpuMeter;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-bench-fleet-'));
  const latencies: number[] = [];
  let counting = false;
  let non200 = 0;
  let transportErrors = 0;
  const countingFetch: FetchLike = async (url, init) => {
    if (!counting || !url.endsWith('/heartbeat')) return httpFetch(url, init);
    const started = performance.now();
    try {
      const res = await httpFetch(url, init);
      if (res.status === 200) latencies.push(performance.now() - started);
      else non200++;
      return res;
    } catch (err) {
      transportErrors++;
      throw err;
    }
  };
  const warnings: string[] = [];
  const note = (m: string) => {
    if (warnings.length < 50) warnings.push(m);
  };
  const fleet = new Fleet({
    nodes: options.nodes,
    prefix: options.prefix,
    cpus: 4,
    apiServer: api.baseUrl,
    intervalMs: options.intervalMs,
    dataDir,
    registrationConcurrency: 32,
    summaryIntervalMs: 3_600_000,
    fetch: countingFetch,
    logger: { info: () => undefined, warn: note, error: note },
  });
  const unregister = onCleanup('soak fleet', async () => {
    await fleet.stop('bench cleanup');
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    const registering = Date.now();
    const ticker = setInterval(() => {
      const s = fleet.stats();
      options.onProgress?.(
        0.3 * (s.agents / options.nodes),
        `registering ${s.agents}/${options.nodes}`,
      );
    }, 500);
    try {
      await fleet.start();
    } finally {
      clearInterval(ticker);
    }
    const registrationS = (Date.now() - registering) / 1000;
    // every agent has had its first beat answered before the window opens
    for (let waited = 0; waited < options.intervalMs + 5_000; waited += 250) {
      if (fleet.stats().reachable === options.nodes) break;
      await sleep(250);
    }
    throwIfAborted();
    counting = true;
    options.meter?.begin();
    const started = Date.now();
    while (Date.now() - started < options.soakS * 1000) {
      await sleep(500);
      const elapsed = (Date.now() - started) / 1000;
      options.onProgress?.(
        0.3 + 0.65 * Math.min(1, elapsed / options.soakS),
        `soak ${Math.floor(elapsed)}/${options.soakS} s, ${Math.round(latencies.length / elapsed)} beats/s`,
      );
    }
    counting = false;
    const cpu = options.meter?.end() ?? null;
    const soakS = (Date.now() - started) / 1000;

    const prefix = `${options.prefix}-`;
    const all = (await listAll<{ name: string; health_status: string }>(api, '/nodes')).filter(
      (n) => n.name.startsWith(prefix),
    );
    const failed = (await listAll<{ name: string }>(api, '/nodes?status=failed')).filter((n) =>
      n.name.startsWith(prefix),
    );
    const events = (
      await listAll<{ object: string }>(api, '/events?reason=NodeFailed', 20_000)
    ).filter((e) => e.object.startsWith(`node/${prefix}`));
    const notHealthy = all.filter((n) => n.health_status !== 'healthy').length;
    return {
      nodes: options.nodes,
      interval_ms: options.intervalMs,
      registration_s: registrationS,
      soak_s: soakS,
      beats: latencies.length,
      beats_per_s: latencies.length / soakS,
      expected_beats_per_s: options.nodes / (options.intervalMs / 1000),
      latency_ms: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
      },
      non_200: non200,
      transport_errors: transportErrors,
      // a node missing from the list counts as not healthy
      nodes_not_healthy: notHealthy + Math.max(0, options.nodes - all.length),
      nodes_failed: failed.length,
      node_failed_events: events.length,
      agent_warnings: warnings,
      cpu,
    };
  } finally {
    counting = false;
    unregister();
    await fleet.stop('soak over');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
