import { matchesSelector } from './label-selector';
import { controllerOf, OwnerReference, PodView, ReplicaSetStatus, ReplicaSetView } from './types';

/** Kubernetes' replicaset controller creates or deletes at most this many pods per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetPlan {
  /** orphans matching the selector, to take as ours (ownerReference added) */
  adopt: PodView[];
  /** ours that no longer match the selector, to let go (ownerReference removed) */
  release: PodView[];
  /** pods to create from the template */
  create: number;
  /** ours to delete, in the order Kubernetes would pick them */
  delete: PodView[];
  status: ReplicaSetStatus;
}

export function ownerReferenceFor(
  kind: 'ReplicaSet' | 'Deployment' | 'Job' | 'DaemonSet',
  meta: { name: string; uid: string },
): OwnerReference {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    name: meta.name,
    uid: meta.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A pod still counts toward replicas: not finished and not on its way out. */
export function isActive(pod: PodView): boolean {
  return !pod.deleting && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** Ready for at least minReadySeconds at `now`. */
export function isAvailable(pod: PodView, minReadySeconds: number, now: number): boolean {
  if (!pod.ready) return false;
  if (minReadySeconds <= 0) return true;
  return pod.readySince !== null && pod.readySince + minReadySeconds * 1000 <= now;
}

const PHASE_RANK: Record<PodView['phase'], number> = {
  Pending: 0,
  Unknown: 1,
  Running: 2,
  Succeeded: 3,
  Failed: 3,
};

/**
 * Kubernetes' ActivePods order, the first to delete first: unscheduled before
 * scheduled, Pending before Unknown before Running, not ready before ready, ready
 * for less time before longer, more restarts before fewer, newer before older.
 */
export function compareForDeletion(a: PodView, b: PodView): number {
  if ((a.nodeName === null) !== (b.nodeName === null)) return a.nodeName === null ? -1 : 1;
  if (PHASE_RANK[a.phase] !== PHASE_RANK[b.phase]) return PHASE_RANK[a.phase] - PHASE_RANK[b.phase];
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.ready && b.ready && a.readySince !== b.readySince) {
    return (b.readySince ?? 0) - (a.readySince ?? 0);
  }
  if (a.restartCount !== b.restartCount) return b.restartCount - a.restartCount;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * One sync of a ReplicaSet: from the pods in its namespace, which to adopt and release,
 * how many to create or which to delete so that `spec.replicas` active pods remain, and
 * the status it reports afterwards (observed before the changes, as Kubernetes does).
 */
export function planReplicaSet(rs: ReplicaSetView, pods: PodView[], now: number): ReplicaSetPlan {
  const uid = rs.metadata.uid;
  const adopt: PodView[] = [];
  const release: PodView[] = [];
  const owned: PodView[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod.ownerReferences);
    const matches = matchesSelector(rs.spec.selector, pod.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) owned.push(pod);
      else if (!pod.deleting) release.push(pod);
    } else if (matches && !pod.deleting && !rs.metadata.deleting && isActive(pod)) {
      adopt.push(pod);
      owned.push(pod);
    }
  }
  const active = owned.filter(isActive);
  const minReady = rs.spec.minReadySeconds ?? 0;
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) =>
      Object.entries(templateLabels).every(([k, v]) => p.labels[k] === v),
    ).length,
    readyReplicas: active.filter((p) => p.ready).length,
    availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation,
  };
  let create = 0;
  let toDelete: PodView[] = [];
  if (!rs.metadata.deleting) {
    const diff = active.length - Math.max(0, rs.spec.replicas);
    if (diff < 0) create = Math.min(-diff, BURST_REPLICAS);
    if (diff > 0)
      toDelete = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
  }
  return { adopt, release, create, delete: toDelete, status };
}
