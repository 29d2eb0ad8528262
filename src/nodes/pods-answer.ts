import { MAX_ANSWER_BYTES } from '../../node-simulator/src/wire';
import { PodAssignmentDto } from './dto/node-response.dto';
import { NodePods, PodEntry } from './node-pods-cache';

/** Pod specs per answer: past this the rest waits for the agent's next beat (it asks at once). */
export const ANSWER_BUDGET_BYTES = 4 * 1024 * 1024;
/** A pod whose spec is larger than this is never sent: it is failed, not its node. */
export const MAX_POD_SPEC_BYTES = MAX_ANSWER_BYTES / 4;

export interface PodsAnswer {
  pods: PodAssignmentDto[];
  pod_ids: number[];
  pods_version: number;
}

/** Per cached pod set, built once: routine beats are answered from it many times over. */
const views = new WeakMap<
  NodePods,
  { deliverable: PodEntry[]; podIds: number[]; pods: PodAssignmentDto[] }
>();

function deliverableOf(node: NodePods) {
  let view = views.get(node);
  if (!view) {
    const deliverable = node.entries.filter((e) => e.assignment !== null);
    view = {
      deliverable,
      podIds: deliverable.map((e) => e.id),
      pods: deliverable.map((e) => e.assignment!),
    };
    views.set(node, view);
  }
  return view;
}

/**
 * What an answer carries. An agent that sent no version (an older release) gets every
 * pod in full. One that did gets the pods changed since that version and those it does
 * not hold, oldest change first, within ANSWER_BUDGET_BYTES; when the budget stops the
 * list, the version it is told to hold is the one just before the first change left out,
 * so its next beat gets the rest. `pod_ids` always lists every pod, so removals show.
 */
export function buildPodsAnswer(
  node: NodePods,
  agentVersion: number | undefined,
  held: readonly number[],
): PodsAnswer {
  const { deliverable, podIds, pods: all } = deliverableOf(node);
  if (agentVersion === undefined) return { pods: all, pod_ids: podIds, pods_version: node.version };
  // a version from the future (another database, a restored one): the agent knows nothing
  const since = agentVersion > node.version ? 0 : agentVersion;
  const holds = new Set(held);
  const needed = deliverable
    .filter((e) => e.specVersion > since || !holds.has(e.id))
    .sort((a, b) => a.specVersion - b.specVersion || a.id - b.id);
  const pods: PodAssignmentDto[] = [];
  let bytes = 0;
  let version = node.version;
  for (let i = 0; i < needed.length; i++) {
    const entry = needed[i];
    if (pods.length > 0 && bytes + entry.bytes > ANSWER_BUDGET_BYTES) {
      const next = needed.slice(i).find((e) => e.specVersion > since);
      if (next) version = next.specVersion - 1;
      break;
    }
    pods.push(entry.assignment!);
    bytes += entry.bytes;
  }
  return { pods, pod_ids: podIds, pods_version: version };
}
