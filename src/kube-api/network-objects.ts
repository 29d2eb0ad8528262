import type { NetworkObjectRecord, ServiceRecord } from '../database/network.repository';

/** A Kubernetes object as the network kinds are served (typed loosely: specs are stored as sent). */
export interface KubeNetObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    /** RFC 3339 on the wire; the client library's types call it a Date */
    creationTimestamp: Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export const iso = (d: Date | string) =>
  new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') as unknown as Date;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function metadataOf(
  row: NetworkObjectRecord,
  resourceVersion: string | number = row.resource_version,
) {
  return {
    name: row.name,
    namespace: row.namespace,
    uid: row.uid,
    resourceVersion: String(resourceVersion),
    creationTimestamp: iso(row.created_at),
    ...(Object.keys(row.labels).length ? { labels: row.labels } : {}),
    ...(Object.keys(row.annotations).length ? { annotations: row.annotations } : {}),
  };
}

export function toKubeService(row: ServiceRecord): KubeNetObject {
  const spec = { ...row.spec };
  spec.clusterIP = row.cluster_ip ?? 'None';
  spec.clusterIPs = [row.cluster_ip ?? 'None'];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataOf(row),
    spec,
    status: { loadBalancer: {} },
  };
}

export function toKubeNetworkPolicy(row: NetworkObjectRecord): KubeNetObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataOf(row),
    spec: row.spec,
  };
}
