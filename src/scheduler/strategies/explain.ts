import { canTake, countRefusals, fits, UnfitReason, unschedulableSummary } from './fits';
import { allocatedScore, SCORERS } from './scorers';
import { NodeView, PodRequest, SchedulerAlgorithm } from './types';

/** One node as a decision saw it. */
export interface NodeVerdict {
  name: string;
  fits: boolean;
  /** every reason the node was ruled out; empty when it fits */
  reasons: string[];
  /** the algorithm's score (higher wins) for a node that fits, else null */
  score: number | null;
  /** how the score came about, in words ("best-fit: 1.5 cores left after placing") */
  score_note: string | null;
}

/** What one scheduling decision considered, bounded whatever the cluster's size. */
export interface DecisionExplanation {
  algorithm: SchedulerAlgorithm;
  /** the winner, or null when nothing fits */
  node: string | null;
  /** why it won, or why the pod stays pending ("0/3 nodes are available: …") */
  reason: string;
  nodes_total: number;
  nodes_fit: number;
  /** nodes ruled out, counted as kube-scheduler counts them (a node short of cpu and memory under both) */
  unfit_counts: Partial<Record<UnfitReason, number>>;
  /** every node when the cluster is small, else the best fitting ones and a sample of the rest */
  nodes: NodeVerdict[];
  /** true when `nodes` is not every node considered */
  truncated: boolean;
}

export interface ExplainLimits {
  /** clusters up to this many nodes get a row per node */
  detailNodes: number;
  /** beyond it: this many of the best fitting nodes, and as many ruled-out ones */
  topK: number;
}

/** 5 + 5 rows keep a stored decision small (about 1.5 kB) at any cluster size */
export const DEFAULT_LIMITS: ExplainLimits = { detailNodes: 100, topK: 5 };

const cores = (millicores: number) => `${+(millicores / 1000).toFixed(3)} cores`;
const pct = (fraction: number) => `${+(fraction * 100).toFixed(1)}%`;

/** "1.5 cores, 2048 MiB left after placing (62.5% allocated)" — the figures both fit scores rest on. */
function roomNote(pod: PodRequest, node: NodeView): string {
  const left = node.cpuTotalM - node.cpuAllocatedM - pod.cpuM;
  const mem =
    node.memoryTotalMb === null
      ? ''
      : `, ${node.memoryTotalMb - node.memoryAllocatedMb - pod.memoryMb} MiB`;
  return `${cores(left)}${mem} left after placing (${pct(allocatedScore(pod, node) / 100)} allocated`;
}

/** The algorithm's score of a fitting node, in words. */
export function scoreNote(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  node: NodeView,
  lastChosenId: number | null,
): string {
  switch (algorithm) {
    case 'first-fit':
      return 'first-fit: every fitting node scores 0, the oldest wins';
    case 'best-fit':
      return `best-fit: ${roomNote(pod, node)}, most allocated wins)`;
    case 'worst-fit':
      return `worst-fit: ${roomNote(pod, node)}, least allocated wins)`;
    case 'round-robin':
      return lastChosenId === null
        ? 'round-robin: no node chosen yet, the oldest wins'
        : node.id > lastChosenId
          ? `round-robin: after the last node chosen (id ${lastChosenId})`
          : `round-robin: at or before the last node chosen (id ${lastChosenId}), only on wrap-around`;
  }
}

function verdict(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  node: NodeView,
  lastChosenId: number | null,
): NodeVerdict {
  if (!canTake(pod, node)) {
    return {
      name: node.name,
      fits: false,
      reasons: fits(pod, node),
      score: null,
      score_note: null,
    };
  }
  return {
    name: node.name,
    fits: true,
    reasons: [],
    score: SCORERS[algorithm](pod, node, lastChosenId),
    score_note: scoreNote(algorithm, pod, node, lastChosenId),
  };
}

/** A fitting node and its score. */
export interface Ranked {
  node: NodeView;
  score: number;
}

/** Better first: higher score, then creation order — the order the scheduler ranks in. */
export const ranksBefore = (score: number, node: NodeView, other: Ranked) =>
  score > other.score || (score === other.score && node.id < other.node.id);

/** What one pass over the nodes found for a pod. */
export interface Scan {
  /** the best fitting nodes, best first: at most the depth asked for */
  top: Ranked[];
  /** true when `top` holds every fitting node */
  complete: boolean;
  /** the first ruled-out nodes, in the nodes' order: at most the sample asked for */
  unfitSample: NodeView[];
  /** nodes ruled out, by reason (see `countRefusals`) */
  counts: Partial<Record<UnfitReason, number>>;
  fitCount: number;
}

