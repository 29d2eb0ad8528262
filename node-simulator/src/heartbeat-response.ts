/**
 * Checks a heartbeat answer before the agent acts on it. Only the fields the agent uses
 * are checked; optional lists default to empty. A pod whose spec is malformed (but whose
 * id is readable) is set apart as rejected, so the agent fails that pod and keeps the
 * others; an answer whose shape is wrong, or with an unreadable pod id, is rejected whole
 * (the agent keeps what it runs).
 */
import {
  ConfigSpec,
  ContainerSpec,
  HeartbeatResponse,
  PodAssignment,
  VolumeSpec,
  WatchResponse,
} from './wire';

/** A pod in an answer whose spec the agent cannot use: it fails on the node with the reason. */
export interface RejectedPod {
  id: number;
  name: string;
  reason: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Json = Record<string, unknown>;

class Invalid extends Error {}

/** Parses an answer and checks it with `read`; a bad one becomes a reason, never a throw. */
function parseAnswer<T>(text: string, read: (body: Json) => T): Parsed<T> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  try {
    return { ok: true, value: read(object(data, 'answer')) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

export function parseHeartbeatResponse(
  text: string,
): Parsed<HeartbeatResponse & { rejected: RejectedPod[] }> {
  return parseAnswer(text, (body) => {
    const terminate = optional(body.terminate, false, (v) => boolean(v, 'terminate'));
    // A terminate order needs nothing else to be obeyed.
    const { pods, rejected } =
      terminate && body.pods === undefined ? { pods: [], rejected: [] } : podList(body.pods);
    return {
      node_id: optional(body.node_id, 0, (v) => number(v, 'node_id')),
      node_name: optional(body.node_name, '', (v) => string(v, 'node_name')),
      health_status: optional(body.health_status, '', (v) => string(v, 'health_status')),
      terminate,
      heartbeat_interval_ms: optional(body.heartbeat_interval_ms, 0, (v) =>
        number(v, 'heartbeat_interval_ms'),
      ),
      pods,
      rejected,
      pod_ids: podIds(body.pod_ids),
      pods_version: optional<number | undefined>(body.pods_version, undefined, (v) =>
        number(v, 'pods_version'),
      ),
    };
  });
}

/** For assignments pushed through another channel than the heartbeat answer. */
export function parsePodAssignments(
  value: unknown,
): Parsed<{ pods: PodAssignment[]; rejected: RejectedPod[] }> {
  try {
    return { ok: true, value: podList(value) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

function podIds(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  return array(value, 'pod_ids').map((v, i) => podId(v, `pod_ids[${i}]`));
}

function podId(value: unknown, at: string): number {
  const id = number(value, at);
  if (!Number.isSafeInteger(id) || id < 0) throw new Invalid(`${at} is not an id`);
  return id;
}

function podList(value: unknown): { pods: PodAssignment[]; rejected: RejectedPod[] } {
  const pods: PodAssignment[] = [];
  const rejected: RejectedPod[] = [];
  const ids = new Set<number>();
  array(value, 'pods').forEach((item, i) => {
    const at = `pods[${i}]`;
    const id = podId(object(item, at).id, `${at}.id`);
    if (ids.has(id)) throw new Invalid(`pod id ${id} listed twice`);
    ids.add(id);
    try {
      pods.push(podAssignment(item, at));
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const name = (item as Json).name;
      rejected.push({
        id,
        name: typeof name === 'string' && name ? name : `pod-${id}`,
        reason: `its spec is malformed: ${error.message}`,
      });
    }
  });
  return { pods, rejected };
}

function podAssignment(value: unknown, at: string): PodAssignment {
  const pod = object(value, at);
  const id = podId(pod.id, `${at}.id`);
  return {
    id,
    name: nonEmpty(pod.name, `${at}.name`),
    ip: pod.ip === undefined || pod.ip === null ? null : string(pod.ip, `${at}.ip`),
    cpu_cores_req: optional(pod.cpu_cores_req, 0, (v) => quantity(v, `${at}.cpu_cores_req`)),
    memory_mb_req: optional(pod.memory_mb_req, 0, (v) => quantity(v, `${at}.memory_mb_req`)),
    restart_count: optional(pod.restart_count, 0, (v) => quantity(v, `${at}.restart_count`)),
    restart_policy: optional<PodAssignment['restart_policy']>(
      pod.restart_policy,
      undefined,
      (v) => {
        if (v !== 'Always' && v !== 'OnFailure' && v !== 'Never')
          throw new Invalid(`${at}.restart_policy is not Always, OnFailure or Never`);
        return v;
      },
    ),
    annotations: optional<Record<string, string> | undefined>(pod.annotations, undefined, (v) =>
      stringMap(v, `${at}.annotations`),
    ),
    backoff_initial_ms: optional<number | undefined>(pod.backoff_initial_ms, undefined, (v) =>
      quantity(v, `${at}.backoff_initial_ms`),
    ),
    backoff_max_ms: optional<number | undefined>(pod.backoff_max_ms, undefined, (v) =>
      quantity(v, `${at}.backoff_max_ms`),
    ),
    containers: list(pod.containers, `${at}.containers`, container),
    volumes: list(pod.volumes, `${at}.volumes`, volume),
    config: list(pod.config, `${at}.config`, configItem),
  };
}

function container(value: unknown, at: string): ContainerSpec {
  const c = object(value, at);
  return {
    name: nonEmpty(c.name, `${at}.name`),
    image: optional(c.image, '', (v) => string(v, `${at}.image`)),
    cpu_req: optional(c.cpu_req, 0, (v) => quantity(v, `${at}.cpu_req`)),
    memory_req: optional(c.memory_req, 0, (v) => quantity(v, `${at}.memory_req`)),
    // Not used by the simulation; the API accepts strings here too, so no check.
    command: Array.isArray(c.command) ? c.command.map(String) : [],
    args: Array.isArray(c.args) ? c.args.map(String) : [],
  };
}

function volume(value: unknown, at: string): VolumeSpec {
  const v = object(value, at);
  return {
    name: nonEmpty(v.name, `${at}.name`),
    // Unknown types are kept: the agent gives them a plain folder.
    type: nonEmpty(v.type, `${at}.type`) as VolumeSpec['type'],
    size: optional(v.size, 0, (x) => quantity(x, `${at}.size`)),
    path: optional(v.path, '', (x) => string(x, `${at}.path`)),
  };
}

function configItem(value: unknown, at: string): ConfigSpec {
  const c = object(value, at);
  return {
    name: optional(c.name, '', (v) => string(v, `${at}.name`)),
    type: nonEmpty(c.type, `${at}.type`) as ConfigSpec['type'],
    key: nonEmpty(c.key, `${at}.key`),
    value: string(c.value, `${at}.value`),
  };
}

function list<T>(value: unknown, at: string, item: (v: unknown, at: string) => T): T[] {
  if (value === undefined || value === null) return [];
  return array(value, at).map((v, i) => item(v, `${at}[${i}]`));
}

function optional<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
  return value === undefined || value === null ? fallback : check(value);
}

function object(value: unknown, at: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(`${at} is not an object`);
  }
  return value as Json;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new Invalid(`${at} is not a list`);
  return value;
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') throw new Invalid(`${at} is not a string`);
  return value;
}

function nonEmpty(value: unknown, at: string): string {
  const s = string(value, at);
  if (s.length === 0) throw new Invalid(`${at} is empty`);
  return s;
}

function stringMap(value: unknown, at: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object(value, at))) out[k] = string(v, `${at}.${k}`);
  return out;
}

function boolean(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') throw new Invalid(`${at} is not a boolean`);
  return value;
}

/** Numeric strings pass too: decimal columns often reach JSON as strings. */
function number(value: unknown, at: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Invalid(`${at} is not a number`);
  return n;
}

/** A quantity: finite and not negative. */
function quantity(value: unknown, at: string): number {
  const n = number(value, at);
  if (n < 0) throw new Invalid(`${at} is negative`);
  return n;
}

/** Checks a watch answer (POST /nodes/:id/watch) the same way. */
export function parseWatchResponse(
  text: string,
): Parsed<WatchResponse & { rejected: RejectedPod[] }> {
  return parseAnswer(text, (body) => {
    const changed = boolean(body.changed, 'changed');
    const list = changed ? podList(body.pods) : undefined;
    return {
      pods_version: number(body.pods_version, 'pods_version'),
      changed,
      pods: list?.pods,
      rejected: list?.rejected ?? [],
      pod_ids: changed ? podIds(body.pod_ids) : undefined,
    };
  });
}
