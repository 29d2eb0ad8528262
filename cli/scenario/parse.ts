import YAML, { isMap, LineCounter, type Node } from 'yaml';
import { ConfigError, loadConfig, TIMING_PRESETS } from '../../src/config/app-config';

export const SCENARIO_API_VERSION = 'kubesim.io/v1alpha1';
export const FAILURE_MODES = ['crash', 'hang', 'partition'] as const;
const POD_STATUSES = ['pending', 'scheduled', 'running', 'succeeded', 'failed'];
/** a pod's phase as the Kubernetes API shows it */
const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'];
/** what an `autoscaler` step may set (the server checks the values) */
const AUTOSCALER_FIELDS = [
  'enabled',
  'min_nodes',
  'max_nodes',
  'node_cpu_cores',
  'node_memory_mb',
  'scale_up_delay_s',
  'scale_down_idle_s',
];
/** what `scale` may scale: kinds with a scale subresource */
const SCALABLE = ['deployment', 'replicaset'];
const NODE_STATUSES = [
  'pending',
  'healthy',
  'failed',
  'recovering',
  'permanently_failed',
  'stopped',
];
/** how long an `expect` without `within` may wait for its condition */
export const DEFAULT_WITHIN_MS = 0;

export type Action =
  | { kind: 'addNodes'; count: number; cpu: number; prefix: string; memory?: number }
  | { kind: 'deleteNode'; name: string }
  | { kind: 'failNode'; name: string; mode: (typeof FAILURE_MODES)[number] }
  | { kind: 'restartNode'; name: string }
  | { kind: 'cordon'; name: string }
  | { kind: 'uncordon'; name: string }
  | { kind: 'setScheduler'; algorithm: string }
  /** the cluster autoscaler's settings, as PUT /autoscaler takes them */
  | { kind: 'autoscaler'; settings: Record<string, unknown> }
  | { kind: 'wait'; ms: number }
  | { kind: 'drain'; name: string }
  | {
      kind: 'apply';
      /** kubesim pod documents (the body of POST /pods) */
      pods: Array<Record<string, unknown>>;
      /** Kubernetes manifests (apiVersion, kind), through the Kubernetes API */
      manifests: Array<Record<string, unknown>>;
    }
  /** a bare name is a pod of kubesim's API; `kind/name` an object of the Kubernetes API */
  | { kind: 'delete'; pod?: string; target?: string; namespace?: string }
  | { kind: 'scale'; target: string; replicas: number; namespace?: string }
  | { kind: 'expect'; expectation: Expectation; withinMs: number };

export type Expectation =
  | {
      on: 'pods';
      /** names that start with it (kubesim's REST API) … */
      prefix?: string;
      /** … or a label selector such as `app=web` (the Kubernetes API) */
      selector?: string;
      namespace?: string;
      /** kubesim's status (pending, scheduled, running, …) */
      status?: string;
      /** or the Kubernetes phase (Pending, Running, Succeeded, Failed) */
      phase?: string;
      /** every pod counted runs a container of this image (the Kubernetes API) */
      image?: string;
      count?: number;
      onNode?: string;
      notOnNode?: string;
    }
  | { on: 'reach'; from: string; to: string; port: number; allowed: boolean }
  | { on: 'nodes'; name?: string; prefix?: string; status: string; count?: number }
  | { on: 'event'; reason: string; object?: string };

export interface Step {
  /** 1-based position in `steps` */
  index: number;
  /** line of the step in the file */
  line: number;
  atMs: number;
  everyMs?: number;
  times: number;
  jitterMs: number;
  action: Action;
}

export interface Scenario {
  name: string;
  steps: Step[];
  /**
   * The timings of the cluster the scenario is meant for, as the server's variables
   * (`KUBESIM_TIMINGS`, `HEARTBEAT_INTERVAL_MS`, …): a cluster `scenario run --start` makes
   * gets them; a running one is only compared with them.
   */
  timings: Record<string, string> | null;
}

