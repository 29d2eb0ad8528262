import { SchedulerAlgorithm, NodeView, PodRequest } from './types';
import { freeCpuM } from './fits';

/**
 * A scorer ranks the nodes that fit; higher wins, ties break by creation order (id).
 * Round-robin is not a score of the node alone: it needs the last node chosen.
 */
export type Scorer = (pod: PodRequest, node: NodeView, lastChosenId: number | null) => number;

/** first-fit: every node scores the same, so the oldest fitting node wins. */
const firstFit: Scorer = () => 0;

/** best-fit: least CPU left after placing the pod wins. */
const bestFit: Scorer = (pod, node) => -(freeCpuM(node) - pod.cpuM);

/** worst-fit: most CPU left after placing the pod wins. */
const worstFit: Scorer = (pod, node) => freeCpuM(node) - pod.cpuM;

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
