/**
 * Figure 5: pod startup, from POST /pods to the moment its agent's report of it running
 * is stored (the pod's Started event on /events/stream). A few real agents (a Fleet in
 * this process) heartbeat every 5 s; pods are created one at a time, evenly spread, so
 * they land at every phase of their node's heartbeat cycle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../../node-simulator/src/fleet';
import { Api } from '../lib/api';
import { podBody, pollUntil, listAll } from '../lib/cluster';
import { EventStream } from '../lib/event-stream';
import { forEachLimit, onCleanup, sleep } from '../lib/lifecycle';
import { percentile } from '../lib/stats';

export interface StartupResult {
  agents: number;
  interval_ms: number;
  pods: number;
  started: number;
  /** client clock: POST sent → Started event received */
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  /** server clock: pod created_at → started_at */
  server_latency_ms: { p50: number; p99: number };
  samples_ms: number[];
}

export async function podStartup(
  api: Api,
  options: {
    prefix: string;
    pods: number;
    everyMs: number;
    agents: number;
    intervalMs: number;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<StartupResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-bench-startup-'));
  const fleet = new Fleet({
    nodes: options.agents,
    prefix: `${options.prefix}-node`,
    cpus: 8,
    apiServer: api.baseUrl,
    intervalMs: options.intervalMs,
    dataDir,
    // real agents watch for assignments (a handful here, so one connection each is fine)
    watchAssignments: true,
    summaryIntervalMs: 3_600_000,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const unregister = onCleanup('startup fleet', async () => {
    await fleet.stop('bench cleanup');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const sent = new Map<string, number>();
  const started = new Map<string, number>();
  const podIds: number[] = [];
  let stream: EventStream | undefined;
  try {
    options.onProgress?.(0, `starting ${options.agents} agents`);
    await fleet.start();
    await pollUntil(200, options.intervalMs + 5_000, async () =>
      fleet.stats().reachable === options.agents ? true : null,
    );
    stream = await EventStream.open(api.baseUrl, (m) => {
      if (m.event !== 'event' || m.data?.reason !== 'Started') return;
      const name = String(m.data.object ?? '').replace(/^pod\//, '');
      if (sent.has(name) && !started.has(name)) started.set(name, m.at);
    });

    for (let i = 0; i < options.pods; i++) {
      const name = `${options.prefix}-${i}`;
      const t0 = Date.now();
      sent.set(name, t0);
      const res = await api.request<{ id: number; node_id: number | null }>(
        'POST',
        '/pods',
        JSON.parse(podBody(name)),
      );
      if (res.status !== 201 || res.body.node_id === null)
        throw new Error(`pod ${name} was not bound at creation (${res.status})`);
      podIds.push(res.body.id);
      options.onProgress?.(
        (0.7 * (i + 1)) / options.pods,
        `${i + 1}/${options.pods} created, ${started.size} running`,
      );
      await sleep(Math.max(0, options.everyMs - (Date.now() - t0)));
    }
    // the last ones need their node's next beat, then one more: three intervals is ample
    await pollUntil(100, 3 * options.intervalMs, async () => {
      options.onProgress?.(
        0.7 + (0.3 * started.size) / options.pods,
        `${started.size}/${options.pods} running`,
      );
      return started.size === options.pods ? true : null;
    });

    const samples = [...sent].filter(([n]) => started.has(n)).map(([n, t]) => started.get(n)! - t);
    const serverSamples = (
      await listAll<{ name: string; created_at: string; started_at: string | null }>(api, '/pods')
    )
      .filter((p) => p.name.startsWith(`${options.prefix}-`) && p.started_at)
      .map((p) => Date.parse(p.started_at!) - Date.parse(p.created_at));
    // a pod that never started counts as infinitely slow in the percentiles
    const withMissing = [...samples, ...Array(options.pods - samples.length).fill(Infinity)];
    return {
      agents: options.agents,
      interval_ms: options.intervalMs,
      pods: options.pods,
      started: samples.length,
      latency_ms: {
        p50: percentile(withMissing, 50),
        p90: percentile(withMissing, 90),
        p99: percentile(withMissing, 99),
        max: percentile(withMissing, 100),
      },
      server_latency_ms: {
        p50: percentile(serverSamples, 50),
        p99: percentile(serverSamples, 99),
      },
      samples_ms: samples,
    };
  } finally {
    stream?.close();
    // leave nothing behind for the figures that follow on this server
    await forEachLimit(podIds.length, 8, async (i) => {
      await api.request('DELETE', `/pods/${podIds[i]}`);
    }).catch(() => undefined);
    unregister();
    const ids = fleet.agents.map((a) => a.nodeId);
    await fleet.stop('startup figure over');
    for (const id of ids) await api.request('DELETE', `/nodes/${id}`).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
