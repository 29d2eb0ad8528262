/**
 * The load server (long failure timeout): one Deployment scaled up, pod creation at each
 * cluster size, the heartbeat ceiling and scale.
 */
import { Api } from '../lib/api';
import { Beater, BenchNode, beatAll, registerNodes } from '../lib/cluster';
import { CpuMeter } from '../lib/cpu';
import { sleep } from '../lib/lifecycle';
import { Row } from '../lib/report-types';
import { fmt, fmtMs } from '../lib/stats';
import { heartbeatThroughput } from '../figures/heartbeats';
import { PodLoad, PodRun } from '../figures/pod-creation';
import { clusterTotals, scale } from '../figures/scale';
import { deploymentScale } from '../figures/deployment';
import { TARGETS } from '../plan';
import { loadSizes, SuiteContext, wants } from './context';
import { runFigure } from './run-figure';
import { profileArgs, startServer, stopServer } from './servers';
import { BEAT_TARGET, DEPLOYMENT_TARGET, KUBE_POD_TARGET, POD_TARGET } from './targets';

function podRow(run: PodRun, final: boolean): Row {
  if (run.via === 'kube')
    return {
      figure: `pod creations through the Kubernetes API, ${fmt(run.nodes)} nodes, ${run.algorithm}`,
      measured:
        `${fmt(run.pods_per_s)}/s, p50 ${fmtMs(run.latency_ms.p50)}, p99 ${fmtMs(run.latency_ms.p99)}` +
        (run.non_201 || run.errors ? `, ${fmt(run.non_201 + run.errors)} not 201` : ''),
      target: KUBE_POD_TARGET,
      met: final ? run.pods_per_s >= TARGETS.kubePodsPerS : null,
    };
  const met = final
    ? run.pods_per_s >= TARGETS.podsPerS && run.latency_ms.p99 <= TARGETS.podP99Ms
    : null;
  return {
    figure: `pod creations, ${fmt(run.nodes)} nodes, ${run.algorithm}`,
    measured:
      `${fmt(run.pods_per_s)}/s, p50 ${fmtMs(run.latency_ms.p50)}, p99 ${fmtMs(run.latency_ms.p99)}` +
      (run.non_201 || run.errors ? `, ${fmt(run.non_201 + run.errors)} not 201` : ''),
    target: final ? POD_TARGET : '(chart point)',
    met,
  };
}

