import { SchedulerAlgorithm, NodeView, PodRequest } from './types';

/**
 * A scorer ranks the nodes that fit; higher wins, ties break by creation order (id).
 * Round-robin is not a score of the node alone: it needs the last node chosen.
 */
export type Scorer = (pod: PodRequest, node: NodeView, lastChosenId: number | null) => number;

/**
 * The mean, over cpu and memory, of the fraction of the node the pod would leave in use
 * (Kubernetes' MostAllocated, on 0–100); memory counts only on a node that declares it.
 */
export function allocatedScore(pod: PodRequest, node: NodeView): number {
  const cpu = node.cpuTotalM > 0 ? (node.cpuAllocatedM + pod.cpuM) / node.cpuTotalM : 1;
  if (node.memoryTotalMb === null) return cpu * 100;
  const mem =
    node.memoryTotalMb > 0 ? (node.memoryAllocatedMb + pod.memoryMb) / node.memoryTotalMb : 1;
  return ((cpu + mem) / 2) * 100;
}

/** first-fit: every node scores the same, so the oldest fitting node wins. */
const firstFit: Scorer = () => 0;

/** best-fit: the node left fullest wins (MostAllocated). */
const bestFit: Scorer = (pod, node) => allocatedScore(pod, node);

/** worst-fit: the node left emptiest wins (LeastAllocated: mean free fraction). */
const worstFit: Scorer = (pod, node) => 100 - allocatedScore(pod, node);

/**
 * round-robin: the first node after the last one chosen, wrapping around.
 * Nodes after the last chosen score 1 (the oldest of them wins the tie); the rest 0.
 */
const roundRobin: Scorer = (_pod, node, lastChosenId) =>
  lastChosenId === null || node.id > lastChosenId ? 1 : 0;

export const SCORERS: Record<SchedulerAlgorithm, Scorer> = {
  'first-fit': firstFit,
  'best-fit': bestFit,
  'worst-fit': worstFit,
  'round-robin': roundRobin,
};
