/**
 * The figures grouped by the server they need: the load server (long failure timeout:
 * pod creation, heartbeat ceiling, scale), the default server (SPEC timings: pod
 * startup, failure detection, soak) and the short server (rescheduling).
 */
import { Api } from './lib/api';
import { Beater, BenchNode, beatAll, registerNodes } from './lib/cluster';
import { CpuMeter, CpuShare } from './lib/cpu';
import { Aborted, sleep } from './lib/lifecycle';
import { Progress, Step } from './lib/progress';
import { FigureResult, Row, skipped } from './lib/report-types';
import { LocalServer } from './lib/server';
import { fmt, fmtMs } from './lib/stats';
import { failureDetection } from './figures/failure-detection';
import { heartbeatSoak, heartbeatThroughput } from './figures/heartbeats';
import { PodLoad, PodRun } from './figures/pod-creation';
import { podStartup } from './figures/pod-startup';
import { rescheduling } from './figures/rescheduling';
import { clusterTotals, scale } from './figures/scale';
import { deploymentScale } from './figures/deployment';
import { sameClient, SameClientResult } from './figures/same-client';
import { ClientRun } from './lib/client';
import { ANCHORS, DEFAULT_TICK_MS, DEFAULT_TIMEOUT_MS, Plan, SERVERS, TARGETS } from './plan';

export const FIGURES = [
  'pods',
  'deployment',
  'heartbeats',
  'client',
  'scale',
  'startup',
  'detection',
  'soak',
  'resched',
] as const;
export type FigureKey = (typeof FIGURES)[number];

