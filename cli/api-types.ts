/**
 * The resources as the kubesim API returns them (JSON, snake_case). The CLI only
 * reads these, so every field a view does not need may be absent.
 */

export type NodeStatus =
  'pending' | 'healthy' | 'not_ready' | 'failed' | 'recovering' | 'permanently_failed' | 'stopped';

export type ComponentStatus = 'running' | 'degraded' | 'stopped' | 'unknown';

export interface NodeView {
  id: number;
  name: string;
  node_type: 'worker' | 'master';
  health_status: NodeStatus;
  cordoned: boolean;
  cpu_cores_total: number;
  cpu_cores_allocated: number;
  cpu_cores_avail: number;
  cpu_cores_used: number;
  memory_mb: number | null;
  labels: Record<string, string>;
  pod_cidr: string | null;
  components: Record<string, ComponentStatus>;
  last_heartbeat_at: string | null;
  recovery_attempts: number;
  pod_count: number;
  created_at: string;
  /** only on GET /nodes/:id */
  pod_ids?: number[];
  /** only on POST /nodes, shown once */
  heartbeat_token?: string;
}

export type PodStatus = 'pending' | 'scheduled' | 'running' | 'succeeded' | 'failed';

export interface ContainerView {
  name: string;
  image: string;
  cpu_req: number;
  memory_req: number;
  command: string[];
  args: string[];
  status: string;
  restart_count: number;
}

export interface VolumeView {
  name: string;
  type: string;
  size: number;
  path: string;
}

export interface ConfigView {
  name: string;
  type: string;
  key: string;
  value: string;
}

export interface PodView {
  id: number;
  name: string;
  status: PodStatus;
  node_id: number | null;
  node_name: string | null;
  reason: string | null;
  ip: string | null;
  cpu_cores_req: number;
  memory_mb_req: number;
  scheduler_algorithm: string | null;
  restart_count: number;
  containers: ContainerView[];
  volumes: VolumeView[];
  config: ConfigView[];
  created_at: string;
}

export interface EventView {
  /** a decimal string, as the API sends it */
  id: string;
  type: 'Normal' | 'Warning';
  reason: string;
  object: string;
  message: string;
  created_at: string;
}

export interface ClusterView {
  nodes: { total: number; by_status: Record<string, number> };
  pods: { total: number; by_status: Record<string, number> };
  cpu: {
    total_cores: number;
    allocated_cores: number;
    available_cores: number;
    used_cores: number;
  };
  utilisation: { allocated_pct: number; used_pct: number };
  scheduler_algorithm: string;
  /** every node silent at once: eviction and restarts wait (older servers omit it) */
  disruption?: { active: boolean; since: string | null; reason: string | null };
}

export interface SchedulerView {
  algorithm: string;
  algorithms: string[];
}

/** The body of every API error. */
export interface ApiErrorBody {
  statusCode: number;
  error?: string;
  message?: string | string[];
}

/** One node as a scheduling decision saw it (GET /pods/:id/scheduling). */
export interface NodeVerdictView {
  name: string;
  fits: boolean;
  reasons: string[];
  score: number | null;
  score_note: string | null;
  chosen: boolean;
}

export interface SchedulingDecisionView {
  algorithm: string;
  trigger: string;
  decided_at: string;
  attempts: number;
  decision: { node: string | null; reason: string };
  summary: {
    nodes_total: number;
    nodes_fit: number;
    unfit_counts: Record<string, number>;
    truncated: boolean;
  };
  nodes: NodeVerdictView[];
}

export interface PodSchedulingView extends SchedulingDecisionView {
  pod: string;
  history: SchedulingDecisionView[];
}

/** GET /nodes/:id/timeline */
export interface NodeTimelineView {
  node: string;
  health_status: string;
  heartbeats: { total: number; last_at: string | null; sampled: number; interval_ms: number };
  entries: Array<{
    at: string;
    until: string | null;
    kind: 'heartbeats' | 'missed' | 'event';
    reason: string;
    message: string;
    object: string | null;
    type: 'Normal' | 'Warning';
  }>;
}
