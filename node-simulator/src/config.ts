/**
 * The program's inputs — environment for one agent, flags for a fleet — read and
 * checked in one place. Every problem is reported at once, in one line.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { NodeType } from './agent';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

export interface AgentConfig {
  nodeId: string;
  nodeName: string;
  apiServer: string;
  token: string;
  cpuCores: number;
  heartbeatIntervalMs: number;
  nodeType: NodeType;
  dataDir: string;
  /** KUBESIM_PARENT_PID, set by the API's process runtime: exit when that parent is gone */
  parentPid?: number;
}

/** The flags, named as FleetOptions names them. */
export interface FleetConfig {
  nodes: number;
  prefix: string;
  cpus: number;
  apiServer: string;
  intervalMs: number;
  nodeType: NodeType;
  dataDir: string;
  apiToken?: string;
  verbose: boolean;
}

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; errors: string[] };

type Env = Record<string, string | undefined>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseAgentEnv(env: Env): ConfigResult<AgentConfig> {
  const errors: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) errors.push(`${name} is required`);
    return value ?? '';
  };
  const nodeId = required('NODE_ID');
  const apiServer = url('API_SERVER', required('API_SERVER'), errors);
  const token = required('NODE_TOKEN');
  const cpuCores = positiveNumber('CPU_CORES', required('CPU_CORES'), errors);
  const nodeName = env.NODE_NAME?.trim() || (nodeId ? `node-${nodeId}` : '');
  if (nodeName && !DNS_LABEL.test(nodeName)) {
    errors.push('NODE_NAME must be a DNS-1123 label (lowercase letters, digits, -; at most 63)');
  }
  const heartbeatIntervalMs = env.HEARTBEAT_INTERVAL_MS?.trim()
    ? positiveInteger('HEARTBEAT_INTERVAL_MS', env.HEARTBEAT_INTERVAL_MS, errors)
    : DEFAULT_HEARTBEAT_INTERVAL_MS;
  const nodeType = nodeTypeOf('NODE_TYPE', env.NODE_TYPE?.trim() || 'worker', errors);
  const dataDir = env.DATA_DIR?.trim() || join('.', 'data', nodeName);
  const parentPid = env.KUBESIM_PARENT_PID?.trim()
    ? positiveInteger('KUBESIM_PARENT_PID', env.KUBESIM_PARENT_PID, errors)
    : undefined;
  if (errors.length > 0) return { ok: false, errors };
  const config: AgentConfig = {
    nodeId,
    nodeName,
    apiServer,
    token,
    cpuCores,
    heartbeatIntervalMs,
    nodeType,
    dataDir,
  };
  if (parentPid !== undefined) config.parentPid = parentPid;
  return { ok: true, config };
}

export const FLEET_USAGE =
  'usage: main.js --fleet N [--prefix sim] [--cpus 4] [--api http://127.0.0.1:3000] ' +
  '[--interval 5000] [--node-type worker|master] [--data-dir ./data] [--api-token T] [--verbose]';

/** `--fleet N ...`; null when the program was not asked for a fleet. */
export function parseFleetArgs(argv: string[], env: Env): ConfigResult<FleetConfig> | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        fleet: { type: 'string' },
        prefix: { type: 'string' },
        cpus: { type: 'string' },
        api: { type: 'string' },
        interval: { type: 'string' },
        'node-type': { type: 'string' },
        'data-dir': { type: 'string' },
        'api-token': { type: 'string' },
        verbose: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  if (values.fleet === undefined) {
    return argv.length === 0
      ? null
      : { ok: false, errors: ['options other than --fleet need --fleet N'] };
  }
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const errors: string[] = [];
  const nodes = positiveInteger('--fleet', str('fleet') ?? '', errors);
  const prefix = str('prefix') ?? 'sim';
  if (!DNS_LABEL.test(`${prefix}-${nodes || 1}`)) {
    errors.push(
      '--prefix must make DNS-1123 names (lowercase letters, digits, -; at most 63 with the number)',
    );
  }
  const cpus = positiveNumber('--cpus', str('cpus') ?? '4', errors);
  const apiServer = url('--api', str('api') ?? env.API_SERVER ?? 'http://127.0.0.1:3000', errors);
  const intervalMs = positiveInteger(
    '--interval',
    str('interval') ?? env.HEARTBEAT_INTERVAL_MS ?? String(DEFAULT_HEARTBEAT_INTERVAL_MS),
    errors,
  );
  const nodeType = nodeTypeOf('--node-type', str('node-type') ?? 'worker', errors);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      nodes,
      prefix,
      cpus,
      apiServer,
      intervalMs,
      nodeType,
      dataDir: str('data-dir') ?? join('.', 'data'),
      apiToken: str('api-token') ?? (env.KUBESIM_API_TOKEN || undefined),
      verbose: values.verbose === true,
    },
  };
}

function url(name: string, value: string, errors: string[]): string {
  if (!value) return '';
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:')
      return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  errors.push(`${name} must be an http(s) URL`);
  return '';
}

function positiveNumber(name: string, value: string, errors: string[]): number {
  if (!value) return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) errors.push(`${name} must be a number > 0`);
  return n;
}

function positiveInteger(name: string, value: string, errors: string[]): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    errors.push(`${name} must be a whole number > 0`);
    return 0;
  }
  return n;
}

function nodeTypeOf(name: string, value: string, errors: string[]): NodeType {
  if (value === 'worker' || value === 'master') return value;
  errors.push(`${name} must be worker or master`);
  return 'worker';
}
