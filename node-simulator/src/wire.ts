/**
 * The heartbeat protocol between a node agent and the kubesim API server.
 * Both sides import these types; nothing else is shared, so an agent built from
 * this folder alone runs unchanged against any kubesim server.
 * CPU is in cores (fractional) and memory in MB on the wire.
 */

export type ComponentStatus = 'running' | 'degraded' | 'stopped' | 'unknown';

export const WORKER_COMPONENTS = [
  'kubelet',
  'container_runtime',
  'kube_proxy',
  'node_agent',
] as const;
export const MASTER_COMPONENTS = ['api_server', 'scheduler', 'controller_manager', 'etcd'] as const;

export interface NodeComponents {
  kubelet: ComponentStatus;
  container_runtime: ComponentStatus;
  kube_proxy: ComponentStatus;
  node_agent: ComponentStatus;
  api_server?: ComponentStatus;
  scheduler?: ComponentStatus;
  controller_manager?: ComponentStatus;
  etcd?: ComponentStatus;
}

export type AgentHealth = 'healthy' | 'unhealthy' | 'terminating';
export type AgentPodStatus = 'creating' | 'running' | 'succeeded' | 'failed' | 'terminating';
/** `waiting`: exited and to be restarted after its back-off (CrashLoopBackOff) */
export type AgentContainerStatus = 'creating' | 'running' | 'waiting' | 'failed' | 'terminated';

/** How a container ended (ISO times). */
export interface TerminatedReport {
  exit_code: number;
  /** `Completed` (exit 0) or `Error`, as the kubelet says */
  reason: string;
  started_at: string;
  finished_at: string;
}

export interface ContainerReport {
  name: string;
  status: AgentContainerStatus;
  restart_count: number;
  /** simulated CPU use, cores */
  cpu_usage: number;
  /** simulated memory use, MiB (absent from agents of older releases) */
  memory_usage?: number;
  /** when it last started (ISO), while running */
  started_at?: string;
  /** it runs and its pod's readiness delay is over */
  ready?: boolean;
  /** with status terminated: how it ended; with waiting: its last end */
  terminated?: TerminatedReport;
  /** with status waiting: the reason (`CrashLoopBackOff`) */
  waiting_reason?: string;
  /** the end before its current run, when it was restarted */
  last_terminated?: TerminatedReport;
}

export interface PodReport {
  id: number;
  status: AgentPodStatus;
  containers: ContainerReport[];
  /** why the pod failed on the node (its spec was unreadable, its files could not be written) */
  reason?: string;
  /** its containers ended for good under its restart policy: status succeeded or failed */
  finished?: boolean;
}

/** One line a simulated container printed. */
export interface LogLine {
  pod_id: number;
  container: string;
  /** ISO time it was printed */
  at: string;
  text: string;
}

/** lines a beat carries at most; older unsent ones are dropped, as a full pipe would */
export const MAX_LOG_LINES = 500;
/** a line is cut at this many characters */
export const MAX_LOG_LINE_CHARS = 1024;

/** memory use (MiB) a container or a node reports at most: an agent caps what it sends */
export const MAX_MEMORY_USAGE_MIB = 2 ** 40;

/** The agent refuses an answer larger than this; servers keep their answers far below it. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** POST /nodes/:id/heartbeat, with `Authorization: Bearer <heartbeat_token>`. */
export interface HeartbeatRequest {
  pod_ids: number[];
  /** cores the node could still give (its size minus what its pods use) */
  cpu_cores_avail?: number;
  /** cores in use, summed over its containers */
  cpu_usage?: number;
  /** MiB in use, summed over its containers */
  memory_usage?: number;
  health_status: AgentHealth;
  components: NodeComponents;
  pods?: PodReport[];
  /** container output since the last delivered beat, oldest first (at most MAX_LOG_LINES) */
  logs?: LogLine[];
  /**
   * The pods_version of the last answer the agent applied, 0 when it holds none (first
   * beat, restart). With it the answer carries only what changed since (and `pod_ids`);
   * without it (agents of older releases) every pod in full.
   */
  pods_version?: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cpu_req: number;
  memory_req: number;
  command: string[];
  args: string[];
}

export type VolumeType = 'emptyDir' | 'hostPath' | 'configMap' | 'secret';
export interface VolumeSpec {
  name: string;
  type: VolumeType;
  /** GB; 0 when the API gave none (an emptyDir without a limit) */
  size: number;
  /** '' when the API gave none (an emptyDir without a mount path) */
  path: string;
}

export type ConfigType = 'env' | 'configMap' | 'secret';
export interface ConfigSpec {
  name: string;
  type: ConfigType;
  key: string;
  /** plain value: secrets are only ever sent in plain to the node that runs the pod */
  value: string;
}

export interface PodAssignment {
  id: number;
  name: string;
  ip: string | null;
  cpu_cores_req: number;
  memory_mb_req: number;
  /** the agent restarts the pod's containers when this rises above what it has seen */
  restart_count: number;
  /** what the agent does when a container exits; default Always */
  restart_policy?: 'Always' | 'OnFailure' | 'Never';
  /** the kubesim.io/ annotations the agent acts on (run-seconds, exit-code, ready-after, cpu-usage, memory-usage) */
  annotations?: Record<string, string>;
  /** the crash-loop back-off: first wait and cap (ms); default the kubelet's 10 s and 5 min */
  backoff_initial_ms?: number;
  backoff_max_ms?: number;
  containers: ContainerSpec[];
  volumes: VolumeSpec[];
  config: ConfigSpec[];
}

export interface HeartbeatResponse {
  node_id: number;
  node_name: string;
  health_status: string;
  /** the node must stop: it was permanently failed, stopped or deleted */
  terminate: boolean;
  heartbeat_interval_ms: number;
  /**
   * Without `pod_ids`: every pod the node must run now; pods not listed are to be dropped.
   * With `pod_ids`: the full specs of the pods new or changed since the pods_version the
   * agent sent (or that it does not hold), at most a few MiB per answer.
   */
  pods: PodAssignment[];
  /**
   * Every pod the node must run now: the agent drops the pods it holds that are not
   * listed. A listed pod it neither holds nor got a spec for comes in the next answer.
   */
  pod_ids?: number[];
  /** the version the agent holds once it has applied this answer; send it with the next beat */
  pods_version?: number;
}

/**
 * POST /nodes/:id/watch, with the heartbeat token: a long poll that answers as soon
 * as the node's pods change (or after `timeout_ms`), so a new pod starts without
 * waiting for the next heartbeat. The heartbeat stays the fallback.
 */
export interface WatchRequest {
  pods_version: number;
  /** at most 30,000 */
  timeout_ms?: number;
  /** the pods the agent holds; with it, a change is answered as a heartbeat with pods_version is */
  pod_ids?: number[];
}

export interface WatchResponse {
  pods_version: number;
  changed: boolean;
  /** present when changed: the pods as in a heartbeat answer */
  pods?: PodAssignment[];
  /** present when changed and the request had pod_ids: every pod the node must run now */
  pod_ids?: number[];
}
