import { canTake } from '../scheduler/strategies/fits';
import { NodeView, PodRequest } from '../scheduler/strategies/types';

/** The label (and name prefix) of the nodes the autoscaler added: only those are removed. */
export const AUTOSCALED_LABEL = 'kubesim.io/autoscaled';
export const AUTOSCALED_PREFIX = 'autoscaled-';
/** A node allocated below this share of its CPU and memory counts as under-used. */
export const UNDERUSED_BELOW = 0.5;

export interface AutoscalerSettings {
  enabled: boolean;
  minNodes: number;
  maxNodes: number;
  nodeCpuCores: number;
  /** null: the new nodes declare no memory, so memory never limits them */
  nodeMemoryMb: number | null;
  scaleUpDelayS: number;
  scaleDownIdleS: number;
}

export interface ObservedNode {
  view: NodeView;
  autoscaled: boolean;
  /** the requests of the pods bound to it */
  pods: PodRequest[];
}

export interface PendingPod extends PodRequest {
  name: string;
  /** ms since the epoch */
  pendingSince: number;
}

export interface Observed {
  nodes: ObservedNode[];
  pending: PendingPod[];
  /** node name → since when (ms) it has been under-used, as the last decision left it */
  underusedSince: Record<string, number>;
}

export type ScalingAction =
  | { kind: 'scale-up'; count: number; pods: string[]; message: string }
  | { kind: 'scale-down'; node: string; message: string }
  /** a pending pod no node of the configured size could take: explained, never scaled for */
  | { kind: 'too-big'; pod: string; message: string }
  | { kind: 'at-max'; pods: string[]; message: string };

export interface ScalingDecision {
  actions: ScalingAction[];
  underusedSince: Record<string, number>;
}

/** Free room of a node in a simulation. */
interface Room {
  name: string;
  cpuM: number;
  /** null: unlimited */
  memoryMb: number | null;
  /** received pods in this simulation: it is no longer a candidate for removal */
  received: boolean;
}

const takes = (room: Room, pod: PodRequest) =>
  room.cpuM >= pod.cpuM && (room.memoryMb === null || room.memoryMb >= pod.memoryMb);

const place = (room: Room, pod: PodRequest) => {
  room.cpuM -= pod.cpuM;
  if (room.memoryMb !== null) room.memoryMb -= pod.memoryMb;
  room.received = true;
};

const biggestFirst = <T extends PodRequest>(pods: readonly T[]) =>
  [...pods].sort((a, b) => b.cpuM - a.cpuM || b.memoryMb - a.memoryMb);

/** The room a pod could go to now: a node the scheduler binds to (ready, uncordoned, worker). */
const schedulable = (view: NodeView) => canTake({ cpuM: 0, memoryMb: 0 }, view);

const roomOf = (view: NodeView): Room => ({
  name: view.name,
  cpuM: view.cpuTotalM - view.cpuAllocatedM,
  memoryMb: view.memoryTotalMb === null ? null : view.memoryTotalMb - view.memoryAllocatedMb,
  received: false,
});

/** The larger of its CPU and memory allocation, 0..1. */
export function allocatedShare(view: NodeView): number {
  const cpu = view.cpuTotalM > 0 ? view.cpuAllocatedM / view.cpuTotalM : 1;
  const memory =
    view.memoryTotalMb === null || view.memoryTotalMb === 0
      ? 0
      : view.memoryAllocatedMb / view.memoryTotalMb;
  return Math.max(cpu, memory);
}

/**
 * Best fit of each pod (biggest first) into the rooms: true, with the rooms consumed,
 * when every pod found one; false, with the rooms untouched, otherwise.
 */
