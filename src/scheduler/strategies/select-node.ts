import { canTake, unschedulableReason } from './fits';
import { SCORERS } from './scorers';
import { NodeView, Placement, PodRequest, SchedulerAlgorithm } from './types';

/**
 * Ranks the nodes that fit the pod under an algorithm, best first. The caller tries
 * them in order: the database may still refuse a node another request just filled.
 */
export function rankNodes(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null = null,
): NodeView[] {
  const score = SCORERS[algorithm];
  return nodes
    .filter((node) => canTake(pod, node))
    .map((node) => ({ node, score: score(pod, node, lastChosenId) }))
    .sort((a, b) => b.score - a.score || a.node.id - b.node.id)
    .map((entry) => entry.node);
}

/**
 * The node `rankNodes` would put first, in one pass (no sort): what a placement needs
 * when it tries only the best node, on thousands of nodes per pod.
 */
export function bestNode(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null = null,
): NodeView | null {
  const score = SCORERS[algorithm];
  let best: NodeView | null = null;
  let bestScore = -Infinity;
  for (const node of nodes) {
    if (!canTake(pod, node)) continue;
    const s = score(pod, node, lastChosenId);
    if (s > bestScore || (s === bestScore && best !== null && node.id < best.id)) {
      best = node;
      bestScore = s;
    }
  }
  return best;
}

/** The node an algorithm picks, or why none fits. */
export function selectNode(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null = null,
): Placement {
  const [best] = rankNodes(algorithm, pod, nodes, lastChosenId);
  return best
    ? { node: best, reason: null }
    : { node: null, reason: unschedulableReason(pod, nodes) };
}
