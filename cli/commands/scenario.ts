import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { segment } from '../api-client';
import type { EventView, NodeView, PodView } from '../api-types';
import { nonNegativeInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../errors';
import { sleep } from '../progress';
import {
  checkEvent,
  checkNodes,
  checkPods,
  checkReach,
  describeExpectation,
  type PodSeen,
  type Verdict,
} from '../scenario/expect';
import { type KubeObject, KubeObjects } from '../scenario/kube-objects';
import { type Action, parseScenario, type Scenario, ScenarioSyntaxError } from '../scenario/parse';
import { type Clock, type Occurrence, planSteps, runPlan } from '../scenario/schedule';

/** How often an `expect ... within` asks the API again. */
const POLL_MS = 250;

interface StepResult {
  step: number;
  line: number;
  repeat: number;
  kind: Action['kind'];
  due_ms: number;
  started_ms: number;
  took_ms: number;
  what: string;
  result: 'done' | 'held' | 'failed';
  seen?: string;
  error?: string;
}

/** Plays a scenario file against the server; the exit code says whether every expectation held. */
export async function runScenario(
  ctx: CommandContext,
  file: string,
  options: { seed?: number },
): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT_USAGE,
    );
  }
  let scenario: Scenario;
  try {
    scenario = parseScenario(text);
  } catch (err) {
    if (err instanceof ScenarioSyntaxError)
      throw new CliError(`${file}: ${err.message}`, EXIT_USAGE);
    throw err;
  }
  // without --seed, a fresh one: printed, so a run with random faults can be replayed
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const plan = planSteps(scenario.steps, seed);
  const firstEventId = await latestEventId(ctx);
  const kube = new KubeObjects(ctx.api);
  const clock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms, ctx.io.signal) };
  const results: StepResult[] = [];
  if (!ctx.json) ctx.print(`scenario ${scenario.name} (seed ${seed}) against ${ctx.server}`);

  await runPlan(plan, clock, async (run, startedMs) => {
    const began = clock.now();
    const result: StepResult = {
      step: run.step.index,
      line: run.step.line,
      repeat: run.repeat,
      kind: run.step.action.kind,
      due_ms: run.dueMs,
      started_ms: startedMs,
      took_ms: 0,
      what: describe(run.step.action),
      result: 'done',
    };
    try {
      const verdict = await perform(ctx, kube, run, firstEventId, clock);
      if (verdict) {
        result.result = verdict.held ? 'held' : 'failed';
        result.seen = verdict.seen;
      }
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT_FAILURE) throw err;
      result.result = 'failed';
      result.error = err.message;
    }
    result.took_ms = clock.now() - began;
    results.push(result);
    if (!ctx.json) ctx.print(timelineLine(ctx, result, run));
    return result.result !== 'failed';
  });

  const failed = results.find((r) => r.result === 'failed');
  const expectations = results.filter((r) => r.kind === 'expect');
  if (ctx.json) {
    ctx.print(
      JSON.stringify({ scenario: scenario.name, seed, passed: !failed, steps: results }, null, 2),
    );
  } else if (!failed) {
    ctx.print(`passed: ${expectations.length} of ${expectations.length} expectations held`);
  }
  if (failed) {
    const where = `step ${failed.step} (line ${failed.line})`;
    throw new CliError(
      failed.kind === 'expect'
        ? `${where}: expected ${failed.what}, saw ${failed.seen}`
        : `${where}: ${failed.what} failed: ${failed.error}`,
    );
  }
}

function timelineLine(ctx: CommandContext, r: StepResult, run: Occurrence): string {
  const time = `+${(r.started_ms / 1000).toFixed(1)}s`.padStart(8);
  const repeat = run.step.times > 1 ? ` [${run.repeat}/${run.step.times}]` : '';
  const { green, red } = ctx.palette;
  if (r.kind === 'expect') {
    const took = `${(r.took_ms / 1000).toFixed(1)}s`;
    return r.result === 'held'
      ? `${time}  expect ${r.what}${repeat}: ${green('held')} after ${took} (${r.seen})`
      : `${time}  expect ${r.what}${repeat}: ${red('FAILED')} after ${took}, saw ${r.seen}`;
  }
  if (r.result === 'failed') return `${time}  ${r.what}${repeat}: ${red('FAILED')}: ${r.error}`;
  return `${time}  ${r.what}${repeat}`;
}

function describe(action: Action): string {
  switch (action.kind) {
    case 'addNodes':
      return action.count === 1
        ? `addNodes ${action.prefix}-1 (${action.cpu} cpu)`
        : `addNodes ${action.prefix}-1..${action.prefix}-${action.count} (${action.cpu} cpu each)`;
    case 'deleteNode':
    case 'restartNode':
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return `${action.kind} ${action.name}`;
    case 'failNode':
      return `failNode ${action.name} (${action.mode})`;
    case 'setScheduler':
      return `setScheduler ${action.algorithm}`;
    case 'autoscaler':
      return `autoscaler ${Object.entries(action.settings)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}`;
    case 'wait':
      return `wait ${action.ms / 1000}s`;
    case 'apply':
      return `apply ${[
        ...action.manifests.map((m) => {
          const meta = m.metadata as { name: string };
          return `${String(m.kind).toLowerCase()}/${meta.name}`;
        }),
        ...action.pods.map((p) => `pod/${String(p.name)}`),
      ].join(', ')}`;
    case 'delete':
      return `delete ${action.target ?? `pod/${action.pod}`}`;
    case 'scale':
      return `scale ${action.target} to ${action.replicas}`;
    case 'expect':
      return describeExpectation(action.expectation);
  }
}

