import { AFFINITY_REFUSAL, labelsMatch } from './node-affinity';
import { toleratesCordon, untoleratedTaint } from './taints';
import { NodeView, PodRequest } from './types';

/**
 * Why a node cannot take a pod, in kube-scheduler's words where it has them (a count
 * stands before each in a summary: "2 Insufficient cpu"). A taint's refusal names the
 * taint ("node(s) had untolerated taint {dedicated: gpu}").
 */
export const REFUSAL = {
  notReady: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  unschedulable: 'node(s) were unschedulable',
  master: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }',
  components: 'node(s) had components not running',
  affinity: AFFINITY_REFUSAL,
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
} as const;

export type UnfitReason = string;

export function freeCpuM(node: NodeView): number {
  return node.cpuTotalM - node.cpuAllocatedM;
}

const memoryFits = (pod: PodRequest, node: NodeView) =>
  node.memoryTotalMb === null || node.memoryTotalMb - node.memoryAllocatedMb >= pod.memoryMb;

/**
 * Whether the node takes the pod: `fits(...)` is empty exactly when this is true. It
 * allocates nothing, as a placement asks it of thousands of nodes per pod; a pod without
 * constraints on a node without repelling taints costs a few comparisons more than room.
 */
export function canTake(pod: PodRequest, node: NodeView): boolean {
  return (
    node.healthStatus === 'healthy' &&
    (!node.cordoned || toleratesCordon(pod.constraints)) &&
    node.nodeType === 'worker' &&
    node.kubelet === 'running' &&
    node.containerRuntime === 'running' &&
    node.cpuTotalM - node.cpuAllocatedM >= pod.cpuM &&
    memoryFits(pod, node) &&
    (pod.constraints
      ? untoleratedTaint(pod.constraints, node) === null && labelsMatch(pod.constraints, node)
      : !node.hardTaints)
  );
}

/** The refusal of the node's placement rules (not of its room), in kube-scheduler's order. */
function ruleRefusal(pod: PodRequest, node: NodeView): string | null {
  if (node.healthStatus !== 'healthy') return REFUSAL.notReady;
  if (node.cordoned && !toleratesCordon(pod.constraints)) return REFUSAL.unschedulable;
  if (node.nodeType !== 'worker') return REFUSAL.master;
  if (node.kubelet !== 'running' || node.containerRuntime !== 'running') return REFUSAL.components;
  const taint = untoleratedTaint(pod.constraints, node);
  if (taint) return taint.refusal;
  if (!labelsMatch(pod.constraints, node)) return REFUSAL.affinity;
  return null;
}

/**
 * Every reason the node refuses the pod, in kube-scheduler's order (its state, cordon,
 * role, components, the first taint the pod does not tolerate, labels, then each resource
 * it lacks); empty when it fits. Summaries count only the first rule (see `countRefusals`).
 */
export function fits(pod: PodRequest, node: NodeView): UnfitReason[] {
  const reasons: UnfitReason[] = [];
  if (node.healthStatus !== 'healthy') reasons.push(REFUSAL.notReady);
  if (node.cordoned && !toleratesCordon(pod.constraints)) reasons.push(REFUSAL.unschedulable);
  if (node.nodeType !== 'worker') reasons.push(REFUSAL.master);
  if (node.kubelet !== 'running' || node.containerRuntime !== 'running')
    reasons.push(REFUSAL.components);
  const taint = untoleratedTaint(pod.constraints, node);
  if (taint) reasons.push(taint.refusal);
  if (!labelsMatch(pod.constraints, node)) reasons.push(REFUSAL.affinity);
  if (freeCpuM(node) < pod.cpuM) reasons.push(REFUSAL.cpu);
  if (!memoryFits(pod, node)) reasons.push(REFUSAL.memory);
  return reasons;
}

/** The first reason `fits` would give, or null when the node takes the pod. */
export function firstUnfitReason(pod: PodRequest, node: NodeView): UnfitReason | null {
  const rule = ruleRefusal(pod, node);
  if (rule) return rule;
  if (freeCpuM(node) < pod.cpuM) return REFUSAL.cpu;
  if (!memoryFits(pod, node)) return REFUSAL.memory;
  return null;
}

/**
 * Counts a refused node as kube-scheduler does: under the first rule that rules it out,
 * else under each resource it lacks; without building a list, as an explanation asks it
 * of every node a pod does not fit.
 */
export function countRefusals(
  pod: PodRequest,
  node: NodeView,
  counts: Partial<Record<UnfitReason, number>>,
): void {
  const rule = ruleRefusal(pod, node);
  if (rule) {
    counts[rule] = (counts[rule] ?? 0) + 1;
    return;
  }
  if (freeCpuM(node) < pod.cpuM) counts[REFUSAL.cpu] = (counts[REFUSAL.cpu] ?? 0) + 1;
  if (!memoryFits(pod, node)) counts[REFUSAL.memory] = (counts[REFUSAL.memory] ?? 0) + 1;
}

/**
 * kube-scheduler's summary of why nothing fits ("0/3 nodes are available: 1 Insufficient
 * cpu, 2 node(s) had untolerated taint {dedicated: gpu}."): a node lacking both cpu and
 * memory counts under each, as in Kubernetes.
 */
export function unschedulableReason(pod: PodRequest, nodes: readonly NodeView[]): string {
  const counts: Partial<Record<UnfitReason, number>> = {};
  for (const node of nodes) countRefusals(pod, node, counts);
  return unschedulableSummary(nodes.length, counts);
}

/** The summary of `unschedulableReason` from counts already made, sorted as kube-scheduler sorts. */
export function unschedulableSummary(
  total: number,
  counts: Partial<Record<UnfitReason, number>>,
): string {
  if (total === 0) return '0/0 nodes are available: no nodes registered.';
  const parts = Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}
