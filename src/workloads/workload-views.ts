import { WorkloadRow } from '../database/workloads.repository';
import { DeploymentView, JobView, ObjectMeta, ReplicaSetView } from './core/types';

function metaOf(row: WorkloadRow): ObjectMeta {
  return {
    name: row.name,
    namespace: row.namespace,
    uid: row.uid,
    generation: Number(row.generation),
    labels: row.labels ?? {},
    annotations: row.annotations ?? {},
    ownerReferences: (row.owner_references ?? []) as ObjectMeta['ownerReferences'],
    createdAt: new Date(row.created_at).getTime(),
    deleting: row.deletion_timestamp !== null,
  };
}

export function toReplicaSetView(row: WorkloadRow): ReplicaSetView {
  return {
    metadata: metaOf(row),
    spec: { ...(row.spec as ReplicaSetView['spec']), replicas: Number(row.spec.replicas ?? 1) },
    status: row.status ?? {},
  };
}

export function toDeploymentView(row: WorkloadRow): DeploymentView {
  return {
    metadata: metaOf(row),
    spec: { ...(row.spec as DeploymentView['spec']), replicas: Number(row.spec.replicas ?? 1) },
    status: row.status ?? {},
  };
}

export function toJobView(row: WorkloadRow): JobView {
  const spec = row.spec as JobView['spec'];
  return {
    metadata: metaOf(row),
    spec: {
      ...spec,
      // defaulted to 1 when parallelism is not given either: absent, it is a work queue
      completions: spec.completions ?? null,
      parallelism: Number(spec.parallelism ?? 1),
      backoffLimit: Number(spec.backoffLimit ?? 6),
    },
    status: row.status ?? {},
  };
}
