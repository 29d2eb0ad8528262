import {
  AGENT_HEALTH,
  COMPONENT_STATUSES,
  CONTAINER_STATUSES,
  HeartbeatDto,
  MAX_CONTAINERS,
  MAX_CORES,
  MAX_INT,
  MAX_MIB,
  MAX_NAME,
  MAX_PODS,
  MAX_REASON,
  POD_STATUSES,
} from './heartbeat.dto';

/*
 * A heartbeat body checked without class-validator, for the beats agents send all the
 * time. It only ever accepts what `HeartbeatDto`'s rules (with the pipe's whitelist and
 * forbidNonWhitelisted) accept, with the rules' own values; anything it is not sure of (a
 * restarted container's times, log lines, a null, a key it does not know) goes on to the
 * full validation, which also writes the error messages. The spec holds the two side by
 * side on generated bodies.
 */

const COMPONENT_STATUS = new Set<string>(COMPONENT_STATUSES);
const AGENT_HEALTH_STATUS = new Set<string>(AGENT_HEALTH);
const POD_STATUS = new Set(POD_STATUSES);
const CONTAINER_STATUS = new Set(CONTAINER_STATUSES);

type Plain = Record<string, unknown>;
type Check = (v: unknown) => boolean;

const isPlain = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const intIn = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const numberIn = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const stringUpTo = (max: number) => (v: unknown) => typeof v === 'string' && v.length <= max;
const oneOf = (values: Set<string>) => (v: unknown) => values.has(v as string);
const isBoolean = (v: unknown) => typeof v === 'boolean';
const listOf = (max: number, each: Check) => (v: unknown) =>
  Array.isArray(v) && v.length <= max && v.every(each);

/**
 * An object with only these fields, each passing its check, and every required one there.
 * A field it does not list (an unknown key, or one it leaves to the full validation) makes
 * it unsure; a null is no value of any check, so an optional field's null is unsure too.
 */
const objectOf = (fields: Record<string, Check>, required: readonly string[]) => {
  const checks = new Map(Object.entries(fields));
  return (v: unknown): boolean => {
    if (!isPlain(v)) return false;
    for (const key in v) {
      const check = checks.get(key);
      if (!check || !check(v[key])) return false;
    }
    for (const key of required) if (v[key] === undefined) return false;
    return true;
  };
};

const componentStatus = oneOf(COMPONENT_STATUS);
const plainComponents = objectOf(
  {
    kubelet: componentStatus,
    container_runtime: componentStatus,
    kube_proxy: componentStatus,
    node_agent: componentStatus,
    api_server: componentStatus,
    scheduler: componentStatus,
    controller_manager: componentStatus,
    etcd: componentStatus,
  },
  ['kubelet', 'container_runtime', 'kube_proxy', 'node_agent'],
);

// started_at, terminated and last_terminated carry times to check: the full way
const plainContainer = objectOf(
  {
    name: stringUpTo(MAX_NAME),
    status: oneOf(CONTAINER_STATUS),
    restart_count: intIn(0, MAX_INT),
    cpu_usage: numberIn(0, MAX_CORES),
    memory_usage: numberIn(0, MAX_MIB),
    ready: isBoolean,
    waiting_reason: stringUpTo(MAX_NAME),
  },
  ['name', 'status'],
);

const plainPod = objectOf(
  {
    id: intIn(1, MAX_INT),
    status: oneOf(POD_STATUS),
    containers: listOf(MAX_CONTAINERS, plainContainer),
    reason: stringUpTo(MAX_REASON),
    finished: isBoolean,
  },
  ['id', 'status', 'containers'],
);

const plainBeat = objectOf(
  {
    pod_ids: listOf(MAX_PODS, intIn(1, MAX_INT)),
    cpu_cores_avail: numberIn(0, MAX_CORES),
    cpu_usage: numberIn(0, MAX_CORES),
    memory_usage: numberIn(0, MAX_MIB),
    health_status: oneOf(AGENT_HEALTH_STATUS),
    components: plainComponents,
    pods: listOf(MAX_PODS, plainPod),
    // log lines carry times to check: only an empty list is plain
    logs: listOf(0, () => false),
    pods_version: intIn(0, MAX_INT),
  },
  ['pod_ids', 'health_status', 'components'],
);

/**
 * The body as the handler gets it when it is a plain, valid heartbeat; null when the full
 * validation must look at it (it may still be valid).
 */
export function plainHeartbeat(body: unknown): HeartbeatDto | null {
  return plainBeat(body) ? (body as HeartbeatDto) : null;
}
