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
const REQUIRED_COMPONENTS = ['kubelet', 'container_runtime', 'kube_proxy', 'node_agent'];
const OPTIONAL_COMPONENTS = new Set(['api_server', 'scheduler', 'controller_manager', 'etcd']);

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntIn = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNumberIn = (v: unknown, min: number, max: number) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isShortString = (v: unknown, max: number) => typeof v === 'string' && v.length <= max;

function plainComponents(v: unknown): boolean {
  if (!isPlain(v)) return false;
  let required = 0;
  for (const key in v) {
    if (REQUIRED_COMPONENTS.includes(key)) required++;
    else if (!OPTIONAL_COMPONENTS.has(key)) return false;
    if (!COMPONENT_STATUS.has(v[key] as string)) return false;
  }
  return required === REQUIRED_COMPONENTS.length;
}

function plainContainer(v: unknown): boolean {
  if (!isPlain(v)) return false;
  for (const key in v) {
    const value = v[key];
    switch (key) {
      case 'name':
        if (!isShortString(value, MAX_NAME)) return false;
        break;
      case 'status':
        if (!CONTAINER_STATUS.has(value as string)) return false;
        break;
      case 'restart_count':
        if (!isIntIn(value, 0, MAX_INT)) return false;
        break;
      case 'cpu_usage':
        if (!isNumberIn(value, 0, MAX_CORES)) return false;
        break;
      case 'memory_usage':
        if (!isNumberIn(value, 0, MAX_MIB)) return false;
        break;
      case 'ready':
        if (typeof value !== 'boolean') return false;
        break;
      case 'waiting_reason':
        if (!isShortString(value, MAX_NAME)) return false;
        break;
      default:
        // started_at, terminated, last_terminated and anything unknown: the full way
        return false;
    }
  }
  return typeof v.name === 'string' && typeof v.status === 'string';
}

function plainPod(v: unknown): boolean {
  if (!isPlain(v)) return false;
  for (const key in v) {
    const value = v[key];
    switch (key) {
      case 'id':
        if (!isIntIn(value, 1, MAX_INT)) return false;
        break;
      case 'status':
        if (!POD_STATUS.has(value as string)) return false;
        break;
      case 'containers':
        if (!Array.isArray(value) || value.length > MAX_CONTAINERS || !value.every(plainContainer))
          return false;
        break;
      case 'reason':
        if (!isShortString(value, MAX_REASON)) return false;
        break;
      case 'finished':
        if (typeof value !== 'boolean') return false;
        break;
      default:
        return false;
    }
  }
  return v.id !== undefined && v.status !== undefined && v.containers !== undefined;
}

/**
 * The body as the handler gets it when it is a plain, valid heartbeat; null when the full
 * validation must look at it (it may still be valid).
 */
export function plainHeartbeat(body: unknown): HeartbeatDto | null {
  if (!isPlain(body)) return null;
  for (const key in body) {
    const value = body[key];
    switch (key) {
      case 'pod_ids':
        if (!Array.isArray(value) || value.length > MAX_PODS) return null;
        for (const id of value) if (!isIntIn(id, 1, MAX_INT)) return null;
        break;
      case 'cpu_cores_avail':
      case 'cpu_usage':
        if (!isNumberIn(value, 0, MAX_CORES)) return null;
        break;
      case 'memory_usage':
        if (!isNumberIn(value, 0, MAX_MIB)) return null;
        break;
      case 'health_status':
        if (!AGENT_HEALTH_STATUS.has(value as string)) return null;
        break;
      case 'components':
        if (!plainComponents(value)) return null;
        break;
      case 'pods':
        if (!Array.isArray(value) || value.length > MAX_PODS || !value.every(plainPod)) return null;
        break;
      case 'logs':
        // log lines carry times to check: only an empty list is plain
        if (!Array.isArray(value) || value.length) return null;
        break;
      case 'pods_version':
        if (!isIntIn(value, 0, MAX_INT)) return null;
        break;
      default:
        return null;
    }
  }
  // (a null optional field is not plain either: the switch refused it)
  if (body.pod_ids === undefined || body.health_status === undefined) return null;
  if (body.components === undefined) return null;
  return body as unknown as HeartbeatDto;
}
