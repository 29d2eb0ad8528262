import type { PodConstraints, Taint } from '../scheduler/strategies/types';

/** Rows as PostgreSQL returns them to the raw queries of the hot paths (snake_case). */

export interface NodeRecord {
  id: number;
  name: string;
  node_type: 'worker' | 'master';
  health_status: string;
  cordoned: boolean;
  cpu_total_m: number;
  cpu_allocated_m: number;
  cpu_used_m: number;
  memory_total_mb: number | null;
  memory_allocated_mb: number;
  labels: Record<string, string>;
  components: Record<string, string>;
  taints: Taint[];
  token_hash: string;
  ip_seq: number;
  pods_version: number;
  last_heartbeat_at: Date | null;
  heartbeat_count: number;
  recovery_attempts: number;
  next_recovery_at: Date | null;
  status_changed_at: Date;
  runtime: string;
  runtime_ref: string | null;
  created_at: Date;
  updated_at: Date;
  /** present when the query counts them */
  pod_count?: number;
}

/** What the health monitor judges a node by (`NodesRepository.nodesToJudge`). */
export type JudgedNode = Pick<
  NodeRecord,
  | 'id'
  | 'name'
  | 'health_status'
  | 'runtime'
  | 'recovery_attempts'
  | 'last_heartbeat_at'
  | 'next_recovery_at'
  | 'status_changed_at'
  | 'created_at'
>;

export interface ContainerRecord {
  name: string;
  image: string;
  cpu_req_m: number;
  memory_req_mb: number;
  /** resources.limits; null when none was given */
  cpu_limit_m: number | null;
  memory_limit_mb: number | null;
  command: string[];
  args: string[];
  status: string;
  restart_count: number;
  /** the agent's last account beyond the status (ContainerState in pod-parts) */
  state: Record<string, unknown> | null;
}

export interface VolumeRecord {
  name: string;
  type: string;
  size_gb: number | null;
  path: string | null;
}

export interface ConfigRecord {
  name: string;
  type: string;
  key: string;
  value: string;
}

export interface PodRecord {
  id: number;
  name: string;
  namespace: string;
  status: string;
  node_id: number | null;
  node_name: string | null;
  reason: string | null;
  ip: string | null;
  cpu_req_m: number;
  memory_req_mb: number;
  scheduler_algorithm: string | null;
  restart_count: number;
  restart_policy: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** nodeSelector, tolerations, required node affinity; null when none */
  scheduling: PodConstraints | null;
  /** metadata.ownerReferences (absent where a query does not select them) */
  owner_references?: unknown[];
  generate_name?: string | null;
  scheduled_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
  containers: ContainerRecord[];
  volumes: VolumeRecord[];
  config: ConfigRecord[];
}

export interface NewPod {
  name: string;
  /** `default` when absent */
  namespace?: string;
  /** Kubernetes labels and annotations (none through kubesim's own API) */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** the controller owning it (metadata.ownerReferences), none for a bare pod */
  ownerReferences?: unknown[];
  generateName?: string | null;
  cpuReqM: number;
  memoryReqMb: number;
  /** where the pod may go beyond room; null or absent: anywhere without a repelling taint */
  constraints?: PodConstraints | null;
  schedulerAlgorithm: string | null;
  /** Always (default), OnFailure or Never */
  restartPolicy?: string;
  containers: Array<{
    name: string;
    image: string;
    cpuReqM: number;
    memoryReqMb: number;
    cpuLimitM?: number | null;
    memoryLimitMb?: number | null;
    command: string[];
    args: string[];
  }>;
  volumes: Array<{ name: string; type: string; sizeGb: number | null; path: string | null }>;
  config: Array<{ name: string; type: string; key: string; value: string }>;
}

export interface NewNode {
  name: string;
  nodeType: 'worker' | 'master';
  cpuTotalM: number;
  memoryTotalMb: number | null;
  labels: Record<string, string>;
  tokenHash: string;
  runtime: string;
  /** its RegisteredNode event's message, stored with the row (when nothing must succeed first) */
  registeredMessage?: string;
}

/** An event row as PostgreSQL returns it (the events service maps it for the API). */
export interface StoredEvent {
  id: string | number;
  type: 'Normal' | 'Warning';
  reason: string;
  object: string;
  message: string;
  /** the event's namespace (its pod's; `default` for node and cluster events) */
  namespace?: string;
  created_at: Date | string;
}

/** A pod bound and stored by the fast path of pod creation. */
export interface BoundPod {
  id: number;
  ip: string;
  nodeId: number;
  nodeName: string;
  createdAt: Date;
  scheduledAt: Date;
  /** the Scheduled event, stored with the binding */
  event: StoredEvent;
}

/**
 * What the fast path's statement made of one pod: bound and stored, its name taken
 * ('exists'), its namespace missing or being deleted (`closedNamespace`: nothing of it was
 * stored), or null when its node refused it.
 */
export type BindOutcome =
  BoundPod | 'exists' | { closedNamespace: 'missing' | 'Terminating' } | null;

/** A scheduling decision to store: `detail` is the strategies' bounded explanation. */
export interface DecisionWrite {
  trigger: 'create' | 'retry' | 'reschedule';
  algorithm: string;
  nodeName: string | null;
  reason: string;
  detail: unknown;
}

export interface DecisionRecord {
  id: string;
  trigger: string;
  algorithm: string;
  node_name: string | null;
  reason: string;
  detail: unknown;
  attempts: number;
  decided_at: Date;
}
