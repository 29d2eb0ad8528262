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
}

export interface PodRequest {
  cpuM: number;
  memoryMb: number;
}

export interface Placement {
  node: NodeView | null;
  /** "0/3 nodes fit: 2 insufficient cpu, 1 not ready" when node is null */
  reason: string | null;
}
