import {
  DecisionExplanation,
  DEFAULT_LIMITS,
  ExplainLimits,
  explainScan,
  insertRanked,
  ranksBefore,
  Scan,
  scanNodes,
} from './explain';
import { canTake, countRefusals } from './fits';
import { SCORERS } from './scorers';
import { NodeView, PodRequest, SchedulerAlgorithm } from './types';

/**
 * How many fitting nodes beyond the explained ones a pass keeps ranked, so that the pods
 * after it that ask the same can be placed without another pass. Each such pod ranks again
 * only the node that took the one before; a node that leaves the list (it filled up, or
 * fell below the nodes not kept) shortens it, and a pass runs again once the list holds
 * fewer than the explained ones.
 */
const REPEAT_DEPTH = 32;

/** Pods alike in everything a decision reads: the algorithm, the requests, the constraints. */
function requestKey(algorithm: SchedulerAlgorithm, pod: PodRequest): string {
  return `${algorithm} ${pod.cpuM} ${pod.memoryMb} ${pod.constraints ? JSON.stringify(pod.constraints) : ''}`;
}

/**
 * The decisions of one batch of pods placed one after another on the same snapshot of
 * the nodes, as a group commit places them. A pod that asks what the pod before it asked
 * is decided from that pod's pass: the score of a node depends only on the pod and that
 * node, and the only node that changed since is the one the pod before took. So only that
 * node is ranked again, instead of every node of a large cluster; winner and explanation
 * are exactly those of a full pass (`decideAndExplain`).
 *
 * The caller counts each winner's new allocation in the snapshot before the next decision
 * and changes nothing else in it meanwhile. Round-robin ranks by the last node chosen,
 * which each decision moves, so its pods each get a full pass; so do small clusters, whose
 * explanations hold every node.
 */
export class BatchDecisions {
  private last: { key: string; scan: Scan; chosen: NodeView | null } | null = null;

  constructor(
    private readonly nodes: readonly NodeView[],
    private readonly limits: ExplainLimits = DEFAULT_LIMITS,
    private readonly depth = REPEAT_DEPTH,
  ) {}

  decide(
    algorithm: SchedulerAlgorithm,
    pod: PodRequest,
    lastChosenId: number | null = null,
  ): { best: NodeView | null; explanation: DecisionExplanation } {
    const { nodes, limits } = this;
    const detailed = nodes.length <= limits.detailNodes;
    const key = detailed || algorithm === 'round-robin' ? null : requestKey(algorithm, pod);
    const previous = key !== null && this.last?.key === key ? this.last : null;
    const scan =
      (previous && this.rankAgain(algorithm, pod, previous.scan, previous.chosen)) ??
      scanNodes(
        algorithm,
        pod,
        nodes,
        lastChosenId,
        detailed ? Infinity : limits.topK + (key === null ? 0 : this.depth),
        detailed ? 0 : limits.topK,
      );
    const best = scan.top[0]?.node ?? null;
    this.last = key === null ? null : { key, scan, chosen: best };
    return { best, explanation: explainScan(algorithm, pod, nodes, lastChosenId, limits, scan) };
  }

  /**
   * The previous pass with `chosen` (which took the pod before, and nothing else changed)
   * ranked again; null when too few ranked nodes are left to explain the decision.
   */
  private rankAgain(
    algorithm: SchedulerAlgorithm,
    pod: PodRequest,
    scan: Scan,
    chosen: NodeView | null,
  ): Scan | null {
    // nothing fitted, and nothing changed
    if (!chosen) return scan;
    const at = scan.top.findIndex((r) => r.node === chosen);
    if (at >= 0) scan.top.splice(at, 1);
    if (canTake(pod, chosen)) {
      const score = SCORERS[algorithm](pod, chosen, null);
      // below the last kept, the nodes not kept may rank before it: it is not kept either
      const last = scan.top[scan.top.length - 1];
      if (scan.complete || (last && ranksBefore(score, chosen, last)))
        insertRanked(scan.top, chosen, score, Infinity);
    } else {
      scan.fitCount--;
      countRefusals(pod, chosen, scan.counts);
      this.sampleUnfit(scan.unfitSample, chosen);
    }
    return scan.complete || scan.top.length >= this.limits.topK ? scan : null;
  }

  /** The first `topK` ruled-out nodes in the nodes' order, as a pass samples them. */
  private sampleUnfit(sample: NodeView[], node: NodeView): void {
    const { nodes } = this;
    const position = nodes.indexOf(node);
    let at = sample.length;
    while (at > 0 && nodes.indexOf(sample[at - 1]) > position) at--;
    if (at >= this.limits.topK) return;
    sample.splice(at, 0, node);
    if (sample.length > this.limits.topK) sample.pop();
  }
}
