export const SCHEDULER_ALGORITHMS = ['first-fit', 'best-fit', 'worst-fit', 'round-robin'] as const;
export type SchedulerAlgorithm = (typeof SCHEDULER_ALGORITHMS)[number];

/** What the scheduler needs to know of a node; CPU in millicores. */
export interface NodeView {
  id: number;
  name: string;
  nodeType: 'worker' | 'master';
  healthStatus: string;
  cordoned: boolean;
  kubelet: string;
  containerRuntime: string;
  cpuTotalM: number;
  cpuAllocatedM: number;
  /** null: the node did not declare memory, so memory never limits it */
  memoryTotalMb: number | null;
  memoryAllocatedMb: number;
  /** the node's labels, for nodeSelector and node affinity (none: no label matches) */
  labels?: Readonly<Record<string, string>>;
  /** the node's taints, each with its refusal already worded (see `nodeTaints`) */
  taints?: readonly ViewTaint[];
  /** how many of `taints` repel pods (NoSchedule, NoExecute): 0 lets a pod without tolerations skip them */
  hardTaints?: number;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** when a NoExecute taint was added (ISO time): tolerationSeconds count from it */
  timeAdded?: string;
}

/** A taint as the scheduler holds it: its refusal worded once per node, not once per pod. */
export interface ViewTaint extends Taint {
  /** "node(s) had untolerated taint {dedicated: gpu}" */
  refusal: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  /** empty: every effect */
  effect?: TaintEffect;
  /** NoExecute only: how long the pod stays on a node after the taint appears */
  tolerationSeconds?: number;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** A node matches a term when every expression and every field requirement holds. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  /** on the node's fields: only `metadata.name` (In, NotIn), as a DaemonSet pins its pods */
  matchFields?: NodeSelectorRequirement[];
}

/** Where a pod may go, beyond room: Kubernetes' nodeSelector, tolerations, required node affinity. */
export interface PodConstraints {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  /** requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: ORed */
  nodeAffinity?: NodeSelectorTerm[];
}

export interface PodRequest {
  cpuM: number;
  memoryMb: number;
  /** null or absent: the pod goes on any node with room and without a repelling taint */
  constraints?: PodConstraints | null;
}

export interface Placement {
  node: NodeView | null;
  /** "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) were unschedulable." when node is null */
  reason: string | null;
}
