import type { V1Namespace } from '@kubernetes/client-node';
import { NamespaceRecord } from '../database/namespaces.repository';
import { iso, ms } from './kube-objects';

export function toKubeNamespace(n: NamespaceRecord): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: n.name,
      uid: n.uid,
      resourceVersion: String(ms(n.updated_at)),
      creationTimestamp: iso(n.created_at),
      ...(n.deleted_at ? { deletionTimestamp: iso(n.deleted_at) } : {}),
      labels: { ...(n.labels ?? {}), 'kubernetes.io/metadata.name': n.name },
      ...(Object.keys(n.annotations ?? {}).length ? { annotations: n.annotations } : {}),
    },
    spec: { finalizers: ['kubernetes'] },
    status: {
      phase: n.status,
      ...(n.status === 'Terminating'
        ? {
            conditions: [
              {
                type: 'NamespaceContentRemaining',
                status: 'True',
                reason: 'SomeResourcesRemain',
                message: 'kubesim is deleting the pods in this namespace',
                lastTransitionTime: iso(n.deleted_at),
              },
            ],
          }
        : {}),
    },
  };
}
