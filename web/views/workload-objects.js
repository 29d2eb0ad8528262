// @ts-check
// Reading the Kubernetes objects the workloads view lists: owners, revisions, pod states.
export const REVISION = 'deployment.kubernetes.io/revision';
export const POD_ID = 'kubesim.io/pod-id';

/** @param {import('../types').KubeObject} o */
export const keyOf = (o) => `${o.metadata.namespace}/${o.metadata.name}`;

/**
 * The object's controller (the ownerReference with controller: true, else the first).
 * @param {import('../types').KubeObject} o
 */
export function controllerOf(o) {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0] ?? null;
}

/**
 * Groups objects under their owners, by uid (or kind and name in the same namespace).
 * @param {import('../types').KubeObject[]} children
 * @param {string} kind
 * @returns {(owner: import('../types').KubeObject) => import('../types').KubeObject[]}
 */
export function byOwner(children, kind) {
  /** @type {Map<string, import('../types').KubeObject[]>} */
  const map = new Map();
  for (const child of children) {
    const ref = controllerOf(child);
    if (!ref || ref.kind !== kind) continue;
    for (const key of [ref.uid, `${child.metadata.namespace}/${ref.name}`]) {
      if (!key) continue;
      if (!map.has(key)) map.set(key, []);
      map.get(key)?.push(child);
    }
  }
  return (owner) => map.get(owner.metadata.uid ?? '') ?? map.get(keyOf(owner)) ?? [];
}

/** @param {import('../types').KubeObject} pod */
export const isReady = (pod) =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * A Kubernetes pod as the status words (and badge colours) the rest of the page uses.
 * @param {import('../types').KubeObject} pod
 */
export function podStatus(pod) {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase === 'Pending') return pod.spec?.nodeName ? 'scheduled' : 'pending';
  return phase.toLowerCase();
}

/** @param {import('../types').KubeObject} o */
export const revisionOf = (o) => Number(o.metadata.annotations?.[REVISION] ?? 0);
/** @param {number | undefined} value */
export const n = (value) => Number(value ?? 0);
