/**
 * The heartbeat protocol between a node agent and the kubesim API server. Its types are
 * named views of the schemas generated from the server's DTOs (generated/heartbeat-api.ts,
 * `npm run openapi`), so a server change the agent does not follow fails to compile; its
 * limits below are the server's too (its DTOs import them). The generated file lives in
 * this folder, so an agent built from it alone runs unchanged against any kubesim server.
 * CPU is in cores (fractional) and memory in MB on the wire.
 */
import type { components } from './generated/heartbeat-api';

type Schemas = components['schemas'];

export type NodeComponents = Schemas['ComponentsDto'];
export type ComponentStatus = NodeComponents['kubelet'];

export const WORKER_COMPONENTS = [
  'kubelet',
  'container_runtime',
  'kube_proxy',
  'node_agent',
] as const satisfies readonly (keyof NodeComponents)[];
export const MASTER_COMPONENTS = [
  'api_server',
  'scheduler',
  'controller_manager',
  'etcd',
] as const satisfies readonly (keyof NodeComponents)[];

/** POST /nodes/:id/heartbeat, with `Authorization: Bearer <heartbeat_token>`. */
export type HeartbeatRequest = Schemas['HeartbeatDto'];
export type AgentHealth = HeartbeatRequest['health_status'];

export type PodReport = Schemas['PodReportDto'];
export type AgentPodStatus = PodReport['status'];

export type ContainerReport = Schemas['ContainerReportDto'];
/** `waiting`: exited and to be restarted after its back-off (CrashLoopBackOff) */
export type AgentContainerStatus = ContainerReport['status'];

/** How a container ended (ISO times). */
export type TerminatedReport = Schemas['TerminatedDto'];

/** One line a simulated container printed. */
export type LogLine = Schemas['LogLineDto'];

/** lines a beat carries at most; older unsent ones are dropped, as a full pipe would */
export const MAX_LOG_LINES = 500;
/** a line is cut at this many characters */
export const MAX_LOG_LINE_CHARS = 1024;

/** memory use (MiB) a container or a node reports at most: an agent caps what it sends */
export const MAX_MEMORY_USAGE_MIB = 2 ** 40;

/** The agent refuses an answer larger than this; servers keep their answers far below it. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * The answer to a heartbeat. `pod_ids` and `pods_version` are absent from servers of older
 * releases: their `pods` are every pod the node must run now, pods not listed to be dropped.
 */
export type HeartbeatResponse = Omit<Schemas['HeartbeatAnswerDto'], 'pod_ids' | 'pods_version'> &
  Partial<Pick<Schemas['HeartbeatAnswerDto'], 'pod_ids' | 'pods_version'>>;

export type PodAssignment = Schemas['PodAssignmentDto'];
export type ContainerSpec = Schemas['ContainerSpecDto'];
/** the agent reads an absent size as 0 and an absent path as '' */
export type VolumeSpec = Schemas['VolumeSpecDto'];
export type VolumeType = VolumeSpec['type'];
/** `value` is plain: secrets are only ever sent in plain to the node that runs the pod */
export type ConfigSpec = Schemas['ConfigSpecDto'];
export type ConfigType = ConfigSpec['type'];

/**
 * POST /nodes/:id/watch, with the heartbeat token: a long poll that answers as soon
 * as the node's pods change (or after `timeout_ms`, default 25,000), so a new pod starts
 * without waiting for the next heartbeat. The heartbeat stays the fallback.
 */
export type WatchRequest = Omit<Schemas['WatchDto'], 'timeout_ms'> &
  Partial<Pick<Schemas['WatchDto'], 'timeout_ms'>>;

export type WatchResponse = Schemas['WatchAnswerDto'];
