import { parseDuration } from './duration';
import { readDocuments } from './parse-documents';
import { readExpectation } from './parse-expectation';
import { type Action, type Fail, FAILURE_MODES, STEP_KINDS } from './scenario';

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

export function readAction(
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
