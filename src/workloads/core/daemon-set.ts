import { termsMatch } from '../../scheduler/strategies/node-affinity';
import { tolerationOf } from '../../scheduler/strategies/taints';
import { NodeSelectorTerm, Taint, Toleration } from '../../scheduler/strategies/types';
import { resolveDaemonSetUnavailable } from './int-or-percent';
import { matchesSelector } from './label-selector';
import { BURST_REPLICAS, isActive, isAvailable } from './replica-set';
import { podTemplateHash } from './template-hash';
import { controllerOf, DaemonSetStatus, DaemonSetView, PodTemplate, PodView } from './types';

/** The labels the DaemonSet controller puts on its pods (apps.ControllerRevisionHashLabelKey, the deprecated generation). */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
export const POD_TEMPLATE_GENERATION = 'pod-template-generation';
/** Where kube-apiserver keeps a DaemonSet's template generation (it rises with each template change). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/**
 * The tolerations Kubernetes' DaemonSet controller adds to every daemon pod
 * (AddOrUpdateDaemonPodTolerations): it stays through a node's not-ready and unreachable
 * spells, and goes to nodes under pressure or cordoned. `network-unavailable` is added
 * for hostNetwork pods only.
 */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: Toleration = {
  key: 'node.kubernetes.io/network-unavailable',
  operator: 'Exists',
  effect: 'NoSchedule',
};

/** What the DaemonSet controller sees of a node. */
export interface DaemonNodeView {
  name: string;
  /** its labels as the scheduler matches them (the well-known ones included) */
  labels: Record<string, string>;
  /** its taints as Kubernetes shows them: its own and those of its state (cordon, not ready) */
  taints: Taint[];
  /** false for a node that never runs pods (kubesim's masters) */
  takesPods: boolean;
}

export type DaemonPodDeletion =
  'misscheduled' | 'failed' | 'succeeded' | 'excess' | 'no-node' | 'rolling-update';

export interface DaemonSetPlan {
  /** the revision hash of the current template (the pods' controller-revision-hash) */
  hash: string;
  /** orphans matching the selector, to take as ours */
  adopt: PodView[];
  /** ours that no longer match the selector, to let go */
  release: PodView[];
  /** the nodes to make a pod for, each pinned to its node */
  create: string[];
  delete: Array<{ pod: PodView; node: string | null; why: DaemonPodDeletion }>;
  status: DaemonSetStatus;
}

