/** The short-timeout server: rescheduling the pods of a failed node. */
import { Api } from '../lib/api';
import { skipped } from '../lib/report-types';
import { fmtMs } from '../lib/stats';
import { rescheduling } from '../figures/rescheduling';
import { SERVERS, TARGETS } from '../plan';
import { SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { startServer, stopServer } from './servers';

export async function shortSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'resched')) return;
  const target = `≤ ${fmtMs(TARGETS.reschedMs)}, CPU returned`;
  const name = `pods of a failed node bound elsewhere (${TARGETS.reschedPods} pods)`;
  if (ctx.external) {
    ctx.results.push(
      skipped('resched', name, target, 'needs a server started with a short timeout'),
    );
    return;
  }
  const { plan, progress } = ctx;
  const server = await startServer(ctx, 'short');
  const api = new Api(server.url);
  try {
    progress.start('resched');
    await runFigure(ctx, 'resched', name, target, async () => {
      const r = await rescheduling(api, {
        prefix: `${ctx.tag}-rs`,
        repetitions: plan.reschedRepetitions,
        podsPerNode: plan.reschedPods,
        beatMs: 500,
        timeoutMs: Number(SERVERS.short.NODE_FAILURE_TIMEOUT_MS),
        onProgress: (f, d) => progress.update(f, d),
      });
      return {
        key: 'resched',
        rows: [
          {
            figure: `${name}, median of ${r.samples.length}`,
            measured:
              `${fmtMs(r.median_ms)} after failed (server clock ${fmtMs(r.median_server_span_ms)}); ` +
              `${r.all_bound ? 'all bound' : 'NOT all bound'}, CPU ${r.cpu_returned ? 'returned' : 'NOT returned'}`,
            target,
            met: r.median_ms <= TARGETS.reschedMs && r.all_bound && r.cpu_returned,
          },
        ],
        raw: { ...r },
      };
    });
  } finally {
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'short', server);
  }
}
