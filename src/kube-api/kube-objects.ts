/**
 * What every Kubernetes object kubesim serves shares: the version it speaks, the context of
 * the translation, times as the wire carries them, stable uids, a workload's metadata. Each
 * kind's own translation is in its `*-object.ts`.
 */
import type { WorkloadRow } from '../database/workloads.repository';
import { createHash } from 'node:crypto';
import { DEFAULT_NAMESPACE } from '../database/namespaces.repository';

export { DEFAULT_NAMESPACE };

/** The Kubernetes version whose API kubesim serves (its subset of it). */
export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+kubesim' };

export { ROLE_LABEL } from '../domain/node-labels';

/** What the translation needs beyond the row itself. */
export interface KubeContext {
  clusterId: string;
  clusterCreatedAt: Date;
}

/**
 * A time as the wire carries it (RFC 3339, whole seconds); the client library's types
 * call these fields Date, which is what they become once a client parses them.
 */
export function iso(d: Date | string | null | undefined): Date {
  // toISOString always ends in .sssZ: the milliseconds go
  const text =
    d === null || d === undefined ? undefined : `${new Date(d).toISOString().slice(0, -5)}Z`;
  return text as unknown as Date;
}

/** A MicroTime as the wire carries it (RFC 3339 with microseconds: an event's `eventTime`). */
export function microTime(d: Date | string): Date {
  return new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

export const ms = (d: Date | string | null | undefined): number =>
  d === null || d === undefined ? 0 : new Date(d).getTime();

/**
 * A stable uid for an object kubesim keys by number: the same row always has the same uid,
 * and a new row of the same name (made after a delete) a new one.
 */
export function uidOf(ctx: KubeContext, kind: string, id: number | string, created: Date | string) {
  const source = `${ctx.clusterId}/${kind}/${id}/${ms(created)}`;
  let uid = uids.get(source);
  if (uid === undefined) {
    const h = createHash('sha1').update(source).digest('hex');
    uid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    // a watch or list reads every object again and again: each uid is hashed once
    if (uids.size >= UIDS_KEPT) uids.clear();
    uids.set(source, uid);
  }
  return uid;
}

const uids = new Map<string, string>();
/** about 20 MB at most */
const UIDS_KEPT = 100_000;

/**
 * The metadata every stored workload kind shows (Deployment, ReplicaSet, Job,
 * HorizontalPodAutoscaler); resourceVersion is the time of its last write (ms), as
 * kubesim's other objects. Labels and annotations only when there are some.
 */
export function workloadMetadata(row: WorkloadRow): Record<string, any> {
  const meta: Record<string, any> = {
    name: row.name,
    namespace: row.namespace,
    uid: row.uid,
    resourceVersion: String(new Date(row.updated_at).getTime()),
    generation: Number(row.generation),
    creationTimestamp: new Date(row.created_at).toISOString(),
  };
  if (Object.keys(row.labels ?? {}).length) meta.labels = row.labels;
  if (Object.keys(row.annotations ?? {}).length) meta.annotations = row.annotations;
  return meta;
}