/** Kubernetes' AddOrUpdateTolerationInPodSpec for the daemon tolerations: an equal one is replaced, others added. */
export function withDaemonTolerations(
  tolerations: readonly Toleration[] | undefined,
  hostNetwork: boolean,
): Toleration[] {
  const out = [...(tolerations ?? [])];
  const add = hostNetwork
    ? [...DAEMON_POD_TOLERATIONS, NETWORK_UNAVAILABLE]
    : DAEMON_POD_TOLERATIONS;
  for (const t of add) {
    const at = out.findIndex(
      (o) => o.key === t.key && o.effect === t.effect && (o.operator ?? 'Equal') === t.operator,
    );
    if (at >= 0) out[at] = { ...t };
    else out.push({ ...t });
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The template's required node affinity terms, if any. */
function requiredTerms(spec: Record<string, unknown>): NodeSelectorTerm[] | null {
  const affinity = spec.affinity;
  if (!isObject(affinity) || !isObject(affinity.nodeAffinity)) return null;
  const req = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (!isObject(req) || !Array.isArray(req.nodeSelectorTerms)) return null;
  return req.nodeSelectorTerms as NodeSelectorTerm[];
}

/**
 * Kubernetes' NodeShouldRunDaemonPod: whether a daemon pod should be made for the node
 * (`shouldRun`: nodeName, nodeSelector and required node affinity match, and every
 * NoSchedule and NoExecute taint is tolerated, the daemon tolerations counted), and whether
 * one already there may stay (`shouldContinueRunning`: only an untolerated NoExecute taint,
 * or labels that no longer match, send it away).
 */
export function nodeShouldRunDaemonPod(
  template: PodTemplate,
  node: DaemonNodeView,
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (!node.takesPods) return no;
  const spec = template.spec ?? {};
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '' && spec.nodeName !== node.name)
    return no;
  const selector = isObject(spec.nodeSelector) ? (spec.nodeSelector as Record<string, string>) : {};
  for (const [k, v] of Object.entries(selector)) if (node.labels[k] !== v) return no;
  const terms = requiredTerms(spec);
  if (terms && !termsMatch(terms, node.labels, node.name)) return no;
  const tolerations = withDaemonTolerations(
    Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : [],
    spec.hostNetwork === true,
  );
  const untolerated = node.taints.filter(
    (t) => t.effect !== 'PreferNoSchedule' && !tolerationOf(tolerations, t),
  );
  if (!untolerated.length) return { shouldRun: true, shouldContinueRunning: true };
  return {
    shouldRun: false,
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
  };
}

/** The template generation of a DaemonSet (its annotation), or null when it has none. */
export function templateGeneration(ds: DaemonSetView): number | null {
  const text = ds.metadata.annotations[TEMPLATE_GENERATION_ANNOTATION];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** The revision hash of the DaemonSet's current template (a ControllerRevision's name suffix). */
export function daemonSetHash(ds: DaemonSetView): string {
  return podTemplateHash(ds.spec.template, ds.status.collisionCount ?? 0);
}

/** Kubernetes' IsPodUpdated: the pod carries the current hash or the current template generation. */
export function isPodUpdated(pod: PodView, hash: string, generation: number | null): boolean {
  return (
    (hash !== '' && pod.labels[CONTROLLER_REVISION_HASH] === hash) ||
    (generation !== null && pod.labels[POD_TEMPLATE_GENERATION] === String(generation))
  );
}

/**
 * The pod the controller creates for a node (CreatePodTemplate, then
 * ReplaceDaemonSetPodNodeNameNodeAffinity): the template with the revision labels, the daemon
 * tolerations, and a required node affinity that names only this node (`matchFields
 * metadata.name In [node]`, replacing the template's terms, which the node already matched).
 */
export function daemonPodTemplate(ds: DaemonSetView, hash: string, nodeName: string): PodTemplate {
  const template = ds.spec.template;
  const spec = { ...(template.spec ?? {}) };
  const generation = templateGeneration(ds);
  const labels: Record<string, string> = {
    ...(template.metadata?.labels ?? {}),
    ...(generation !== null ? { [POD_TEMPLATE_GENERATION]: String(generation) } : {}),
    [CONTROLLER_REVISION_HASH]: hash,
  };
  spec.tolerations = withDaemonTolerations(
    Array.isArray(spec.tolerations) ? (spec.tolerations as Toleration[]) : [],
    spec.hostNetwork === true,
  );
  const affinity = isObject(spec.affinity) ? { ...spec.affinity } : {};
  affinity.nodeAffinity = {
    ...(isObject(affinity.nodeAffinity) ? affinity.nodeAffinity : {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] },
      ],
    },
  };
  spec.affinity = affinity;
  return { metadata: { ...(template.metadata ?? {}), labels }, spec };
}

/** The node a daemon pod belongs to (GetTargetNodeName): where it is bound, else where it is pinned. */
const targetOf = (pod: PodView): string | null => pod.nodeName ?? pod.targetNode ?? null;

