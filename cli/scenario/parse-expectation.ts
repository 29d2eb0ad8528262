import type { Expectation, Fail } from './scenario';

const POD_STATUSES = ['pending', 'scheduled', 'running', 'succeeded', 'failed'];
/** a pod's phase as the Kubernetes API shows it */
const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'];
const NODE_STATUSES = [
  'pending',
  'healthy',
  'failed',
  'recovering',
  'permanently_failed',
  'stopped',
];

export function readExpectation(
  value: unknown,
  path: Array<string | number>,
  fail: Fail,
): Expectation {
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
