/**
 * The big soak on a server of its own: the default failure timeout, agents told to beat
 * every 10 s; 15,000 nodes and 150,000 pods held for five minutes (only with --only scale15k).
 */
import { Api } from '../lib/api';
import { CpuMeter } from '../lib/cpu';
import { skipped } from '../lib/report-types';
import { fmt, fmtMs } from '../lib/stats';
import { scaleSoak, ScaleSoakResult } from '../figures/scale-soak';
import { TARGETS } from '../plan';
import { SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { heapSnapshotArgs, profileArgs, startServer, stopServer } from './servers';
import { BIG_RSS_TARGET, BIG_SOAK_TARGET } from './targets';

export async function scale15kSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'scale15k')) return;
  const { plan, progress } = ctx;
  const p = plan.scaleSoak;
  const name = `${fmt(p.nodes)} nodes + ${fmt(p.pods)} pods, beats every ${p.intervalMs / 1000} s`;
  if (ctx.external) {
    ctx.results.push(
      skipped('scale15k', name, BIG_SOAK_TARGET, 'needs a server started with known timings'),
    );
    return;
  }
  const server = await startServer(ctx, 'scale15k', [
    ...profileArgs(ctx),
    ...heapSnapshotArgs(ctx),
  ]);
  const api = new Api(server.url, 60_000);
  try {
    progress.start('scale15k');
    await runFigure(ctx, 'scale15k', name, BIG_SOAK_TARGET, async () => {
      const r = await scaleSoak(api, p, {
        prefix: `${ctx.tag}-big`,
        meter: new CpuMeter(server.pid, server.postgresPidFile),
        memory: () => server.memory(),
        onProgress: (f, d) => progress.update(f, d),
        log: ctx.log,
      });
      const label = `${fmt(p.nodes)} nodes`;
      if (r.cpu.register)
        ctx.cpu.push({ run: `${label}: register + first beats`, ...r.cpu.register });
      if (r.cpu.pods)
        ctx.cpu.push({ run: `${label}: ${fmt(p.pods)} pods, beats on`, ...r.cpu.pods });
      if (r.cpu.soak) ctx.cpu.push({ run: `${label}: soak, beats only`, ...r.cpu.soak });
      const soak = r.beats.soak;
      const pods = r.pods_run;
      const reached = r.nodes >= r.nodes_target && r.pods >= r.pods_target;
      const held = `${fmt(r.nodes)} nodes + ${fmt(r.pods)} pods`;
      const falseFailures = r.nodes_not_healthy + r.nodes_failed + r.node_failed_events;
      const statuses = Object.entries(r.not_healthy_by_status)
        .map(([s, n]) => `${fmt(n)} ${s}`)
        .join(', ');
      const late = Object.values(r.beats).reduce((n, w) => n + w.late, 0);
      return {
        key: 'scale15k',
        rows: [
          {
            figure: `big cluster: API RSS holding ${held}`,
            measured:
              r.rss_mb === null
                ? 'not measured'
                : `${fmt(r.rss_mb)} MB (peak ${fmt(r.peak_rss_mb!)} MB)` +
                  heapNote(r.rss_samples[r.rss_samples.length - 1]) +
                  (reached ? '' : ', target size not reached'),
            target: BIG_RSS_TARGET,
            met: r.rss_mb !== null && r.peak_rss_mb! <= TARGETS.bigRssMb && reached,
          },
          {
            figure: `big cluster: register ${fmt(p.nodes)} nodes, each beating at once (c${p.registerConcurrency})`,
            measured:
              `${fmtMs(r.register.seconds * 1000)}, ${fmt(r.register.per_s)}/s` +
              (r.register.failed ? `, ${fmt(r.register.failed)} failed` : ''),
            target: '—',
            met: null,
          },
          {
            figure: `big cluster: create ${fmt(p.pods)} pods (POST /pods, c${p.podConcurrency}) while all beat`,
            measured: pods
              ? `${fmtMs(pods.duration_s * 1000)}, ${fmt(pods.per_s)}/s, p99 ${fmtMs(pods.latency_ms.p99)}` +
                (pods.requests - pods.ok ? `, ${fmt(pods.requests - pods.ok)} not 201` : '') +
                (r.pods < p.pods ? `, bounded at ${p.podsMaxS} s (${fmt(r.pods)} held)` : '') +
                `; beats meanwhile ${fmt(r.beats.pods.beats_per_s)}/s, p99 ${fmtMs(r.beats.pods.latency_ms.p99)}`
              : 'none needed',
            target: '—',
            met: null,
          },
          {
            figure: `big cluster: soak ${Math.round(r.soak_s)} s, every node every ${p.intervalMs / 1000} s ±${p.jitterMs / 1000} s`,
            measured:
              `${fmt(falseFailures)} false failures (${fmt(r.nodes_not_healthy)} not healthy` +
              `${statuses ? `: ${statuses}` : ''}, ${fmt(r.nodes_failed)} failed, ` +
              `${fmt(r.node_failed_events)} NodeFailed); ${fmt(soak.beats_per_s)} beats/s ` +
              `(of ${fmt(r.expected_beats_per_s)}), p50 ${fmtMs(soak.latency_ms.p50)}, ` +
              `p99 ${fmtMs(soak.latency_ms.p99)}, ${fmt(soak.slow)} answered after > 1 s (max ${fmtMs(soak.latency_ms.max)}); ` +
              `${fmt(late)} beats sent > 1 s late; ` +
              `longest gap between a node's beats ${fmtMs(r.max_gap_ms)}`,
            target: BIG_SOAK_TARGET,
            met:
              falseFailures === 0 &&
              reached &&
              r.soak_s >= p.soakS &&
              soak.beats_per_s >= 0.98 * r.expected_beats_per_s,
          },
        ],
        raw: { ...r },
      };
    });
    if (ctx.heapSnapshotDir) {
      progress.start('scale15k-heap-snapshot');
      const files = await server.heapSnapshots(ctx.heapSnapshotDir);
      ctx.log(`heap snapshots: ${files.join(', ')} (npx ts-node bench/heap-summary.ts FILE)`);
    }
  } finally {
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'scale15k', server);
  }
}

/** "; JS heap 180 of 420 MB in use, 12 MB outside it" when the server said so */
function heapNote(sample: ScaleSoakResult['rss_samples'][number] | undefined): string {
  if (sample?.heap_used_mb === undefined || sample.heap_total_mb === undefined) return '';
  const external =
    sample.external_mb === undefined ? '' : `, ${fmt(sample.external_mb)} MB outside it`;
  return `; JS heap ${fmt(sample.heap_used_mb)} of ${fmt(sample.heap_total_mb)} MB in use${external}`;
}