/** Does what the step says; an expect answers its verdict. */
async function perform(
  ctx: CommandContext,
  kube: KubeObjects,
  run: Occurrence,
  firstEventId: bigint,
  clock: Clock,
): Promise<Verdict | undefined> {
  const { api } = ctx;
  const action = run.step.action;
  switch (action.kind) {
    case 'addNodes':
      for (let i = 1; i <= action.count; i++) {
        await api.post('/nodes', {
          name: `${action.prefix}-${i}`,
          cpu_cores: action.cpu,
          ...(action.memory !== undefined ? { memory_mb: action.memory } : {}),
        });
      }
      return;
    case 'deleteNode':
      await api.delete(`/nodes/${segment(action.name)}`);
      return;
    case 'failNode':
      await api.post(`/nodes/${segment(action.name)}/simulate/failure`, { mode: action.mode });
      return;
    case 'restartNode':
      await api.post(`/nodes/${segment(action.name)}/restart`);
      return;
    case 'cordon':
      await api.post(`/nodes/${segment(action.name)}/cordon`);
      return;
    case 'setScheduler':
      await api.put('/scheduler', { algorithm: action.algorithm });
      return;
    case 'autoscaler':
      await api.put('/autoscaler', action.settings);
      return;
    case 'wait':
      await clock.sleep(action.ms);
      return;
    case 'uncordon':
      await api.post(`/nodes/${segment(action.name)}/uncordon`);
      return;
    case 'drain':
      await kube.drain(action.name);
      return;
    case 'apply':
      for (const manifest of action.manifests) await kube.apply(manifest as KubeObject);
      for (const pod of action.pods) await api.post('/pods', pod);
      return;
    case 'delete':
      if (action.target) await kube.delete(action.target, action.namespace);
      else
        await api.delete(
          `/pods/${segment(action.pod!)}${action.namespace ? `?namespace=${encodeURIComponent(action.namespace)}` : ''}`,
        );
      return;
    case 'scale':
      await kube.scale(action.target, action.replicas, action.namespace);
      return;
    case 'expect': {
      const deadline = clock.now() + action.withinMs;
      for (;;) {
        const verdict = await check(ctx, kube, action.expectation, firstEventId);
        if (verdict.held || clock.now() >= deadline) return verdict;
        await clock.sleep(Math.min(POLL_MS, deadline - clock.now()));
      }
    }
  }
}

async function check(
  ctx: CommandContext,
  kube: KubeObjects,
  e: Extract<Action, { kind: 'expect' }>['expectation'],
  firstEventId: bigint,
): Promise<Verdict> {
  if (e.on === 'pods') return checkPods(e, await podsSeen(ctx, kube, e));
  if (e.on === 'nodes')
    return checkNodes(e, await ctx.api.get<NodeView[]>('/nodes', { limit: 5000 }));
  if (e.on === 'reach')
    return checkReach(
      e,
      await ctx.api.get<{ allowed: boolean; reason: string }>('/network/reachability', {
        from: e.from,
        to: e.to,
        port: e.port,
      }),
    );
  const events = await ctx.api.get<EventView[]>('/events', {
    reason: e.reason,
    object: e.object,
    limit: 5000,
  });
  return checkEvent(
    e,
    events.filter((ev) => BigInt(ev.id) > firstEventId),
  );
}

/**
 * The pods an expectation looks at: by name prefix through kubesim's API (its statuses),
 * or by label selector or phase through the Kubernetes API (its phases).
 */
async function podsSeen(
  ctx: CommandContext,
  kube: KubeObjects,
  e: Extract<Extract<Action, { kind: 'expect' }>['expectation'], { on: 'pods' }>,
): Promise<PodSeen[]> {
  if (e.selector === undefined && e.phase === undefined && e.image === undefined)
    return ctx.api.get<PodView[]>('/pods', { limit: 5000, namespace: e.namespace });
  return (await kube.pods(e.namespace, e.selector)).map((p) => ({
    name: p.metadata?.name ?? '',
    phase: p.status?.phase,
    images: (p.spec?.containers ?? []).map((c) => c.image ?? ''),
    node_name: p.spec?.nodeName ?? null,
  }));
}

/** Events before the run do not count for an `expect: {event: ...}`. */
async function latestEventId(ctx: CommandContext): Promise<bigint> {
  const [latest] = await ctx.api.get<EventView[]>('/events', { limit: 1 });
  return latest ? BigInt(latest.id) : 0n;
}

export function registerScenarioCommand(program: Command, io: CliIo): void {
  program
    .command('scenario')
    .description('scripted, timed, self-checking lessons')
    .command('run')
    .description(
      "play a scenario file against kubesim: a timeline of its steps and each expectation's result (exit 0 all held, 1 one did not, 2 a malformed file)",
    )
    .argument('<file>', 'scenario YAML (apiVersion: kubesim.io/v1alpha1, kind: Scenario)')
    .option('--seed <n>', 'seed of the jitter, to replay a run exactly', nonNegativeInteger)
    .action((file: string, options: { seed?: number }, cmd: Command) =>
      runScenario(CommandContext.of(io, cmd), file, options),
    );
}
