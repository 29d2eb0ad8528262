import { availableParallelism } from 'node:os';
import { SCHEDULER_ALGORITHMS, SchedulerAlgorithm } from '../scheduler/strategies/types';

export type RuntimeKind = 'auto' | 'docker' | 'process' | 'external';
export const RUNTIME_KINDS: readonly RuntimeKind[] = ['auto', 'docker', 'process', 'external'];

/** Every setting kubesim reads from the environment, typed and validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  runtime: RuntimeKind;
  apiUrl: string;
  schedulerAlgorithm: SchedulerAlgorithm;
  podUnschedulable: 'pending' | 'reject';
  heartbeatIntervalMs: number;
  nodeFailureTimeoutMs: number;
  /** silence after which a node is not_ready (takes no new pods) */
  nodeNotReadyAfterMs: number;
  monitorIntervalMs: number;
  recoveryBackoffMs: number;
  /** the agents' crash-loop back-off for restarted containers: first wait, cap (ms) */
  crashBackoffInitialMs: number;
  crashBackoffMaxMs: number;
  maxRecoveryAttempts: number;
  podEvictionDelayMs: number;
  nodeImage: string;
  nodeBaseImage: string;
  dockerNetwork: string;
  /** whether KUBESIM_DOCKER_NETWORK was given: RUNTIME=auto then tries that network alone */
  dockerNetworkSet: boolean;
  dockerTimeoutMs: number;
  apiToken: string | null;
  apiReadToken: string | null;
  secretKey: string | null;
  /** stored secrets KUBESIM_SECRET_KEY cannot open: refuse to start, or start and fail their pods */
  unreadableSecrets: 'refuse' | 'fail-pods';
  corsOrigins: string[];
  /** Host names the server answers besides IPs, localhost and its own (DNS rebinding guard) */
  allowedHosts: string[];
  /** as given (for messages), e.g. "1mb" */
  bodyLimit: string;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  /** a client must have sent its request headers within this (else 408) */
  headersTimeoutMs: number;
  /** ... and the whole request, body included (else 408); long answers are not limited */
  requestReadTimeoutMs: number;
  /** open connections at most, in total and from one client address */
  maxConnections: number;
  maxConnectionsPerClient: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** run the control loops (off for an API-only replica or a test that drives them by hand) */
  loopsEnabled: boolean;
  /** API worker processes on the one port (KUBESIM_WORKERS: a number or `cores`; default 1) */
  workers: number;
  /**
   * How far V8 lets the JS heap grow past what the last full collection kept, in percent
   * (KUBESIM_HEAP_GROWING_PERCENT; 0: V8's own choice, which lets a busy heap grow to about
   * four times its live objects)
   */
  heapGrowingPercent: number;
  /**
   * What this process is among `npm start`'s workers (set by kubesim for the processes it
   * forks): `lead` runs the loops and the node runtime, `api` only answers, and asks the lead
   * to start and stop agents for it; `single` when there is one process.
   */
  workerRole: WorkerRole;
  /** an `api` worker: the lead's runtime (its agents), since RUNTIME=auto picks at boot */
  leadRuntime: 'docker' | 'process' | 'external' | null;
  /** the cluster autoscaler's settings from KUBESIM_AUTOSCALER*, written at boot; null if none is set */
  autoscaler: AutoscalerEnv | null;
}

export interface AutoscalerEnv {
  enabled: boolean;
  minNodes: number;
  maxNodes: number;
  nodeCpuCores: number;
  nodeMemoryMb: number | null;
  scaleUpDelayS: number;
  scaleDownIdleS: number;
}

/** The autoscaler's settings until someone sets them (PUT /autoscaler or the environment). */
export const AUTOSCALER_DEFAULTS: AutoscalerEnv = {
  enabled: false,
  minNodes: 1,
  maxNodes: 10,
  nodeCpuCores: 4,
  nodeMemoryMb: null,
  scaleUpDelayS: 0,
  scaleDownIdleS: 600,
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

type Env = Record<string, string | undefined>;

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "1mb", "512kb", "100000" → bytes (units of 1024, as body-parser counted them); null if unreadable. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()]);
  return bytes >= 1 ? bytes : null;
}

