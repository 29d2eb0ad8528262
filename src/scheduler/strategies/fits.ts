import { NodeView, PodRequest } from './types';

/** Why a node cannot take a pod; an empty list means it fits. */
export type UnfitReason =
  | 'not ready'
  | 'cordoned'
  | 'master node'
  | 'components not running'
  | 'insufficient cpu'
  | 'insufficient memory';

export function freeCpuM(node: NodeView): number {
  return node.cpuTotalM - node.cpuAllocatedM;
}

/**
 * Whether the node takes the pod: `fits(...)` is empty exactly when this is true. It
 * allocates nothing, as a placement asks it of thousands of nodes per pod.
 */
export function canTake(pod: PodRequest, node: NodeView): boolean {
  return (
    node.healthStatus === 'healthy' &&
    !node.cordoned &&
    node.nodeType === 'worker' &&
    node.kubelet === 'running' &&
    node.containerRuntime === 'running' &&
    node.cpuTotalM - node.cpuAllocatedM >= pod.cpuM &&
    (node.memoryTotalMb === null || node.memoryTotalMb - node.memoryAllocatedMb >= pod.memoryMb)
  );
}

export function fits(pod: PodRequest, node: NodeView): UnfitReason[] {
  const reasons: UnfitReason[] = [];
  if (node.healthStatus !== 'healthy') reasons.push('not ready');
  if (node.cordoned) reasons.push('cordoned');
  if (node.nodeType !== 'worker') reasons.push('master node');
  if (node.kubelet !== 'running' || node.containerRuntime !== 'running') {
    reasons.push('components not running');
  }
  if (freeCpuM(node) < pod.cpuM) reasons.push('insufficient cpu');
  if (node.memoryTotalMb !== null && node.memoryTotalMb - node.memoryAllocatedMb < pod.memoryMb) {
    reasons.push('insufficient memory');
  }
  return reasons;
}

/**
 * The first reason `fits` would give, or null when the node takes the pod; allocates
 * nothing, as an explanation asks it of every node a pod does not fit.
 */
export function firstUnfitReason(pod: PodRequest, node: NodeView): UnfitReason | null {
  if (node.healthStatus !== 'healthy') return 'not ready';
  if (node.cordoned) return 'cordoned';
  if (node.nodeType !== 'worker') return 'master node';
  if (node.kubelet !== 'running' || node.containerRuntime !== 'running') {
    return 'components not running';
  }
  if (freeCpuM(node) < pod.cpuM) return 'insufficient cpu';
  if (node.memoryTotalMb !== null && node.memoryTotalMb - node.memoryAllocatedMb < pod.memoryMb) {
    return 'insufficient memory';
  }
  return null;
}

/**
 * Kubernetes-style summary of why nothing fits: each node counted once, under the
 * first reason that rules it out ("0/3 nodes fit: 2 insufficient cpu, 1 not ready").
 */
export function unschedulableReason(pod: PodRequest, nodes: readonly NodeView[]): string {
  const counts: Partial<Record<UnfitReason, number>> = {};
  for (const node of nodes) {
    const first = firstUnfitReason(pod, node);
    if (first) counts[first] = (counts[first] ?? 0) + 1;
  }
  return unschedulableSummary(nodes.length, counts);
}

/** The summary of `unschedulableReason` from counts already made. */
export function unschedulableSummary(
  total: number,
  counts: Partial<Record<UnfitReason, number>>,
): string {
  if (total === 0) return '0/0 nodes fit: no nodes registered';
  const parts = (Object.entries(counts) as Array<[UnfitReason, number]>)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${n} ${reason}`);
  return `0/${total} nodes fit: ${parts.join(', ')}`;
}