/**
 * Puts a fitting node in its rank in `top` (best first, at most `depth` long), unless
 * the list is full and the node ranks below its last; allocates only when it goes in.
 */
export function insertRanked(top: Ranked[], node: NodeView, score: number, depth: number): void {
  if (top.length >= depth && (top.length === 0 || !ranksBefore(score, node, top[top.length - 1])))
    return;
  let at = top.length;
  while (at > 0 && ranksBefore(score, node, top[at - 1])) at--;
  top.splice(at, 0, { node, score });
  if (top.length > depth) top.pop();
}

/**
 * One pass over the nodes: the `depth` best fitting (a short sorted list, touched only
 * when a node beats its last), the first `sample` ruled out, and counts per reason.
 * It allocates nothing for the many nodes that neither enter the list nor the sample.
 */
export function scanNodes(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null,
  depth: number,
  sample: number,
): Scan {
  const score = SCORERS[algorithm];
  const top: Ranked[] = [];
  const unfitSample: NodeView[] = [];
  const counts: Partial<Record<UnfitReason, number>> = {};
  let fitCount = 0;
  for (const node of nodes) {
    if (canTake(pod, node)) {
      fitCount++;
      insertRanked(top, node, score(pod, node, lastChosenId), depth);
    } else {
      countRefusals(pod, node, counts);
      if (unfitSample.length < sample) unfitSample.push(node);
    }
  }
  return { top, complete: fitCount <= depth, unfitSample, counts, fitCount };
}

/** The explanation of a pass: every node's row on a small cluster, else the best and a sample. */
export function explainScan(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null,
  limits: ExplainLimits,
  scan: Scan,
): DecisionExplanation {
  const best = scan.top[0]?.node ?? null;
  const rows =
    nodes.length <= limits.detailNodes
      ? nodes.map((node) => verdict(algorithm, pod, node, lastChosenId))
      : [...scan.top.slice(0, limits.topK).map((t) => t.node), ...scan.unfitSample].map((node) =>
          verdict(algorithm, pod, node, lastChosenId),
        );
  const reason = best
    ? `${scoreNote(algorithm, pod, best, lastChosenId)}; ${scan.fitCount}/${nodes.length} nodes fit`
    : unschedulableSummary(nodes.length, scan.counts);
  return {
    algorithm,
    node: best?.name ?? null,
    reason,
    nodes_total: nodes.length,
    nodes_fit: scan.fitCount,
    unfit_counts: { ...scan.counts },
    nodes: rows,
    truncated: rows.length < nodes.length,
  };
}

/**
 * Decides and explains in one pass over the nodes: the winner is exactly the node
 * `bestNode` picks. Small clusters get a row per node; large ones keep only the top
 * `topK` fitting nodes and the first `topK` ruled-out ones, with counts per reason —
 * so a decision over thousands of nodes costs about what choosing does, and stores a
 * few rows.
 */
export function decideAndExplain(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  lastChosenId: number | null = null,
  limits: ExplainLimits = DEFAULT_LIMITS,
): { best: NodeView | null; explanation: DecisionExplanation } {
  const detailed = nodes.length <= limits.detailNodes;
  const scan = scanNodes(
    algorithm,
    pod,
    nodes,
    lastChosenId,
    detailed ? Infinity : limits.topK,
    detailed ? 0 : limits.topK,
  );
  return {
    best: scan.top[0]?.node ?? null,
    explanation: explainScan(algorithm, pod, nodes, lastChosenId, limits, scan),
  };
}

/**
 * The explanation of a decision that chose `chosen` (which the database accepted, maybe
 * after the first-ranked node refused): the winner is the node actually bound.
 */
export function explainChoice(
  algorithm: SchedulerAlgorithm,
  pod: PodRequest,
  nodes: readonly NodeView[],
  chosen: NodeView | null,
  lastChosenId: number | null = null,
  limits: ExplainLimits = DEFAULT_LIMITS,
): DecisionExplanation {
  const { explanation } = decideAndExplain(algorithm, pod, nodes, lastChosenId, limits);
  if (!chosen || explanation.node === chosen.name) return explanation;
  const rows = explanation.nodes.some((n) => n.name === chosen.name)
    ? explanation.nodes
    : [verdict(algorithm, pod, chosen, lastChosenId), ...explanation.nodes];
  return {
    ...explanation,
    node: chosen.name,
    reason: `${scoreNote(algorithm, pod, chosen, lastChosenId)}; a better-ranked node filled up meanwhile`,
    nodes: rows,
    truncated: rows.length < explanation.nodes_total,
  };
}
