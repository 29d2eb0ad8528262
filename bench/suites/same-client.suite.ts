/** A fresh server measured with the keep-alive node:http client the peers used. */
import { Api } from '../lib/api';
import { Beater } from '../lib/cluster';
import { CpuMeter } from '../lib/cpu';
import { Row } from '../lib/report-types';
import { fmt, fmtMs } from '../lib/stats';
import { sameClient, SameClientResult } from '../figures/same-client';
import { ClientRun } from '../lib/client';
import { ANCHORS, TARGETS } from '../plan';
import { SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { profileArgs, startServer, stopServer } from './servers';
import { POD_TARGET } from './targets';

const rate = (r: ClientRun, unit = '/s') =>
  `${fmt(r.per_s)}${unit}, p50 ${fmtMs(r.latency_ms.p50)}, p99 ${fmtMs(r.latency_ms.p99)}` +
  (r.requests - r.ok ? `, ${fmt(r.requests - r.ok)} failed` : '');

/** The rows of issue #18's table: node:http keep-alive, c16/c32, fixed counts. */
export function sameClientRows(r: SameClientResult): Row[] {
  const n = fmt(r.nodes);
  const beatMet = (runs: ClientRun[]) =>
    runs.every((x) => x.per_s >= TARGETS.beatsPerS && x.latency_ms.p99 <= TARGETS.beatP99Ms);
  const beatsOf = (runs: ClientRun[]) =>
    runs.map((x) => `c${x.concurrency} ${rate(x)}`).join(' · ');
  const podMet = (x: ClientRun) =>
    x.per_s >= TARGETS.podsPerS && x.latency_ms.p99 <= TARGETS.podP99Ms;
  const ratio = r.pods_minimal.per_s / r.pods_full.per_s;
  const cpuRatio =
    r.cpu_ms_per_pod.minimal && r.cpu_ms_per_pod.full
      ? r.cpu_ms_per_pod.full / r.cpu_ms_per_pod.minimal
      : null;
  // by name should cost what by id costs: its rate as a share of by id's, per concurrency
  const nameShare = r.beats_by_name
    .map((x, i) => `${fmt((100 * x.per_s) / r.beats_by_id[i].per_s)} %`)
    .join(' · ');
  const expected = r.pods_before + r.created_201;
  return [
    {
      figure: `node:http c16: register ${n} nodes (POST /nodes, external agent)`,
      measured: `${rate(r.register)}; the next ${n}: ${fmt(r.mixed_register.per_s)}/s, p99 ${fmtMs(r.mixed_register.latency_ms.p99)}`,
      target: `≥ ${fmt(TARGETS.registerPerS)}/s (peer ${fmt(ANCHORS.registerPerS)}/s)`,
      met: r.register.per_s >= TARGETS.registerPerS && r.register.ok === r.register.requests,
    },
    {
      figure: `node:http c16: first heartbeat of each of ${n} nodes (pending → healthy)`,
      measured: rate(r.first_beats),
      target: `≥ ${fmt(TARGETS.firstBeatsPerS)}/s`,
      met: r.first_beats.per_s >= TARGETS.firstBeatsPerS,
    },
    {
      figure: `node:http: heartbeats, ${n} nodes, steady state, by id`,
      measured: beatsOf(r.beats_by_id),
      target:
        `≥ ${fmt(TARGETS.beatsPerS)}/s, p99 ≤ ${TARGETS.beatP99Ms} ms ` +
        `(peer ${fmt(ANCHORS.beatsPerS)}/s, p99 ${ANCHORS.beatP99Ms} ms)`,
      met: beatMet(r.beats_by_id),
    },
    {
      figure: `node:http: heartbeats, ${n} nodes, steady state, by name`,
      measured: `${beatsOf(r.beats_by_name)}; rate ${nameShare} of by id's`,
      target: `as by id: ≥ ${fmt(TARGETS.beatsPerS)}/s, p99 ≤ ${TARGETS.beatP99Ms} ms`,
      met: beatMet(r.beats_by_name),
    },
    {
      figure: `node:http c32: ${n} fresh nodes × ${fmt(r.mixed_beats.requests / r.nodes)} beats (first and routine mixed)`,
      measured: rate(r.mixed_beats),
      target: `≥ ${fmt(TARGETS.firstBeatsPerS)}/s (first-beat floor)`,
      met: r.mixed_beats.per_s >= TARGETS.firstBeatsPerS,
    },
    {
      figure: `node:http c32: then ${fmt(r.mixed_pods.requests)} pods (${fmt(2 * r.nodes)} nodes)`,
      measured: rate(r.mixed_pods),
      target: POD_TARGET,
      met: podMet(r.mixed_pods),
    },
    {
      figure: `node:http c32: ${fmt(r.pods_minimal.requests)} pod creations, minimal spec`,
      measured: rate(r.pods_minimal),
      target: `${POD_TARGET} (peer ${fmt(ANCHORS.podsPerS)}/s, p99 ${ANCHORS.podP99Ms} ms)`,
      met: podMet(r.pods_minimal),
    },
    {
      figure: `node:http c32: ${fmt(r.pods_full.requests)} pod creations, full spec (3 containers, 3 volumes, 4 config)`,
      measured:
        `${rate(r.pods_full)}; minimal ${fmt(ratio, 2)}× its rate` +
        (cpuRatio === null
          ? ''
          : `, ${fmt(r.cpu_ms_per_pod.full!, 2)} vs ${fmt(r.cpu_ms_per_pod.minimal!, 2)} ms API+PostgreSQL CPU a pod (${fmt(cpuRatio, 2)}×)`),
      target: `${POD_TARGET}; ≤ ${TARGETS.fullSpecRatio}× a minimal pod's cost`,
      met: podMet(r.pods_full) && ratio <= TARGETS.fullSpecRatio,
    },
    {
      figure: `node:http c1: GET /pods?limit=1000 (${fmt(r.list_pods_returned)} returned, ${fmt(r.pods_after)} pods stored)`,
      measured: `p50 ${fmtMs(r.list_pods.latency_ms.p50)}, p99 ${fmtMs(r.list_pods.latency_ms.p99)} (${r.list_pods.ok} requests)`,
      target: `p50 ≤ ${TARGETS.listPodsP50Ms} ms`,
      met: r.list_pods.latency_ms.p50 <= TARGETS.listPodsP50Ms && r.list_pods_returned === 1000,
    },
    {
      figure: 'node:http: every 201 is a stored pod (GET /cluster)',
      measured: `${fmt(r.pods_after - r.pods_before)} pods = ${fmt(r.created_201)} 201s`,
      target: 'equal',
      met: r.pods_after === expected,
    },
  ];
}

export async function sameClientSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'client')) return;
  const server = ctx.external ? null : await startServer(ctx, 'client', profileArgs(ctx));
  const api = new Api(server?.url ?? ctx.external!);
  const keeper = ctx.external ? new Beater(api, 5000) : null;
  try {
    ctx.progress.start('client');
    await runFigure(ctx, 'client', 'same client as the peers', '—', async () => {
      const r = await sameClient(api, ctx.plan.sameClient, {
        meter: new CpuMeter(server?.pid ?? null, server?.postgresPidFile ?? null),
        prefix: `${ctx.tag}-c`,
        onRun: (label, run) => {
          if (run.cpu) ctx.cpu.push({ run: `node:http: ${label}`, ...run.cpu });
        },
        onProgress: (f, d) => ctx.progress.update(f, d),
        onHealthy: (nodes) => nodes.forEach((n) => keeper?.add(n)),
      });
      return { key: 'client', rows: sameClientRows(r), raw: { ...r } };
    });
  } finally {
    keeper?.stop();
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'client', server);
  }
}
