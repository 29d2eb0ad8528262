import { DaemonNodeRow, WorkloadRow } from '../database/workloads.repository';
import { nodeLabels } from '../domain/node-labels';
import { Taint } from '../scheduler/strategies/types';
import { DaemonNodeView } from './core/daemon-set';
import { DaemonSetView, DeploymentView, JobView, ObjectMeta, ReplicaSetView } from './core/types';

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

export function toDaemonSetView(row: WorkloadRow): DaemonSetView {
  return {
    metadata: metaOf(row),
    spec: row.spec as DaemonSetView['spec'],
    status: row.status ?? {},
  };
}

/** Taints kubesim keeps as node state, not in a node's own list (the API shows them so). */
const STATE_TAINTS = new Set(['node.kubernetes.io/unschedulable', 'node.kubernetes.io/not-ready']);

/**
 * A node as the DaemonSet controller weighs it: its labels with the well-known ones, and
 * its taints as Kubernetes shows them (a cordon is node.kubernetes.io/unschedulable, a node
 * not healthy is node.kubernetes.io/not-ready). kubesim's masters run no pods.
 */
export function toDaemonNodeView(row: DaemonNodeRow): DaemonNodeView {
  const own = (row.taints ?? []).filter((t) => !STATE_TAINTS.has(t.key)) as Taint[];
  return {
    name: row.name,
    labels: nodeLabels({ name: row.name, nodeType: row.node_type, labels: row.labels }),
    taints: [
      ...(row.cordoned
        ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const }]
        : []),
      ...(row.health_status !== 'healthy'
        ? [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' as const }]
        : []),
      ...own,
    ],
    takesPods: row.node_type === 'worker',
  };
}
