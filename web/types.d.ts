/**
 * What the dashboard receives, for the type check only (`tsc -p web/tsconfig.json`; the
 * browser never loads this file): the kubesim API's answers as named views of the schemas
 * generated from the committed OpenAPI document (cli/generated/kubesim-api.ts), and small
 * honest shapes for what that document does not describe (the live stream's heartbeats, the
 * Kubernetes API's objects, Chart.js loaded as a classic script).
 */
import type { components } from '../cli/generated/kubesim-api';

type Schemas = components['schemas'];

export type Node = Schemas['NodeResponseDto'];
export type NodeDetail = Schemas['NodeDetailDto'];
export type CreatedNode = Schemas['CreatedNodeDto'];
export type Pod = Schemas['PodResponseDto'];
export type CreatePodBody = Schemas['CreatePodDto'];
export type ClusterEvent = Schemas['EventResponseDto'];
export type Cluster = Schemas['ClusterSummaryDto'];
export type Disruption = Schemas['DisruptionDto'];
export type Scheduler = Schemas['SchedulerResponseDto'];
export type Autoscaler = Schemas['AutoscalerResponseDto'];
export type HeartbeatSample = Schemas['HeartbeatSampleDto'];
export type NodeTimeline = Schemas['NodeTimelineDto'];
export type TimelineEntry = Schemas['TimelineEntryDto'];
export type NodeUsage = Schemas['NodeUsageDto'];
export type PodUsage = Schemas['PodUsageDto'];
/** a node's or a pod's use; each reads the size the other lacks as absent */
export type Usage =
  | (NodeUsage & Partial<Pick<PodUsage, 'cpu_cores_req' | 'memory_mb_req'>>)
  | (PodUsage & Partial<Pick<NodeUsage, 'cpu_cores_total' | 'memory_mb'>>);
export type UsageSample = Schemas['UsageSampleDto'];
export type PodScheduling = Schemas['PodSchedulingDto'];
export type NodeVerdict = Schemas['NodeVerdictDto'];
export type SchedulingDecision = Schemas['SchedulingDecisionDto'];
export type NetworkMatrix = Schemas['MatrixDto'];
export type Lesson = Schemas['LessonDto'];
export type ScenarioRun = Schemas['ScenarioRunDto'];
export type ScenarioStep = Schemas['ScenarioStepDto'];
export type ErrorBody = Partial<Schemas['ErrorResponseDto']>;

/** A node or pod the views were handed: a listed one, or only its id (an event's link). */
export type Ref = { id: number | string };

/** One `heartbeat` message of /events/stream (not in the OpenAPI document: it is a stream). */
export interface StreamHeartbeat {
  node_id: number;
  node_name: string;
  at: string;
  cpu_usage: number;
  latency_ms: number;
  health_status: string;
}

/** A form's fields as typed: numbers where they read as numbers, the text otherwise. */
export type FormBody = Record<string, unknown>;

/** The query of a list: filters the API reads, empty ones left out. */
export type Query = Record<string, string | number | undefined | null>;
/** Options of a write: a Kubernetes patch says its type (`application/merge-patch+json`…). */
export type WriteOptions = { contentType?: string };

type Id = number | string;

/** What each call of the dashboard's `api` answers (web/api.js). */
export interface Api {
  cluster(): Promise<Cluster>;
  nodes(): Promise<Node[]>;
  node(id: Id): Promise<NodeDetail>;
  heartbeats(id: Id): Promise<HeartbeatSample[]>;
  nodeTimeline(id: Id): Promise<NodeTimeline>;
  /** what the form holds, as typed: the API's refusal of a wrong value is what is shown */
  createNode(body: FormBody): Promise<CreatedNode>;
  failNode(id: Id, mode: string): Promise<Node>;
  restartNode(id: Id): Promise<Node>;
  stopNode(id: Id): Promise<Node>;
  cordonNode(id: Id): Promise<Node>;
  uncordonNode(id: Id): Promise<Node>;
  deleteNode(id: Id): Promise<Schemas['DeletedDto']>;
  pods(filters?: Query): Promise<Pod[]>;
  /** `namespace`: where a pod given by name is (default: `default`) */
  pod(id: Id, namespace?: string): Promise<Pod>;
  podScheduling(id: Id): Promise<PodScheduling>;
  createPod(body: unknown): Promise<Pod>;
  restartPod(id: Id): Promise<Pod>;
  deletePod(id: Id): Promise<Schemas['DeletedPodDto']>;
  events(filters?: Query): Promise<ClusterEvent[]>;
  scheduler(): Promise<Scheduler>;
  autoscaler(): Promise<Autoscaler>;
  networkMatrix(filters?: Query): Promise<NetworkMatrix>;
  setScheduler(algorithm: string): Promise<Scheduler>;
  nodeUsage(id: Id): Promise<NodeUsage>;
  podUsage(id: Id): Promise<PodUsage>;
  lessons(): Promise<Lesson[]>;
  scenarioRuns(): Promise<ScenarioRun[]>;
  scenarioRun(id: string): Promise<ScenarioRun>;
  startLesson(lesson: string): Promise<ScenarioRun>;
  kubeResources(groupVersion: string): Promise<KubeResourceList>;
  kubeList(path: string): Promise<KubeList>;
  scaleDeployment(namespace: string, name: string, replicas: number | string): Promise<unknown>;
  restartDeployment(namespace: string, name: string, at?: Date): Promise<KubeObject>;
}

// ---- the Kubernetes API's objects, as far as the workloads view reads them ----

export interface OwnerReference {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface Condition {
  type: string;
  status: string;
}

/** Deployments, ReplicaSets, DaemonSets, Jobs and pods: what of them is read (each has a spec). */
export interface KubeObject {
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    completions?: number;
    nodeName?: string;
  };
  status?: {
    phase?: string;
    conditions?: Condition[];
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    succeeded?: number;
    failed?: number;
    active?: number;
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface KubeList {
  items?: KubeObject[];
}

/** GET /apis/<group>/<version> */
export interface KubeResourceList {
  resources?: { name: string }[];
}

// ---- Chart.js, a classic script that defines the global `Chart` ----

export type Chart = import('chart.js').Chart;
/** a line chart of points: the heartbeat traces */
export type LineChart = import('chart.js').Chart<'line', { x: number; y: number }[]>;

declare global {
  interface Window {
    Chart?: typeof import('chart.js').Chart;
  }
}