/** Kubernetes' podByCreationTimestampAndPhase: scheduled first, then the oldest, then by name. */
function compareOldestFirst(a: PodView, b: PodView): number {
  if ((a.nodeName === null) !== (b.nodeName === null)) return a.nodeName === null ? 1 : -1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * One sync of a DaemonSet (Kubernetes' daemonset controller, maxSurge 0): which pods to
 * adopt and release, the nodes that need a pod, the pods to delete (off nodes that may no
 * longer run one, failed or finished ones, all but the oldest on a node, those of nodes that
 * are gone, then the old ones a RollingUpdate replaces within maxUnavailable), and the status
 * it reports (observed before the changes, as Kubernetes does).
 */
export function planDaemonSet(
  ds: DaemonSetView,
  nodes: DaemonNodeView[],
  pods: PodView[],
  now: number,
): DaemonSetPlan {
  const uid = ds.metadata.uid;
  const hash = daemonSetHash(ds);
  const generation = templateGeneration(ds);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const adopt: PodView[] = [];
  const release: PodView[] = [];
  const owned: PodView[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod.ownerReferences);
    const matches = matchesSelector(ds.spec.selector, pod.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) owned.push(pod);
      else if (!pod.deleting) release.push(pod);
    } else if (matches && !pod.deleting && !ds.metadata.deleting && isActive(pod)) {
      adopt.push(pod);
      owned.push(pod);
    }
  }
  // getNodesToDaemonPods: the pods by the node they are on or pinned to (none: not counted)
  const byNode = new Map<string, PodView[]>();
  for (const pod of owned) {
    const node = targetOf(pod);
    if (node === null) continue;
    if (!byNode.has(node)) byNode.set(node, []);
    byNode.get(node)!.push(pod);
  }
  for (const list of byNode.values()) list.sort(compareOldestFirst);

  const status: DaemonSetStatus = {
    currentNumberScheduled: 0,
    numberMisscheduled: 0,
    desiredNumberScheduled: 0,
    numberReady: 0,
    updatedNumberScheduled: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
    observedGeneration: ds.metadata.generation,
  };
  const create: string[] = [];
  const toDelete: DaemonSetPlan['delete'] = [];
  const eligible = new Map<string, boolean>();
  for (const node of nodes) {
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(ds.spec.template, node);
    eligible.set(node.name, shouldRun);
    const daemonPods = byNode.get(node.name) ?? [];
    // status (updateDaemonSetStatus): the oldest pod on each node stands for it
    if (shouldRun) {
      status.desiredNumberScheduled++;
      if (daemonPods.length) {
        status.currentNumberScheduled++;
        const oldest = daemonPods[0];
        if (oldest.ready) {
          status.numberReady++;
          if (isAvailable(oldest, minReady, now)) status.numberAvailable++;
        }
        if (isPodUpdated(oldest, hash, generation)) status.updatedNumberScheduled++;
      }
    } else if (daemonPods.length) {
      status.numberMisscheduled++;
    }
    // podsShouldBeOnNode
    const live = daemonPods.filter((p) => !p.deleting);
    if (shouldRun && daemonPods.length === 0) {
      create.push(node.name);
    } else if (shouldContinueRunning) {
      const running: PodView[] = [];
      for (const pod of live) {
        if (pod.phase === 'Failed') toDelete.push({ pod, node: node.name, why: 'failed' });
        else if (pod.phase === 'Succeeded')
          toDelete.push({ pod, node: node.name, why: 'succeeded' });
        else running.push(pod);
      }
      for (const pod of running.slice(1)) toDelete.push({ pod, node: node.name, why: 'excess' });
    } else {
      for (const pod of live) toDelete.push({ pod, node: node.name, why: 'misscheduled' });
    }
  }
  status.numberUnavailable = status.desiredNumberScheduled - status.numberAvailable;
  // pods of nodes that are gone (kubesim keeps no pod bound to a deleted node)
  for (const [node, list] of byNode)
    if (!eligible.has(node))
      for (const pod of list) if (!pod.deleting) toDelete.push({ pod, node, why: 'no-node' });

  if (ds.metadata.deleting)
    return { hash, adopt, release, create: [], delete: [], status: { ...status } };

  // rollingUpdate runs once manage has nothing left to do (Kubernetes' expectations)
  const strategy = ds.spec.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy === 'RollingUpdate' && create.length === 0 && toDelete.length === 0) {
    toDelete.push(...rollingUpdate(ds, nodes, eligible, byNode, hash, generation, now));
  }
  return {
    hash,
    adopt,
    release,
    create: create.slice(0, BURST_REPLICAS),
    delete: toDelete.slice(0, BURST_REPLICAS),
    status,
  };
}

/**
 * Kubernetes' rollingUpdate without surge: every node that should run a pod and has no
 * available updated one counts as unavailable; old pods that are not available are replaced
 * at once, available ones only while fewer than maxUnavailable nodes are unavailable.
 */
function rollingUpdate(
  ds: DaemonSetView,
  nodes: DaemonNodeView[],
  eligible: Map<string, boolean>,
  byNode: Map<string, PodView[]>,
  hash: string,
  generation: number | null,
  now: number,
): DaemonSetPlan['delete'] {
  const minReady = ds.spec.minReadySeconds ?? 0;
  const desired = nodes.filter((n) => eligible.get(n.name)).length;
  const maxUnavailable = resolveDaemonSetUnavailable(
    ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable,
    ds.spec.updateStrategy?.rollingUpdate?.maxSurge,
    desired,
  );
  let unavailable = 0;
  const replaceNow: DaemonSetPlan['delete'] = [];
  const candidates: DaemonSetPlan['delete'] = [];
  const names = new Set([
    ...byNode.keys(),
    ...nodes.filter((n) => eligible.get(n.name)).map((n) => n.name),
  ]);
  for (const node of [...names].sort()) {
    const pods = (byNode.get(node) ?? []).filter((p) => !p.deleting);
    let newPod: PodView | null = null;
    let oldPod: PodView | null = null;
    let ok = true;
    for (const pod of pods) {
      if (isPodUpdated(pod, hash, generation)) {
        if (newPod) ok = false;
        newPod = pod;
      } else {
        if (oldPod) ok = false;
        oldPod = pod;
      }
    }
    if (!ok || (oldPod === null) === (newPod === null)) {
      unavailable++;
    } else if (newPod) {
      if (!isAvailable(newPod, minReady, now)) unavailable++;
    } else if (!isAvailable(oldPod!, minReady, now)) {
      replaceNow.push({ pod: oldPod!, node, why: 'rolling-update' });
    } else if (unavailable < maxUnavailable) {
      candidates.push({ pod: oldPod!, node, why: 'rolling-update' });
    }
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...replaceNow, ...candidates.slice(0, room)];
}