/**
 * KUBESIM_TIMINGS presets: `kubernetes` is the kubelet/controller-manager defaults
 * (status every 10 s, NotReady after 50 s, eviction 300 s later); `fast` makes a
 * failure story take seconds, for demos and lessons. Explicit variables still win.
 */
export const TIMING_PRESETS: Record<string, Record<string, string>> = {
  kubernetes: {
    HEARTBEAT_INTERVAL_MS: '10000',
    NODE_FAILURE_TIMEOUT_MS: '50000',
    POD_EVICTION_DELAY_MS: '300000',
  },
  fast: {
    HEARTBEAT_INTERVAL_MS: '300',
    NODE_FAILURE_TIMEOUT_MS: '2000',
    MONITOR_INTERVAL_MS: '200',
    RECOVERY_BACKOFF_MS: '200',
    CRASH_BACKOFF_INITIAL_MS: '500',
    CRASH_BACKOFF_MAX_MS: '4000',
    POD_EVICTION_DELAY_MS: '0',
  },
};

/** Reads and checks the environment; lists every bad variable at once. */
export const WORKER_ROLES = ['single', 'lead', 'api'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

export function loadConfig(given: Env = process.env): AppConfig {
  const problems: string[] = [];
  const timings = given.KUBESIM_TIMINGS;
  let preset: Record<string, string> = {};
  if (timings !== undefined && timings !== '') {
    if (Object.hasOwn(TIMING_PRESETS, timings)) preset = TIMING_PRESETS[timings];
    else
      problems.push(
        `KUBESIM_TIMINGS=${timings}: expected one of ${Object.keys(TIMING_PRESETS).join(', ')}`,
      );
  }
  const env: Env = { ...preset };
  for (const [name, value] of Object.entries(given)) {
    // an empty variable counts as unset, so it leaves the preset's value
    if (value !== undefined && value !== '') env[name] = value;
  }
  const str = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const optional = (name: string): string | null => {
    const v = env[name];
    return v === undefined || v === '' ? null : v;
  };
  const list = (name: string): string[] =>
    (optional(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${raw}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(name, fallback);
    if (!allowed.includes(raw as T)) {
      problems.push(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };

  const port = int('PORT', 3000, 0, 65535);
  const databaseUrl = optional('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL: expected postgres://user:password@host:port/database');
  }
  const secretKey = optional('KUBESIM_SECRET_KEY');
  if (secretKey !== null && secretKey.length < 16) {
    problems.push('KUBESIM_SECRET_KEY: expected at least 16 characters');
  }
  // a short token falls to guessing even when failed attempts are throttled
  const apiToken = optional('KUBESIM_API_TOKEN');
  if (apiToken !== null && apiToken.length < 16) {
    problems.push('KUBESIM_API_TOKEN: expected at least 16 characters');
  }
  const apiReadToken = optional('KUBESIM_API_READ_TOKEN');
  if (apiReadToken !== null && apiReadToken.length < 16) {
    problems.push('KUBESIM_API_READ_TOKEN: expected at least 16 characters');
  }
  const heartbeatIntervalMs = int('HEARTBEAT_INTERVAL_MS', 5000, 50);
  const nodeFailureTimeoutMs = int('NODE_FAILURE_TIMEOUT_MS', 15000, 100);
  if (nodeFailureTimeoutMs <= heartbeatIntervalMs) {
    problems.push(
      `NODE_FAILURE_TIMEOUT_MS=${nodeFailureTimeoutMs}: must be longer than HEARTBEAT_INTERVAL_MS=${heartbeatIntervalMs}`,
    );
  }
  const nodeNotReadyAfterMs = int('NODE_NOT_READY_AFTER_MS', 2 * heartbeatIntervalMs, 1);
  // (the default, two intervals, may reach the timeout: such nodes go straight to failed)
  if (env.NODE_NOT_READY_AFTER_MS) {
    if (nodeNotReadyAfterMs >= nodeFailureTimeoutMs) {
      problems.push(
        `NODE_NOT_READY_AFTER_MS=${nodeNotReadyAfterMs}: must be shorter than NODE_FAILURE_TIMEOUT_MS=${nodeFailureTimeoutMs}`,
      );
    } else if (nodeNotReadyAfterMs <= heartbeatIntervalMs) {
      problems.push(
        `NODE_NOT_READY_AFTER_MS=${nodeNotReadyAfterMs}: must be longer than HEARTBEAT_INTERVAL_MS=${heartbeatIntervalMs}, or every node would be not ready between its heartbeats`,
      );
    }
  }
  const bodyLimit = str('KUBESIM_BODY_LIMIT', '1mb');
  const bodyLimitBytes = parseByteSize(bodyLimit);
  if (bodyLimitBytes === null)
    problems.push(`KUBESIM_BODY_LIMIT=${bodyLimit}: expected a size such as 1mb, 512kb or 100000`);
  const headersTimeoutMs = int('KUBESIM_HEADERS_TIMEOUT_MS', 10000, 100);
  const requestReadTimeoutMs = int('KUBESIM_REQUEST_READ_TIMEOUT_MS', 30000, 100);
  if (requestReadTimeoutMs < headersTimeoutMs) {
    problems.push(
      `KUBESIM_REQUEST_READ_TIMEOUT_MS=${requestReadTimeoutMs}: must be at least KUBESIM_HEADERS_TIMEOUT_MS=${headersTimeoutMs}`,
    );
  }
  const maxConnections = int('KUBESIM_MAX_CONNECTIONS', 4096, 1);
  const maxConnectionsPerClient = int('KUBESIM_MAX_CONNECTIONS_PER_CLIENT', 1024, 1);
  const apiUrl = str('KUBESIM_API_URL', `http://127.0.0.1:${port}`);
  if (!/^https?:\/\//.test(apiUrl))
    problems.push(`KUBESIM_API_URL=${apiUrl}: expected an http(s) URL`);

  const autoscalerGiven = Object.keys(env).some(
    (k) => k.startsWith('KUBESIM_AUTOSCALER') && env[k] !== undefined && env[k] !== '',
  );
  const d = AUTOSCALER_DEFAULTS;
  const autoscaler: AutoscalerEnv = {
    enabled: oneOf('KUBESIM_AUTOSCALER', ['on', 'off'] as const, 'off') === 'on',
    minNodes: int('KUBESIM_AUTOSCALER_MIN_NODES', d.minNodes, 0, 1000),
    maxNodes: int('KUBESIM_AUTOSCALER_MAX_NODES', d.maxNodes, 1, 1000),
    nodeCpuCores: d.nodeCpuCores,
    nodeMemoryMb:
      optional('KUBESIM_AUTOSCALER_NODE_MEMORY_MB') === null
        ? null
        : int('KUBESIM_AUTOSCALER_NODE_MEMORY_MB', 0, 1, 4_194_304),
    scaleUpDelayS: int('KUBESIM_AUTOSCALER_SCALE_UP_DELAY_S', d.scaleUpDelayS, 0, 86400),
    scaleDownIdleS: int('KUBESIM_AUTOSCALER_SCALE_DOWN_IDLE_S', d.scaleDownIdleS, 0, 86400),
  };
  const nodeCores = optional('KUBESIM_AUTOSCALER_NODE_CPU_CORES');
  if (nodeCores !== null) {
    const n = Number(nodeCores);
    if (
      !Number.isFinite(n) ||
      n < 0.001 ||
      n > 1024 ||
      Math.abs(n * 1000 - Math.round(n * 1000)) > 1e-6
    ) {
      problems.push(
        `KUBESIM_AUTOSCALER_NODE_CPU_CORES=${nodeCores}: expected cores from 0.001 to 1024, at most 3 decimals`,
      );
    } else autoscaler.nodeCpuCores = n;
  }
  if (autoscaler.minNodes > autoscaler.maxNodes) {
    problems.push(
      `KUBESIM_AUTOSCALER_MIN_NODES=${autoscaler.minNodes}: must not exceed KUBESIM_AUTOSCALER_MAX_NODES=${autoscaler.maxNodes}`,
    );
  }

  const config: AppConfig = {
    port,
    host: str('HOST', '127.0.0.1'),
    databaseUrl,
    dataDir: str('KUBESIM_DATA_DIR', '.kubesim'),
    runtime: oneOf('RUNTIME', RUNTIME_KINDS, 'auto'),
    apiUrl,
    schedulerAlgorithm: oneOf('SCHEDULER_ALGORITHM', SCHEDULER_ALGORITHMS, 'best-fit'),
    podUnschedulable: oneOf('POD_UNSCHEDULABLE', ['pending', 'reject'] as const, 'pending'),
    heartbeatIntervalMs,
    nodeFailureTimeoutMs,
    nodeNotReadyAfterMs,
    monitorIntervalMs: int('MONITOR_INTERVAL_MS', 1000, 10),
    recoveryBackoffMs: int('RECOVERY_BACKOFF_MS', 2000, 0),
    crashBackoffInitialMs: int('CRASH_BACKOFF_INITIAL_MS', 10_000, 1, 3_600_000),
    crashBackoffMaxMs: int('CRASH_BACKOFF_MAX_MS', 300_000, 1, 3_600_000),
    maxRecoveryAttempts: int('MAX_RECOVERY_ATTEMPTS', 3, 0, 100),
    podEvictionDelayMs: int('POD_EVICTION_DELAY_MS', 0, 0),
    nodeImage: str('KUBESIM_NODE_IMAGE', 'kubesim-node:latest'),
    nodeBaseImage: str('KUBESIM_NODE_BASE_IMAGE', 'node:20-bookworm-slim'),
    dockerNetwork: str('KUBESIM_DOCKER_NETWORK', 'kubesim'),
    dockerNetworkSet: optional('KUBESIM_DOCKER_NETWORK') !== null,
    dockerTimeoutMs: int('KUBESIM_DOCKER_TIMEOUT_MS', 30000, 100),
    apiToken,
    apiReadToken,
    secretKey,
    unreadableSecrets: oneOf(
      'KUBESIM_UNREADABLE_SECRETS',
      ['refuse', 'fail-pods'] as const,
      'refuse',
    ),
    corsOrigins: list('KUBESIM_CORS_ORIGINS'),
    allowedHosts: list('KUBESIM_ALLOWED_HOSTS'),
    bodyLimit,
    bodyLimitBytes: bodyLimitBytes ?? 1024 * 1024,
    requestTimeoutMs: int('KUBESIM_REQUEST_TIMEOUT_MS', 30000, 100),
    headersTimeoutMs,
    requestReadTimeoutMs,
    maxConnections,
    maxConnectionsPerClient,
    logLevel: oneOf('LOG_LEVEL', ['error', 'warn', 'log', 'debug'] as const, 'log'),
    loopsEnabled: oneOf('KUBESIM_LOOPS', ['on', 'off'] as const, 'on') === 'on',
    // one by default: on two cores shared with PostgreSQL a second worker measured slower
    // (README, Workers and replicas); `cores` asks for one per core
    workers:
      env.KUBESIM_WORKERS === 'cores'
        ? Math.min(availableParallelism(), 16)
        : int('KUBESIM_WORKERS', 1, 1, 64),
    // a big cluster's heap stays within about 1.5 times its live objects, for a few
    // percent of CPU more in collections (README, Performance)
    heapGrowingPercent: int('KUBESIM_HEAP_GROWING_PERCENT', 50, 0, 1000),
    workerRole: oneOf('KUBESIM_WORKER_ROLE', WORKER_ROLES, 'single'),
    leadRuntime:
      optional('KUBESIM_LEAD_RUNTIME') === null
        ? null
        : oneOf('KUBESIM_LEAD_RUNTIME', ['docker', 'process', 'external'] as const, 'process'),
    autoscaler: autoscalerGiven ? autoscaler : null,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
