import type { WorkloadKind, WorkloadRow } from '../database/workloads.repository';
import { workloadMetadata } from './kube-objects';

export type AppsResource = 'deployments' | 'replicasets' | 'daemonsets' | 'jobs';
export const APPS_KINDS: Record<
  AppsResource,
  { kind: string; table: WorkloadKind; group: 'apps' | 'batch' }
> = {
  deployments: { kind: 'Deployment', table: 'deployments', group: 'apps' },
  replicasets: { kind: 'ReplicaSet', table: 'replica_sets', group: 'apps' },
  daemonsets: { kind: 'DaemonSet', table: 'daemon_sets', group: 'apps' },
  jobs: { kind: 'Job', table: 'jobs', group: 'batch' },
};
/** The apiVersion of a resource's objects: apps/v1 or batch/v1. */
export const apiVersionOf = (resource: AppsResource) => `${APPS_KINDS[resource].group}/v1`;
/** kube-apiserver's name of a resource in its messages: `deployments.apps`, `jobs.batch`. */
export const qualified = (resource: AppsResource) => `${resource}.${APPS_KINDS[resource].group}`;

export interface AppsObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, any>;
  spec: Record<string, any>;
  status: Record<string, any>;
}

/** A row as its apps/v1 or batch/v1 object; resourceVersion is the time of its last write (ms), as kubesim's others. */
export function toAppsObject(resource: AppsResource, row: WorkloadRow): AppsObject {
  const meta = workloadMetadata(row);
  if ((row.owner_references ?? []).length) meta.ownerReferences = row.owner_references;
  if ((row.finalizers ?? []).length) meta.finalizers = row.finalizers;
  if (row.deletion_timestamp)
    meta.deletionTimestamp = new Date(row.deletion_timestamp).toISOString();
  return {
    apiVersion: apiVersionOf(resource),
    kind: APPS_KINDS[resource].kind,
    metadata: meta,
    spec: row.spec,
    status: served(row.status ?? {}),
  };
}

/** A status as served: without kubesim's own bookkeeping (a Job's `counted` pods). */
function served(status: Record<string, any>): Record<string, any> {
  if (!('counted' in status)) return status;
  const { counted: _counted, ...rest } = status;
  return rest;
}
