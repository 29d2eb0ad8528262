/**
 * A fresh server for the watch fan-out: its default namespace holds only the pods the
 * figure creates, so each watch reads what it is fed and nothing the other figures left.
 */
import { Api } from '../lib/api';
import { Beater, beatAll, registerNodes } from '../lib/cluster';
import { CpuMeter } from '../lib/cpu';
import { fmt, fmtMs } from '../lib/stats';
import { watchFanout } from '../figures/watch-fanout';
import { TARGETS } from '../plan';
import { SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { profileArgs, startServer, stopServer } from './servers';
import { WATCH_TARGET } from './targets';

/** a watcher that keeps up shows the pace; this much below it is noise of the timers */
const PACE_TOLERANCE = 0.99;

export async function watchSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'watch')) return;
  const { plan, progress } = ctx;
  const w = plan.watch;
  const server = ctx.external ? null : await startServer(ctx, 'watch', profileArgs(ctx));
  const api = new Api(server?.url ?? ctx.external!);
  const keeper = ctx.external ? new Beater(api, 5000) : null;
  try {
    progress.start('watch');
    const name = `watch fan-out: ${w.watchers} watches of the pods, ${fmt(w.ratePerS)} creations/s`;
    await runFigure(ctx, 'watch', name, WATCH_TARGET, async () => {
      const nodes = await registerNodes(api, {
        prefix: `${ctx.tag}-wn`,
        from: 1,
        to: w.nodes + 1,
        cpus: 16,
        onProgress: (d) => progress.update((0.1 * d) / w.nodes, `${d}/${w.nodes} nodes`),
      });
      await beatAll(api, nodes);
      for (const n of nodes) keeper?.add(n);
      const r = await watchFanout(api, w, {
        prefix: `${ctx.tag}-w`.toLowerCase(),
        meter: new CpuMeter(server?.pid ?? null, server?.postgresPidFile ?? null),
        onProgress: (f, d) => progress.update(0.1 + 0.9 * f, d),
      });
      if (r.cpu)
        ctx.cpu.push({
          run: `watch: ${r.watchers} watchers, ${fmt(r.asked_per_s)} pods/s`,
          ...r.cpu,
        });
      const floor = TARGETS.watchEventsPerS * PACE_TOLERANCE;
      const e = r.events;
      return {
        key: 'watch',
        rows: [
          {
            figure:
              `watch fan-out: ${r.watchers} watches (GET …/pods?watch=true), ` +
              `${fmt(r.created_201)} pods created at ${fmt(r.asked_per_s)}/s (Kubernetes API)`,
            measured:
              `${fmt(r.delivery_per_s.min)} events/s to the slowest watcher ` +
              `(median ${fmt(r.delivery_per_s.median)}), ${fmt(e.missing)} missing` +
              `${e.watchers_ended_early ? `, ${e.watchers_ended_early} streams ended` : ''}; ` +
              `lag p50 ${fmtMs(r.lag_ms.p50)}, p99 ${fmtMs(r.lag_ms.p99)} ` +
              `(first second ${fmtMs(r.lag_ms.first_second_p99)}, last ${fmtMs(r.lag_ms.last_second_p99)})`,
            target: WATCH_TARGET,
            met:
              r.watchers >= TARGETS.watchers &&
              r.created_per_s >= floor &&
              r.delivery_per_s.min >= floor &&
              e.missing === 0 &&
              e.watchers_ended_early === 0 &&
              r.lag_ms.p99 <= TARGETS.watchLagP99Ms,
          },
          {
            figure: `watch fan-out: the paced creations (POST /api/v1/namespaces/default/pods)`,
            measured:
              `${fmt(r.created_per_s)}/s, p50 ${fmtMs(r.create_latency_ms.p50)}, ` +
              `p99 ${fmtMs(r.create_latency_ms.p99)}` +
              notCreated(r) +
              (r.unsent
                ? `, ${fmt(r.unsent)} never sent (${w.drainS} s after the last was due)`
                : '') +
              `; sent late p99 ${fmtMs(r.send_late_ms.p99)}`,
            target: `the pace, ${fmt(TARGETS.watchEventsPerS)}/s`,
            met: r.created_per_s >= floor && r.not_201 === 0 && r.unsent === 0,
          },
          {
            figure: 'watch fan-out: the same creations once the watches are closed',
            measured:
              `${fmt(r.without_watches.created_per_s)}/s, p50 ${fmtMs(r.without_watches.create_latency_ms.p50)}, ` +
              `p99 ${fmtMs(r.without_watches.create_latency_ms.p99)}` +
              notCreated(r.without_watches),
            target: '(what the watches cost)',
            met: null,
          },
        ],
        raw: { ...r },
      };
    });
  } finally {
    keeper?.stop();
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'watch', server);
  }
}

/** `, 26 not 201 (503 ×20, no answer ×6)`, or nothing when every answer was a 201 */
function notCreated(r: { not_201: number; not_201_by_status: Record<string, number> }): string {
  if (!r.not_201) return '';
  const by = Object.entries(r.not_201_by_status)
    .map(([status, n]) => `${status === '0' ? 'no answer' : status} ×${fmt(n)}`)
    .join(', ');
  return `, ${fmt(r.not_201)} not 201 (${by})`;
}
