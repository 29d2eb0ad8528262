import YAML, { isMap, LineCounter, type Node } from 'yaml';
import { parseDuration } from './duration';
import { readAction } from './parse-action';
import { parseTimings } from './parse-timings';
import {
  DEFAULT_WITHIN_MS,
  type Scenario,
  SCENARIO_API_VERSION,
  ScenarioSyntaxError,
  type Step,
  STEP_KINDS,
} from './scenario';

const TIMING_KEYS = ['at', 'every', 'times', 'jitter', 'within'];

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