/** A scenario's `timings` fields and the server variables they set (milliseconds). */
export const TIMING_FIELDS: Record<string, string> = {
  heartbeatInterval: 'HEARTBEAT_INTERVAL_MS',
  nodeFailureTimeout: 'NODE_FAILURE_TIMEOUT_MS',
  podEvictionDelay: 'POD_EVICTION_DELAY_MS',
  monitorInterval: 'MONITOR_INTERVAL_MS',
};

/** A file kubesim cannot play: where (line) and which field. */
export class ScenarioSyntaxError extends Error {
  constructor(
    readonly line: number | null,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${line === null ? '' : `line ${line}: `}${field ? `${field}: ` : ''}${problem}`);
  }
}

const STEP_KINDS = [
  'addNodes',
  'deleteNode',
  'failNode',
  'restartNode',
  'cordon',
  'uncordon',
  'drain',
  'setScheduler',
  'autoscaler',
  'wait',
  'apply',
  'delete',
  'scale',
  'expect',
] as const;
const TIMING_KEYS = ['at', 'every', 'times', 'jitter', 'within'];

/** "500ms", "3s", "2m", "1.5s" or a bare number of seconds → milliseconds; null if unreadable. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (!m) return null;
  const factor = { ms: 1, s: 1000, m: 60000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'];
  return Math.round(Number(m[1]) * factor);
}

/** Reads a scenario file's text; throws ScenarioSyntaxError naming the line and field. */
export function parseScenario(text: string): Scenario {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lines.linePos(err.pos[0]).line;
    throw new ScenarioSyntaxError(line, '', `not valid YAML: ${err.message.split('\n')[0]}`);
  }
  const lineOf = (path: Array<string | number>): number | null => {
    // the nearest node that exists along the path
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | undefined;
      if (node && node.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
  const fieldName = (path: Array<string | number>) =>
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const fail = (path: Array<string | number>, problem: string): never => {
    throw new ScenarioSyntaxError(lineOf(path), fieldName(path), problem);
  };

  if (!isMap(doc.contents)) fail([], 'a scenario is a mapping (apiVersion, kind, steps)');
  const root = doc.toJS() as Record<string, unknown>;
  if (root.apiVersion !== SCENARIO_API_VERSION)
    fail(['apiVersion'], `expected ${SCENARIO_API_VERSION}`);
  if (root.kind !== 'Scenario') fail(['kind'], 'expected Scenario');
  const metadata = root.metadata as Record<string, unknown> | undefined;
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null))
    fail(['metadata'], 'expected a mapping with a name');
  const name = metadata?.name ?? 'scenario';
  if (typeof name !== 'string' || name === '') fail(['metadata', 'name'], 'expected a name');
  if (!Array.isArray(root.steps) || root.steps.length === 0)
    fail(['steps'], 'expected a list of steps');

  const steps = (root.steps as unknown[]).map((raw, i) => {
    const path = ['steps', i];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      fail(path, 'a step is a mapping such as {at: 0s, addNodes: {...}}');
    const step = raw as Record<string, unknown>;
    const kinds = Object.keys(step).filter((k) => !TIMING_KEYS.includes(k));
    const unknown = kinds.filter((k) => !(STEP_KINDS as readonly string[]).includes(k));
    if (unknown.length)
      fail([...path, unknown[0]], `unknown step kind; expected one of ${STEP_KINDS.join(', ')}`);
    if (kinds.length !== 1)
      fail(path, `a step has exactly one kind (${STEP_KINDS.join(', ')}), found ${kinds.length}`);
    const kind = kinds[0] as (typeof STEP_KINDS)[number];
    const duration = (key: string, fallback: number): number => {
      if (step[key] === undefined) return fallback;
      const ms = parseDuration(step[key]);
      if (ms === null) fail([...path, key], 'expected a duration such as 500ms, 3s or 2m');
      return ms as number;
    };
    const atMs = duration('at', -1);
    const everyMs = step.every === undefined ? undefined : duration('every', 0);
    if (everyMs !== undefined && everyMs <= 0) fail([...path, 'every'], 'must be longer than 0');
    let times = 1;
    if (step.times !== undefined) {
      if (!Number.isInteger(step.times) || (step.times as number) < 1)
        fail([...path, 'times'], 'expected a whole number of at least 1');
      if (everyMs === undefined) fail([...path, 'times'], 'needs `every` (the interval)');
      times = step.times as number;
    } else if (everyMs !== undefined) fail([...path, 'every'], 'needs `times` (how often)');
    const jitterMs = duration('jitter', 0);
    if (step.within !== undefined && kind !== 'expect')
      fail([...path, 'within'], 'only an expect step waits `within`');
    const action = readAction(kind, step[kind], [...path, kind], fail);
    if (action.kind === 'expect') action.withinMs = duration('within', DEFAULT_WITHIN_MS);
    const line = lineOf(path) ?? 0;
    return { index: i + 1, line, atMs, everyMs, times, jitterMs, action } as Step;
  });
  // a step without `at` follows the one before it
  let previous = 0;
  for (const step of steps) {
    if (step.atMs < 0) step.atMs = previous;
    previous = step.atMs;
  }
  return { name: name as string, steps, timings: parseTimings(root.timings, fail) };
}

/** `timings: fast`, or `timings: {preset: kubernetes, heartbeatInterval: 2s, …}`. */
function parseTimings(raw: unknown, fail: Fail): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  const presets = Object.keys(TIMING_PRESETS);
  const preset = (value: unknown, path: string[]) => {
    if (typeof value !== 'string' || !presets.includes(value))
      fail(path, `expected one of ${presets.join(', ')}`);
    return { KUBESIM_TIMINGS: value as string };
  };
  if (typeof raw === 'string') return preset(raw, ['timings']);
  if (typeof raw !== 'object' || Array.isArray(raw))
    fail(['timings'], `expected a preset (${presets.join(', ')}) or a mapping of durations`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'preset') {
      Object.assign(out, preset(value, ['timings', key]));
      continue;
    }
    const variable = TIMING_FIELDS[key];
    if (!variable)
      fail(
        ['timings', key],
        `unknown timing; expected preset, ${Object.keys(TIMING_FIELDS).join(', ')}`,
      );
    const ms = parseDuration(value);
    if (ms === null) fail(['timings', key], 'expected a duration such as 500ms, 3s or 2m');
    out[variable] = String(ms);
  }
  try {
    // the server's own checks (a failure timeout longer than the heartbeat interval, …)
    loadConfig(out);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(['timings'], err.problems.join('; '));
  }
  return out;
}

type Fail = (path: Array<string | number>, problem: string) => never;

function readAction(
  kind: (typeof STEP_KINDS)[number],
  value: unknown,
  path: Array<string | number>,
  fail: Fail,
): Action {
  const obj = (allowed: string[]): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(path, `expected a mapping (${allowed.join(', ')})`);
    const o = value as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => !allowed.includes(k));
    if (extra) fail([...path, extra], `unknown field; expected ${allowed.join(', ')}`);
    return o;
  };
  const str = (o: Record<string, unknown>, key: string, required = true): string | undefined => {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') fail([...path, key], 'expected a non-empty string');
    return v as string;
  };
  const num = (o: Record<string, unknown>, key: string, integer: boolean, required = true) => {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    if (
      typeof v !== 'number' ||
      !(v > 0 || (integer && v === 0)) ||
      (integer && !Number.isInteger(v))
    )
      fail([...path, key], integer ? 'expected a whole number' : 'expected a positive number');
    return v as number;
  };
  const oneOf = (
    o: Record<string, unknown>,
    key: string,
    allowed: readonly string[],
    required = true,
  ) => {
    const v = str(o, key, required);
    if (v !== undefined && !allowed.includes(v))
      fail([...path, key], `expected one of ${allowed.join(', ')}`);
    return v;
  };
  /** `cordon: worker-1` or `cordon: {name: worker-1}` */
  const nodeName = (): string => {
    if (typeof value === 'string' && value !== '') return value;
    return str(obj(['name']), 'name') as string;
  };

  switch (kind) {
    case 'addNodes': {
      const o = obj(['count', 'cpu', 'prefix', 'memory']);
      const count = num(o, 'count', true) as number;
      if (count < 1) fail([...path, 'count'], 'expected at least 1');
      return {
        kind,
        count,
        cpu: num(o, 'cpu', false) as number,
        prefix: str(o, 'prefix') as string,
        memory: num(o, 'memory', true, false),
      };
    }
    case 'deleteNode':
    case 'restartNode':
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return { kind, name: nodeName() };
    case 'failNode': {
      const o = obj(['name', 'mode']);
      return {
        kind,
        name: str(o, 'name') as string,
        mode: (oneOf(o, 'mode', FAILURE_MODES, false) ?? 'crash') as (typeof FAILURE_MODES)[number],
      };
    }
    case 'setScheduler': {
      if (typeof value === 'string' && value !== '') return { kind, algorithm: value };
      return { kind, algorithm: str(obj(['algorithm']), 'algorithm') as string };
    }
    case 'autoscaler': {
      const o = obj(AUTOSCALER_FIELDS);
      if (!Object.keys(o).length) fail(path, `expected one of ${AUTOSCALER_FIELDS.join(', ')}`);
      return { kind, settings: { ...o } };
    }
    case 'wait': {
      const ms = parseDuration(value);
      if (ms === null) fail(path, 'expected a duration such as 500ms, 3s or 2m');
      return { kind, ms: ms as number };
    }
    case 'delete': {
      const named = (ref: string, namespace?: string) =>
        ref.includes('/')
          ? { kind, target: kindSlashName(ref, path, fail), namespace }
          : { kind, pod: ref, namespace };
      if (typeof value === 'string' && value !== '') return named(value);
      const o = obj(['pod', 'name', 'namespace']);
      if ((o.pod === undefined) === (o.name === undefined))
        fail(path, 'expected either pod (a pod name) or name (kind/name, such as deployment/web)');
      return o.pod !== undefined
        ? { kind, pod: str(o, 'pod') as string, namespace: str(o, 'namespace', false) }
        : named(str(o, 'name') as string, str(o, 'namespace', false));
    }
    case 'scale': {
      const o = obj([...SCALABLE, 'replicas', 'namespace']);
      const which = SCALABLE.filter((k) => o[k] !== undefined);
      if (which.length !== 1)
        fail(path, `expected one of ${SCALABLE.join(', ')} (its name) and replicas`);
      return {
        kind,
        target: `${which[0]}/${str(o, which[0]) as string}`,
        replicas: num(o, 'replicas', true) as number,
        namespace: str(o, 'namespace', false),
      };
    }
    case 'apply':
      return { kind, ...readDocuments(value, path, fail) };
    case 'expect':
      return { kind, expectation: readExpectation(value, path, fail), withinMs: 0 };
  }
}

/** `deployment/web`: a kind and a name, both present. */
function kindSlashName(ref: string, path: Array<string | number>, fail: Fail): string {
  const [type, name, ...rest] = ref.split('/');
  if (!type || !name || rest.length)
    fail(path, `expected kind/name (such as deployment/web), got ${JSON.stringify(ref)}`);
  return ref;
}

/**
 * What an `apply` holds: one document, a list, or YAML text of several; each either a
 * Kubernetes manifest (apiVersion and kind: any kind the server serves) or a kubesim pod
 * document, as `kubesim launch-pod -f` takes it.
 */
function readDocuments(value: unknown, path: Array<string | number>, fail: Fail) {
  let docs: unknown[];
  if (typeof value === 'string') {
    const parsed = YAML.parseAllDocuments(value);
    if (!Array.isArray(parsed)) fail(path, 'not valid YAML');
    const list = parsed as YAML.Document[];
    const bad = list.find((d) => d.errors.length);
    if (bad) fail(path, `not valid YAML: ${bad.errors[0].message.split('\n')[0]}`);
    docs = list.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
  } else docs = Array.isArray(value) ? value : [value];
  if (docs.length === 0) fail(path, 'expected at least one document');
  const pods: Array<Record<string, unknown>> = [];
  const manifests: Array<Record<string, unknown>> = [];
  docs.forEach((doc, i) => {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      fail(path, `document ${i + 1}: expected a manifest (apiVersion, kind, metadata) or a pod`);
    const d = doc as Record<string, unknown>;
    if ('apiVersion' in d || 'kind' in d) {
      if (typeof d.apiVersion !== 'string' || d.apiVersion === '')
        fail(path, `document ${i + 1}: a manifest needs an apiVersion`);
      if (typeof d.kind !== 'string' || d.kind === '')
        fail(path, `document ${i + 1}: a manifest needs a kind`);
      const meta = d.metadata as { name?: unknown } | undefined;
      if (typeof meta?.name !== 'string' || meta.name === '')
        fail(path, `document ${i + 1}: a ${String(d.kind)} needs metadata.name`);
      manifests.push(d);
      return;
    }
    if (typeof d.name !== 'string' || d.name === '')
      fail(path, `document ${i + 1}: a pod needs a name (expectations find pods by name)`);
    pods.push(d);
  });
  return { pods, manifests };
}

function readExpectation(value: unknown, path: Array<string | number>, fail: Fail): Expectation {
  const targets = ['pods', 'nodes', 'event', 'reach'];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(path, `expected a mapping with one of ${targets.join(', ')}`);
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  const extra = keys.find((k) => !targets.includes(k));
  if (extra) fail([...path, extra], `unknown field; expected one of ${targets.join(', ')}`);
  if (keys.length !== 1) fail(path, `expected exactly one of ${targets.join(', ')}`);
  const on = keys[0];
  const sub = [...path, on];
  const inner = o[on];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner))
    fail(sub, 'expected a mapping');
  const m = inner as Record<string, unknown>;
  const allow = (allowed: string[]) => {
    const bad = Object.keys(m).find((k) => !allowed.includes(k));
    if (bad) fail([...sub, bad], `unknown field; expected ${allowed.join(', ')}`);
  };
  const str = (key: string, required: boolean, allowed?: readonly string[]) => {
    const v = m[key];
    if (v === undefined && !required) return undefined;
    // an empty prefix matches every name
    if (typeof v !== 'string' || (v === '' && key !== 'prefix'))
      fail([...sub, key], 'expected a non-empty string');
    if (allowed && !allowed.includes(v as string))
      fail([...sub, key], `expected one of ${allowed.join(', ')}`);
    return v as string;
  };
  const count = () => {
    const v = m.count;
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0)
      fail([...sub, 'count'], 'expected a whole number');
    return v as number;
  };
  if (on === 'pods') {
    allow([
      'prefix',
      'selector',
      'namespace',
      'status',
      'phase',
      'image',
      'count',
      'onNode',
      'notOnNode',
    ]);
    const prefix = str('prefix', false);
    const selector = str('selector', false);
    if ((prefix === undefined) === (selector === undefined))
      fail(sub, 'expected either prefix (of pod names) or selector (labels, such as app=web)');
    const status = str('status', false, POD_STATUSES);
    const phase = str('phase', false, POD_PHASES);
    if (status !== undefined && phase !== undefined)
      fail([...sub, 'phase'], "expected status (kubesim's) or phase (Kubernetes'), not both");
    const image = str('image', false);
    if (status !== undefined && (selector !== undefined || image !== undefined))
      fail(
        [...sub, 'status'],
        'with a selector or an image, give the Kubernetes phase (Running, …)',
      );
    return {
      on,
      prefix,
      selector,
      namespace: str('namespace', false),
      status,
      phase,
      image,
      count: count(),
      onNode: str('onNode', false),
      notOnNode: str('notOnNode', false),
    };
  }
  if (on === 'reach') {
    allow(['from', 'to', 'port', 'allowed']);
    const port = m.port;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      fail([...sub, 'port'], 'expected a port number (1-65535)');
    if (typeof m.allowed !== 'boolean') fail([...sub, 'allowed'], 'expected true or false');
    return {
      on,
      from: str('from', true) as string,
      to: str('to', true) as string,
      port: port as number,
      allowed: m.allowed as boolean,
    };
  }
  if (on === 'nodes') {
    allow(['name', 'prefix', 'status', 'count']);
    const name = str('name', false);
    const prefix = str('prefix', false);
    if ((name === undefined) === (prefix === undefined))
      fail(sub, 'expected either name or prefix');
    return {
      on,
      name,
      prefix,
      status: str('status', true, NODE_STATUSES) as string,
      count: count(),
    };
  }
  allow(['reason', 'object']);
  return { on: 'event', reason: str('reason', true) as string, object: str('object', false) };
}
