/** The default-timings server: pod startup, failure detection and the heartbeat soak. */
import { Api } from '../lib/api';
import { CpuMeter } from '../lib/cpu';
import { skipped } from '../lib/report-types';
import { fmt, fmtMs } from '../lib/stats';
import { failureDetection } from '../figures/failure-detection';
import { heartbeatSoak } from '../figures/heartbeats';
import { podStartup } from '../figures/pod-startup';
import { DEFAULT_TICK_MS, DEFAULT_TIMEOUT_MS, TARGETS } from '../plan';
import { SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { startServer, stopServer } from './servers';

export async function defaultSuite(ctx: SuiteContext): Promise<void> {
  const own = ctx.external === null;
  if (!(own ? wants(ctx, 'startup', 'detection', 'soak') : wants(ctx, 'startup', 'soak'))) return;
  const { plan, progress } = ctx;
  const server = own ? await startServer(ctx, 'default') : null;
  const api = new Api(server?.url ?? ctx.external!);
  try {
    if (wants(ctx, 'startup')) {
      progress.start('startup');
      const target = `p99 ≤ ${fmtMs(TARGETS.startupP99Ms)}`;
      await runFigure(ctx, 'startup', 'pod startup: create → running', target, async () => {
        const r = await podStartup(api, {
          prefix: `${ctx.tag}-st`,
          pods: plan.startupPods,
          everyMs: plan.startupEveryMs,
          agents: plan.startupAgents,
          intervalMs: 5000,
          onProgress: (f, d) => progress.update(f, d),
        });
        return {
          key: 'startup',
          rows: [
            {
              figure: `pod startup: create → running (${r.agents} agents, beat every ${r.interval_ms / 1000} s)`,
              measured: `p50 ${fmtMs(r.latency_ms.p50)}, p99 ${fmtMs(r.latency_ms.p99)} (${r.started}/${r.pods} pods)`,
              target,
              met: r.latency_ms.p99 <= TARGETS.startupP99Ms,
            },
          ],
          raw: { ...r },
        };
      });
    }

    if (own && wants(ctx, 'detection')) {
      progress.start('detection');
      const limit = DEFAULT_TIMEOUT_MS + TARGETS.detectionTicks * DEFAULT_TICK_MS;
      const target = `≤ ${fmtMs(limit)} (timeout + 1 tick)`;
      await runFigure(ctx, 'detection', 'silent node declared failed', target, async () => {
        const r = await failureDetection(api, {
          prefix: `${ctx.tag}-det`,
          repetitions: plan.detectionRepetitions,
          timeoutMs: DEFAULT_TIMEOUT_MS,
          tickMs: DEFAULT_TICK_MS,
          onProgress: (f, d) => progress.update(f, d),
        });
        return {
          key: 'detection',
          rows: [
            {
              figure: `silent node declared failed (median of ${r.samples.length})`,
              measured:
                `${fmtMs(r.median_ms)} after its last beat (±${r.poll_ms} ms)` +
                (r.missed.length ? `, ${r.missed.length} never failed` : ''),
              target,
              met: r.missed.length === 0 && r.median_ms <= limit,
            },
          ],
          raw: { ...r },
        };
      });
    }

    if (wants(ctx, 'soak')) {
      progress.start('soak');
      const target = 'no false failure';
      await runFigure(ctx, 'soak', 'heartbeat soak', target, async () => {
        const r = await heartbeatSoak(api, {
          prefix: `${ctx.tag}-soak`,
          nodes: plan.soakNodes,
          intervalMs: plan.soakIntervalMs,
          soakS: plan.soakS,
          meter: new CpuMeter(server?.pid ?? null, server?.postgresPidFile ?? null),
          onProgress: (f, d) => progress.update(f, d),
        });
        if (r.cpu) ctx.cpu.push({ run: `soak, ${fmt(r.nodes)} agents (in the bench)`, ...r.cpu });
        const clean =
          r.nodes_not_healthy === 0 && r.node_failed_events === 0 && r.nodes_failed === 0;
        return {
          key: 'soak',
          rows: [
            {
              figure: `heartbeat soak: ${fmt(r.nodes)} agents every ${r.interval_ms / 1000} s for ${Math.round(r.soak_s)} s`,
              measured:
                `${r.nodes_not_healthy} not healthy, ${r.node_failed_events} NodeFailed; ` +
                `${fmt(r.beats_per_s)} beats/s (of ${fmt(r.expected_beats_per_s)}), p99 ${fmtMs(r.latency_ms.p99)}`,
              target,
              met: clean,
            },
          ],
          raw: { ...r },
        };
      });
    }
  } finally {
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'default', server);
  }
}

export function externalSkips(ctx: SuiteContext): void {
  if (ctx.external && wants(ctx, 'detection')) {
    ctx.results.push(
      skipped(
        'detection',
        'silent node declared failed',
        'timeout + ≤ 1 tick',
        'needs a server started with known timings',
      ),
    );
  }
}
