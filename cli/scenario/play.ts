import type { ApiClient } from '../api-client';
import { segment } from '../api-client';
import type { EventView, NodeView, PodView } from '../api-types';
import { CliError, EXIT_FAILURE } from '../errors';
import {
  checkEvent,
  checkNodes,
  checkPods,
  checkReach,
  describeExpectation,
  type PodSeen,
  type Verdict,
} from './expect';
import { type KubeObject, KubeObjects } from './kube-objects';
import type { Action, Scenario } from './scenario';
import { type Clock, type Occurrence, planSteps, runPlan } from './schedule';

/** How often an `expect ... within` asks the API again. */
const POLL_MS = 250;

/** What one run of a step did: the timeline's line, and the JSON report's entry. */
export interface StepResult {
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

export interface Played {
  passed: boolean;
  steps: StepResult[];
  /** the first step that failed */
  failed?: StepResult;
}

/**
 * Plays a parsed scenario against a kubesim API (the CLI's over HTTP, the server's over its
 * own loopback): each step when due, each expectation polled until it holds or times out.
 * `onStep` hears every step as it ends; the first failure ends the play.
 */
export async function playScenario(
  api: ApiClient,
  scenario: Scenario,
  seed: number,
  clock: Clock,
  onStep: (result: StepResult, run: Occurrence) => void = () => undefined,
): Promise<Played> {
  const plan = planSteps(scenario.steps, seed);
  const firstEventId = await latestEventId(api);
  const kube = new KubeObjects(api);
  const steps: StepResult[] = [];
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
      const verdict = await perform(api, kube, run, firstEventId, clock);
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
    steps.push(result);
    onStep(result, run);
    return result.result !== 'failed';
  });
  const failed = steps.find((r) => r.result === 'failed');
  return { passed: !failed, steps, failed };
}

/** The failure in one sentence: which step, what was expected or done, what was seen. */
export function failureMessage(failed: StepResult): string {
  const where = `step ${failed.step} (line ${failed.line})`;
  return failed.kind === 'expect'
    ? `${where}: expected ${failed.what}, saw ${failed.seen}`
    : `${where}: ${failed.what} failed: ${failed.error}`;
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
  api: ApiClient,
  kube: KubeObjects,
  run: Occurrence,
  firstEventId: bigint,
  clock: Clock,
): Promise<Verdict | undefined> {
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
        const verdict = await check(api, kube, action.expectation, firstEventId);
        if (verdict.held || clock.now() >= deadline) return verdict;
        await clock.sleep(Math.min(POLL_MS, deadline - clock.now()));
      }
    }
  }
}

async function check(
  api: ApiClient,
  kube: KubeObjects,
  e: Extract<Action, { kind: 'expect' }>['expectation'],
  firstEventId: bigint,
): Promise<Verdict> {
  if (e.on === 'pods') return checkPods(e, await podsSeen(api, kube, e));
  if (e.on === 'nodes') return checkNodes(e, await api.get<NodeView[]>('/nodes', { limit: 5000 }));
  if (e.on === 'reach')
    return checkReach(
      e,
      await api.get<{ allowed: boolean; reason: string }>('/network/reachability', {
        from: e.from,
        to: e.to,
        port: e.port,
      }),
    );
  const events = await api.get<EventView[]>('/events', {
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
  api: ApiClient,
  kube: KubeObjects,
  e: Extract<Extract<Action, { kind: 'expect' }>['expectation'], { on: 'pods' }>,
): Promise<PodSeen[]> {
  if (e.selector === undefined && e.phase === undefined && e.image === undefined)
    return api.get<PodView[]>('/pods', { limit: 5000, namespace: e.namespace });
  return (await kube.pods(e.namespace, e.selector)).map((p) => ({
    name: p.metadata?.name ?? '',
    phase: p.status?.phase,
    images: (p.spec?.containers ?? []).map((c) => c.image ?? ''),
    node_name: p.spec?.nodeName ?? null,
  }));
}

/** Events before the run do not count for an `expect: {event: ...}`. */
async function latestEventId(api: ApiClient): Promise<bigint> {
  const [latest] = await api.get<EventView[]>('/events', { limit: 1 });
  return latest ? BigInt(latest.id) : 0n;
}
