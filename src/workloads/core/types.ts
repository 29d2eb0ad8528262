/**
 * The vocabulary of the workload controllers' pure cores: what they see of pods,
 * ReplicaSets, Deployments, Jobs and DaemonSets, in Kubernetes' own field names.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** What a ReplicaSet's core knows of a pod. */
export interface PodView {
  name: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
  /** Pending (not yet running, bound or not), Running, Succeeded, Failed */
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  nodeName: string | null;
  /** the node it is pinned to by a matchFields metadata.name term (a daemon pod not yet bound) */
  targetNode?: string | null;
  ready: boolean;
  /** when it last became ready (ms since the epoch), if it is */
  readySince: number | null;
  restartCount: number;
  createdAt: number;
  /** when it ended for good (ms since the epoch): a Job's back-off counts from its last failure */
  finishedAt?: number | null;
  deleting: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: OwnerReference[];
  createdAt: number;
  deleting: boolean;
}

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration: number;
}

export interface ReplicaSetView {
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    minReadySeconds?: number;
    selector: LabelSelector;
    template: PodTemplate;
  };
  status: Partial<ReplicaSetStatus>;
}

export type IntOrString = number | string;

export interface DeploymentCondition {
  type: 'Available' | 'Progressing';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  collisionCount?: number;
  conditions: DeploymentCondition[];
}

export interface DeploymentView {
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: LabelSelector;
    template: PodTemplate;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
    strategy?: {
      type?: 'RollingUpdate' | 'Recreate';
      rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
    };
  };
  status: Partial<DeploymentStatus>;
}

export interface JobCondition {
  type: 'Complete' | 'Failed' | 'Suspended' | 'SuccessCriteriaMet' | 'FailureTarget';
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active: number;
  succeeded: number;
  failed: number;
  ready: number;
  terminating: number;
  conditions?: JobCondition[];
  /**
   * kubesim's own bookkeeping, never served: the names of the ended pods that still exist and
   * are already in `succeeded`/`failed`. The counts only grow, so deleting an ended pod does
   * not make the Job run another (Kubernetes keeps them with its job-tracking finalizer).
   */
  counted?: string[];
}

export interface JobView {
  metadata: ObjectMeta;
  spec: {
    /** null: a work queue, done when one pod succeeds and none is left running */
    completions: number | null;
    parallelism: number;
    backoffLimit: number;
    activeDeadlineSeconds?: number | null;
    suspend?: boolean;
    selector: LabelSelector;
    template: PodTemplate;
  };
  status: Partial<JobStatus>;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
  observedGeneration: number;
  collisionCount?: number;
}

export interface DaemonSetView {
  metadata: ObjectMeta;
  spec: {
    selector: LabelSelector;
    template: PodTemplate;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    updateStrategy?: {
      type?: 'RollingUpdate' | 'OnDelete';
      rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString };
    };
  };
  status: Partial<DaemonSetStatus>;
}

/** The controller reference of an object: its ownerReference with controller: true. */
export function controllerOf(refs: OwnerReference[]): OwnerReference | undefined {
  return refs.find((r) => r.controller === true);
}