export async function loadSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'pods', 'heartbeats', 'scale', 'deployment')) return;
  const { plan, progress } = ctx;
  const server = ctx.external ? null : await startServer(ctx, 'load', profileArgs(ctx));
  const api = new Api(server?.url ?? ctx.external!);
  // on a server whose timeout we do not control, nodes beat at the real rate to stay healthy
  const keeper = ctx.external ? new Beater(api, 5000) : null;
  try {
    const meter = new CpuMeter(server?.pid ?? null, server?.postgresPidFile ?? null);
    const pods = new PodLoad(api, `${ctx.tag}-p`, plan.connections, meter);
    const baseline = await clusterTotals(api);
    const nodes: BenchNode[] = [];
    const runs: PodRun[] = [];
    const last = plan.sizes[plan.sizes.length - 1];
    const onTick = (total: number) => (n: number, s: number) =>
      progress.update(s / total, `${Math.round(s)}/${total} s, ${fmt(n / s)} answers/s`);

    for (const size of loadSizes(ctx)) {
      progress.start(`register-${size}`);
      const from = nodes.length + 1;
      const fresh = await registerNodes(api, {
        prefix: `${ctx.tag}-n`,
        from,
        to: size + 1,
        cpus: plan.nodeCpus,
        onProgress: (d) =>
          progress.update((0.7 * d) / (size + 1 - from), `${from + d - 1}/${size} registered`),
      });
      await beatAll(api, fresh, (d) =>
        progress.update(0.7 + (0.3 * d) / fresh.length, `first heartbeats ${d}/${fresh.length}`),
      );
      nodes.push(...fresh);
      for (const n of fresh) keeper?.add(n);

      if (size === plan.deploymentNodes && wants(ctx, 'deployment')) {
        progress.start('deployment');
        const name = `one Deployment scaled 0 → ${fmt(plan.deploymentReplicas)} replicas, ${fmt(size)} nodes`;
        await runFigure(ctx, 'deployment', name, DEPLOYMENT_TARGET, async () => {
          const run = await deploymentScale(api, {
            name: `${ctx.tag}-deploy`.toLowerCase(),
            replicas: plan.deploymentReplicas,
            nodes: size,
            meter,
            timeoutMs: 300_000,
          });
          if (run.cpu) ctx.cpu.push({ run: name, ...run.cpu });
          return {
            key: 'deployment',
            rows: [
              {
                figure: `${name}: pods created`,
                measured: `${fmt(run.pods_per_s)}/s (${fmtMs(run.created_s * 1000)})`,
                target: DEPLOYMENT_TARGET,
                met: run.pods_per_s >= TARGETS.deploymentPodsPerS,
              },
              {
                figure: `${name}: pods bound`,
                measured: `${fmt(run.bound_per_s)}/s (${fmtMs(run.bound_s * 1000)})`,
                target: '(as created)',
                met: null,
              },
            ],
            raw: { ...run },
          };
        });
      }

      if (size === last && wants(ctx, 'heartbeats')) {
        progress.start('heartbeats');
        await runFigure(
          ctx,
          'heartbeats',
          `heartbeats, ${fmt(size)} nodes`,
          BEAT_TARGET,
          async () => {
            // nodes holding pods get their pods' specs in every answer: beat the others
            const empty = nodes.filter((n) => !pods.nodesWithPods.has(n.id));
            const run = await heartbeatThroughput(api, empty, {
              durationS: plan.heartbeatRunS,
              connections: plan.connections,
              meter,
              onTick: onTick(plan.heartbeatRunS),
            });
            if (run.cpu) ctx.cpu.push({ run: `heartbeats, ${fmt(run.nodes)} nodes`, ...run.cpu });
            return {
              key: 'heartbeats',
              rows: [
                {
                  figure: `heartbeats, ${fmt(run.nodes)} nodes${run.nodes < size ? ` (of ${fmt(size)}, those without pods)` : ''}`,
                  measured:
                    `${fmt(run.beats_per_s)}/s, p50 ${fmtMs(run.latency_ms.p50)}, p99 ${fmtMs(run.latency_ms.p99)}` +
                    (run.non_200 || run.errors ? `, ${fmt(run.non_200 + run.errors)} not 200` : ''),
                  target: BEAT_TARGET,
                  met:
                    run.beats_per_s >= TARGETS.beatsPerS && run.latency_ms.p99 <= TARGETS.beatP99Ms,
                },
              ],
              raw: { ...run, nodes_in_cluster: size, nodes_skipped_with_pods: size - run.nodes },
            };
          },
        );
      }

      if (wants(ctx, 'pods')) {
        const algorithm = plan.algorithms[0];
        progress.start(`pods-${size}-${algorithm}`);
        if (runs.length === 0 && plan.warmupS > 0) {
          progress.update(0, 'warm-up');
          runs.push(
            await pods.run({ label: 'warm-up', nodes: size, algorithm, durationS: plan.warmupS }),
          );
        }
        const run = await pods.run({
          label: `${size}-${algorithm}`,
          nodes: size,
          algorithm,
          durationS: plan.podRunS,
          onTick: onTick(plan.podRunS),
        });
        runs.push(run);
        ctx.chart.push({
          nodes: size,
          algorithm,
          pods_per_s: run.pods_per_s,
          p50_ms: run.latency_ms.p50,
          p99_ms: run.latency_ms.p99,
        });
      }
    }

    if (wants(ctx, 'pods')) {
      for (const algorithm of plan.algorithms.slice(1)) {
        progress.start(`pods-${last}-${algorithm}`);
        runs.push(
          await pods.run({
            label: `${last}-${algorithm}`,
            nodes: last,
            algorithm,
            durationS: plan.podRunS,
            onTick: onTick(plan.podRunS),
          }),
        );
      }
      await pods.setAlgorithm(plan.algorithms[0]);
      // the path kubectl and the client libraries take: v1.Pod manifests
      progress.start(`pods-${last}-kube`);
      runs.push(
        await pods.run({
          label: `${last}-kube`,
          nodes: last,
          algorithm: plan.algorithms[0],
          durationS: plan.podRunS,
          onTick: onTick(plan.podRunS),
          via: 'kube',
        }),
      );
      // every 201 must be a pod the server has: one count, no SQL (plus a look at each
      // request still in flight when a timed run ended, which the server may have done)
      // the requests in flight when the last run ended are committed (or not) by now
      await sleep(2000);
      const inFlightStored = await pods.storedUnanswered();
      const after = await clusterTotals(api);
      const expected = baseline.pods + pods.created + inFlightStored;
      const measured = runs.filter((r) => r.label !== 'warm-up');
      for (const r of measured)
        if (r.cpu)
          ctx.cpu.push({
            run: `pods${r.via === 'kube' ? ' (Kubernetes API)' : ''}, ${fmt(r.nodes)} nodes, ${r.algorithm}`,
            ...r.cpu,
          });
      ctx.results.push({
        key: 'pods',
        rows: [
          ...measured.map((r) => podRow(r, r.nodes === last)),
          {
            figure: 'every 201 is a stored pod (GET /cluster)',
            measured:
              `${fmt(after.pods - baseline.pods)} pods = ${fmt(pods.created)} 201s` +
              ` + ${fmt(inFlightStored)} in flight at a run's end`,
            target: 'equal',
            met: after.pods === expected,
          },
        ],
        raw: {
          runs,
          verification: {
            pods_before: baseline.pods,
            pods_after: after.pods,
            created_201: pods.created,
            unanswered: pods.unanswered.size,
            unanswered_stored: inFlightStored,
            equal: after.pods === expected,
          },
          nodes_with_pods: pods.nodesWithPods.size,
        },
      });
    }

    if (wants(ctx, 'scale')) {
      progress.start('scale');
      const name = `${fmt(last)} nodes + ${fmt(plan.scalePods)} pods`;
      await runFigure(
        ctx,
        'scale',
        `one machine holds ${name}`,
        `RSS ≤ ${fmt(TARGETS.rssMb)} MB`,
        async () => {
          const s = await scale(api, pods, {
            nodesTarget: last,
            podsTarget: plan.scalePods,
            maxSeconds: plan.scaleMaxS,
            memory: () => server?.memory() ?? null,
            onProgress: (f, d) => progress.update(f, d),
          });
          const reached = s.pods >= s.pods_target && s.nodes >= s.nodes_target;
          const held = `${fmt(s.nodes)} nodes + ${fmt(s.pods)} pods`;
          return {
            key: 'scale',
            rows: [
              {
                figure: `API RSS holding ${held}`,
                measured:
                  s.rss_mb === null
                    ? 'not measured (--server)'
                    : `${fmt(s.rss_mb)} MB (peak ${fmt(s.peak_rss_mb!)} MB)` +
                      (reached ? '' : `, target size not reached in ${plan.scaleMaxS} s`),
                target: `≤ ${fmt(TARGETS.rssMb)} MB`,
                met: s.rss_mb === null ? null : s.rss_mb <= TARGETS.rssMb && reached,
              },
              {
                figure: `GET /pods?limit=100 holding ${held}`,
                measured: `median ${fmtMs(s.list_pods_ms.median)} (p90 ${fmtMs(s.list_pods_ms.p90)})`,
                target: '—',
                met: null,
              },
              {
                figure: `GET /nodes?limit=100 holding ${held}`,
                measured: `median ${fmtMs(s.list_nodes_ms.median)} (p90 ${fmtMs(s.list_nodes_ms.p90)})`,
                target: '—',
                met: null,
              },
            ],
            raw: { ...s },
          };
        },
      );
    }
  } finally {
    keeper?.stop();
    ctx.retried503 += api.retried503;
    api.close();
    await stopServer(ctx, 'load', server);
  }
}