export function fitAll(pods: readonly PodRequest[], rooms: Room[]): boolean {
  const trial = rooms.map((r) => ({ ...r }));
  for (const pod of biggestFirst(pods)) {
    const best = trial
      .filter((r) => takes(r, pod))
      .sort((a, b) => a.cpuM - b.cpuM || a.name.localeCompare(b.name))[0];
    if (!best) return false;
    place(best, pod);
  }
  trial.forEach((t, i) => Object.assign(rooms[i], t));
  return true;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const cores = (m: number) => `${m / 1000} cores`;

/**
 * What the cluster autoscaler does now, from what it observes: pure, so a table of
 * cases pins it down. Pending pods that no existing (or already starting) node can take
 * are bin-packed into new nodes of the configured size, up to max_nodes; an added node
 * that has been under-used for scale_down_idle_s and whose pods all fit on the other
 * ready nodes is removed, down to min_nodes.
 */
export function decideScaling(
  settings: AutoscalerSettings,
  observed: Observed,
  now: number,
): ScalingDecision {
  if (!settings.enabled) return { actions: [], underusedSince: {} };
  const actions: ScalingAction[] = [];
  const workers = observed.nodes.filter((n) => n.view.nodeType === 'worker');
  const nodeCount = workers.length;
  const newCpuM = Math.round(settings.nodeCpuCores * 1000);
  const newNode = (i: number): Room => ({
    name: `new-${i}`,
    cpuM: newCpuM,
    memoryMb: settings.nodeMemoryMb,
    received: false,
  });

  // ---- scale up: room now, room soon (nodes still starting), then new nodes
  const rooms = workers
    .filter((n) => schedulable(n.view) || (n.view.healthStatus === 'pending' && !n.view.cordoned))
    .map((n) => roomOf(n.view));
  const added: Room[] = [];
  const needing: string[] = [];
  const unhelped: string[] = [];
  const tooBig = (pod: PodRequest) =>
    pod.cpuM > newCpuM || (settings.nodeMemoryMb !== null && pod.memoryMb > settings.nodeMemoryMb);
  const due = observed.pending.filter((p) => now - p.pendingSince >= settings.scaleUpDelayS * 1000);
  for (const pod of biggestFirst(due)) {
    if (
      pod.cpuM > newCpuM ||
      (settings.nodeMemoryMb !== null && pod.memoryMb > settings.nodeMemoryMb)
    ) {
      actions.push({
        kind: 'too-big',
        pod: pod.name,
        message: `Pod ${pod.name} requests ${cores(pod.cpuM)}${settings.nodeMemoryMb === null ? '' : ` and ${pod.memoryMb} MiB`}, more than a new node (${cores(newCpuM)}${settings.nodeMemoryMb === null ? '' : `, ${settings.nodeMemoryMb} MiB`}) has: not scaling up for it`,
      });
      continue;
    }
    if (fitAll([pod], rooms)) continue;
    needing.push(pod.name);
    if (fitAll([pod], added)) continue;
    if (nodeCount + added.length < settings.maxNodes) {
      const room = newNode(added.length);
      place(room, pod);
      added.push(room);
    } else {
      unhelped.push(pod.name);
    }
  }
  if (added.length) {
    actions.push({
      kind: 'scale-up',
      count: added.length,
      pods: needing,
      message: `ScaleUp: ${plural(needing.length, 'pod')} pending, adding ${plural(added.length, 'node')} of ${cores(newCpuM)}${settings.nodeMemoryMb === null ? '' : ` and ${settings.nodeMemoryMb} MiB`}`,
    });
  }
  if (unhelped.length) {
    actions.push({
      kind: 'at-max',
      pods: unhelped,
      message: `ScaleUp: ${plural(unhelped.length, 'pod')} still pending for lack of room, but the cluster is at max_nodes=${settings.maxNodes}`,
    });
  }

  // ---- scale down: only added nodes, under-used long enough, whose pods fit elsewhere
  const underusedSince: Record<string, number> = {};
  const candidates = workers.filter(
    (n) => n.autoscaled && schedulable(n.view) && allocatedShare(n.view) < UNDERUSED_BELOW,
  );
  for (const c of candidates) {
    underusedSince[c.view.name] = observed.underusedSince[c.view.name] ?? now;
  }
  // while pods wait (for room, or for the scheduler to use the room there is), no node goes
  if (observed.pending.some((p) => !tooBig(p))) return { actions, underusedSince };
  let budget = nodeCount - settings.minNodes;
  const targets = workers.filter((n) => schedulable(n.view)).map((n) => roomOf(n.view));
  const idle = candidates
    .filter((c) => now - underusedSince[c.view.name] >= settings.scaleDownIdleS * 1000)
    .sort(
      (a, b) =>
        allocatedShare(a.view) - allocatedShare(b.view) || a.view.name.localeCompare(b.view.name),
    );
  for (const c of idle) {
    if (budget <= 0) break;
    const own = targets.find((t) => t.name === c.view.name);
    if (!own || own.received) continue;
    const others = targets.filter((t) => t !== own);
    if (!fitAll(c.pods, others)) continue;
    targets.splice(targets.indexOf(own), 1);
    budget--;
    const idleS = Math.round((now - underusedSince[c.view.name]) / 1000);
    actions.push({
      kind: 'scale-down',
      node: c.view.name,
      message: `ScaleDown: node ${c.view.name} under-used (${Math.round(allocatedShare(c.view) * 100)}% allocated) for ${idleS} s, ${c.pods.length ? `its ${plural(c.pods.length, 'pod')} fit on other nodes` : 'no pods'}: removing it`,
    });
    delete underusedSince[c.view.name];
  }
  return { actions, underusedSince };
}

/** Whether the pods fit on the given nodes' free room (rechecked just before a removal). */
export function podsFitOn(pods: readonly PodRequest[], views: readonly NodeView[]): boolean {
  return fitAll(
    pods,
    views.filter(schedulable).map((v) => roomOf(v)),
  );
}