export interface ChartPoint {
  nodes: number;
  algorithm: string;
  pods_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

export interface SuiteContext {
  plan: Plan;
  /** makes this run's names unique on a shared server */
  tag: string;
  progress: Progress;
  log: (line: string) => void;
  /** --server URL: use it, start nothing */
  external: string | null;
  only: Set<FigureKey>;
  cpuProfDir: string | null;
  /** server logs with anything in them are kept as `${logPrefix}-<label>-server.log` */
  logPrefix: string;
  results: FigureResult[];
  chart: ChartPoint[];
  servers: Record<
    string,
    {
      label: string;
      env: Record<string, string>;
      pid: number;
      exit?: LocalServer['exitInfo'];
    }
  >;
  /** where the CPU went during each load run */
  cpu: Array<{ run: string } & CpuShare>;
  /** 503s the server answered to the bench's set-up and check requests (retried) */
  retried503: number;
}

const wants = (ctx: Pick<SuiteContext, 'only'>, ...keys: FigureKey[]) =>
  keys.some((k) => ctx.only.has(k));

/** The cluster sizes the load server grows through: every size for the pod figure, else those the wanted figures need. */
function loadSizes(ctx: Pick<SuiteContext, 'only' | 'plan'>): number[] {
  const { plan } = ctx;
  if (wants(ctx, 'pods')) return plan.sizes;
  const sizes = new Set<number>();
  if (wants(ctx, 'deployment')) sizes.add(plan.deploymentNodes);
  if (wants(ctx, 'heartbeats', 'scale')) sizes.add(plan.sizes[plan.sizes.length - 1]);
  return [...sizes].sort((a, b) => a - b);
}

/** The steps of the progress bar, weighted by their expected seconds. */
export function plannedSteps(ctx: Omit<SuiteContext, 'progress'>): Step[] {
  const { plan } = ctx;
  const steps: Step[] = [];
  const own = ctx.external === null;
  const last = plan.sizes[plan.sizes.length - 1];
  if (wants(ctx, 'pods', 'heartbeats', 'scale', 'deployment')) {
    if (own) steps.push({ key: 'load-boot', label: 'starting the load server', weight: 6 });
    let prev = 0;
    for (const size of loadSizes(ctx)) {
      steps.push({
        key: `register-${size}`,
        label: `registering nodes up to ${fmt(size)}`,
        weight: (size - prev) / 250,
      });
      prev = size;
      if (size === plan.deploymentNodes && wants(ctx, 'deployment'))
        steps.push({
          key: 'deployment',
          label: `one Deployment scaled 0 → ${fmt(plan.deploymentReplicas)}`,
          weight: plan.deploymentReplicas / 250,
        });
      if (size === last && wants(ctx, 'heartbeats'))
        steps.push({
          key: 'heartbeats',
          label: `heartbeats, ${fmt(size)} nodes`,
          weight: plan.heartbeatRunS,
        });
      if (wants(ctx, 'pods')) {
        steps.push({
          key: `pods-${size}-${plan.algorithms[0]}`,
          label: `pod creations, ${fmt(size)} nodes, ${plan.algorithms[0]}`,
          weight: plan.podRunS + (prev === plan.sizes[0] ? plan.warmupS : 0),
        });
      }
    }
    if (wants(ctx, 'pods')) {
      for (const algo of plan.algorithms.slice(1))
        steps.push({
          key: `pods-${last}-${algo}`,
          label: `pod creations, ${fmt(last)} nodes, ${algo}`,
          weight: plan.podRunS,
        });
      steps.push({
        key: `pods-${last}-kube`,
        label: `pod creations through the Kubernetes API, ${fmt(last)} nodes`,
        weight: plan.podRunS,
      });
    }
    if (wants(ctx, 'scale'))
      steps.push({
        key: 'scale',
        label: `scale: ${fmt(last)} nodes + ${fmt(plan.scalePods)} pods`,
        weight: Math.min(plan.scaleMaxS, plan.scalePods / 400) + 3,
      });
    if (own) steps.push({ key: 'load-stop', label: 'stopping the load server', weight: 3 });
  }
  if (wants(ctx, 'client')) {
    const c = plan.sameClient;
    if (own)
      steps.push({ key: 'client-boot', label: 'starting the same-client server', weight: 6 });
    steps.push({
      key: 'client',
      label: `same client as the peers (node:http, c16/c32), ${fmt(c.nodes)} nodes`,
      weight:
        (2 * c.nodes) / 400 +
        (4 * c.beatRounds * c.nodes) / 2500 +
        (c.mixedPods + 2 * c.pods) / 1500 +
        5,
    });
    if (own)
      steps.push({ key: 'client-stop', label: 'stopping the same-client server', weight: 3 });
  }
  const defaultFigures = own
    ? wants(ctx, 'startup', 'detection', 'soak')
    : wants(ctx, 'startup', 'soak');
  if (defaultFigures) {
    if (own)
      steps.push({ key: 'default-boot', label: 'starting the default-timings server', weight: 6 });
    if (wants(ctx, 'startup'))
      steps.push({
        key: 'startup',
        label: 'pod startup',
        weight: (plan.startupPods * plan.startupEveryMs) / 1000 + 10,
      });
    if (own && wants(ctx, 'detection'))
      steps.push({
        key: 'detection',
        label: 'failure detection',
        weight: DEFAULT_TIMEOUT_MS / 1000 + 5,
      });
    if (wants(ctx, 'soak'))
      steps.push({
        key: 'soak',
        label: `heartbeat soak, ${fmt(plan.soakNodes)} agents`,
        weight: plan.soakNodes / 250 + plan.soakS + 6,
      });
    if (own) steps.push({ key: 'default-stop', label: 'stopping the default server', weight: 3 });
  }
  if (own && wants(ctx, 'resched')) {
    steps.push({ key: 'short-boot', label: 'starting the short-timeout server', weight: 6 });
    steps.push({ key: 'resched', label: 'rescheduling', weight: plan.reschedRepetitions * 7 });
    steps.push({ key: 'short-stop', label: 'stopping the short-timeout server', weight: 3 });
  }
  return steps;
}

/** The servers running now, to say so when a figure fails because one went away. */
const current = new Map<string, LocalServer>();

/** Called between suites: a server's end explains only its own suite's failures. */
export function forgetServers(): void {
  current.clear();
}

/** "; the load server had exited (code 0) at …" when that explains a failure. */
export function serverGone(): string {
  const gone = [...current.values()].filter((s) => s.exitInfo && !s.exitInfo.expected);
  return gone
    .map((s) => {
      const e = s.exitInfo!;
      return `; the ${s.label} server had exited (${e.signal ?? `code ${e.code}`}) at ${e.at.slice(11, 19)}`;
    })
    .join('');
}

/** Runs one figure; a failure becomes its row instead of ending the whole bench. */
async function figure(
  ctx: SuiteContext,
  key: string,
  name: string,
  target: string,
  run: () => Promise<FigureResult>,
): Promise<void> {
  try {
    ctx.results.push(await run());
  } catch (err) {
    if (err instanceof Aborted) throw err;
    const message = ((err as Error).message ?? String(err)) + serverGone();
    ctx.log(`${name}: failed: ${message}`);
    ctx.results.push({
      key,
      rows: [
        {
          figure: name,
          measured: `error: ${message.split('\n')[0].slice(0, 160)}`,
          target,
          met: false,
        },
      ],
      raw: { error: message },
    });
  }
}

async function startServer(
  ctx: SuiteContext,
  label: keyof typeof SERVERS,
  nodeArgs: string[] = [],
): Promise<LocalServer> {
  ctx.progress.start(`${label}-boot`);
  const server = await LocalServer.start({
    label,
    env: SERVERS[label],
    nodeArgs,
    onUnexpectedExit: (s) => {
      const how = s.exitInfo!.signal ? `signal ${s.exitInfo!.signal}` : `code ${s.exitInfo!.code}`;
      ctx.log(
        `the ${label} server (pid ${s.pid}) exited by itself (${how}): ` +
          'the figures that need it fail; its log is kept in bench/results/',
      );
    },
  });
  ctx.servers[label] = { label, env: { ...SERVERS[label] }, pid: server.pid };
  current.set(label, server);
  return server;
}

async function stopServer(ctx: SuiteContext, label: string, server: LocalServer | null) {
  if (!server) return;
  ctx.progress.start(`${label}-stop`);
  await server.stop(`${ctx.logPrefix}-${label}-server.log`);
  ctx.servers[label].exit = server.exitInfo;
}

const POD_TARGET = `≥ ${fmt(TARGETS.podsPerS)}/s, p99 ≤ ${TARGETS.podP99Ms} ms`;
const DEPLOYMENT_TARGET = `≥ ${fmt(TARGETS.deploymentPodsPerS)}/s (KWOK's users report ~5 deployments/s)`;
const BEAT_TARGET = `≥ ${fmt(TARGETS.beatsPerS)}/s, p99 ≤ ${TARGETS.beatP99Ms} ms`;

const KUBE_POD_TARGET = `≥ ${fmt(TARGETS.kubePodsPerS)}/s`;

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

// ---- load server ------------------------------------------------------------

export async function loadSuite(ctx: SuiteContext): Promise<void> {
  if (!wants(ctx, 'pods', 'heartbeats', 'scale', 'deployment')) return;
  const { plan, progress } = ctx;
  const nodeArgs = ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`] : [];
  const server = ctx.external ? null : await startServer(ctx, 'load', nodeArgs);
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
        await figure(ctx, 'deployment', name, DEPLOYMENT_TARGET, async () => {
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
        await figure(ctx, 'heartbeats', `heartbeats, ${fmt(size)} nodes`, BEAT_TARGET, async () => {
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
        });
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
      await figure(
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

// ---- same client as the peers ------------------------------------------------------

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
  const server = ctx.external ? null : await startServer(ctx, 'client');
  const api = new Api(server?.url ?? ctx.external!);
  const keeper = ctx.external ? new Beater(api, 5000) : null;
  try {
    ctx.progress.start('client');
    await figure(ctx, 'client', 'same client as the peers', '—', async () => {
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

// ---- default timings ------------------------------------------------------------

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
      await figure(ctx, 'startup', 'pod startup: create → running', target, async () => {
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
      await figure(ctx, 'detection', 'silent node declared failed', target, async () => {
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
      await figure(ctx, 'soak', 'heartbeat soak', target, async () => {
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

// ---- short timeout ----------------------------------------------------------------

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
    await figure(ctx, 'resched', name, target, async () => {
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
