import { type CommandContext } from '../context';
import { formatAge, renderTable } from '../format';

interface Workload {
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: Record<string, any>;
  status: Record<string, any>;
}

interface WorkloadList {
  items: Workload[];
}

const n = (v: unknown) => String(v ?? 0);

/** kubectl's STATUS of a Job. */
function jobStatus(job: Workload): string {
  const holds = (type: string) =>
    (job.status.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === type && c.status === 'True',
    );
  if (holds('Complete')) return 'Complete';
  if (holds('Failed')) return 'Failed';
  return job.spec.suspend ? 'Suspended' : 'Running';
}

function completions(job: Workload): string {
  const done = n(job.status.succeeded);
  return job.spec.completions === undefined || job.spec.completions === null
    ? `${done}/1`
    : `${done}/${job.spec.completions}`;
}

/** The columns of each kind, as `kubectl get` prints them, after NAMESPACE and NAME. */
const KINDS = {
  deployments: {
    path: '/apis/apps/v1/deployments',
    headers: ['READY', 'UP-TO-DATE', 'AVAILABLE'],
    cells: (d: Workload) => [
      `${n(d.status.readyReplicas)}/${n(d.spec.replicas)}`,
      n(d.status.updatedReplicas),
      n(d.status.availableReplicas),
    ],
  },
  replicasets: {
    path: '/apis/apps/v1/replicasets',
    headers: ['DESIRED', 'CURRENT', 'READY'],
    cells: (r: Workload) => [n(r.spec.replicas), n(r.status.replicas), n(r.status.readyReplicas)],
  },
  jobs: {
    path: '/apis/batch/v1/jobs',
    headers: ['STATUS', 'COMPLETIONS'],
    cells: (j: Workload) => [jobStatus(j), completions(j)],
  },
} as const;

export type WorkloadKindName = keyof typeof KINDS;

/** Deployments, ReplicaSets or Jobs of every namespace (through the Kubernetes API). */
export async function listWorkloads(ctx: CommandContext, kind: WorkloadKindName): Promise<void> {
  const k = KINDS[kind];
  const list = await ctx.api.get<WorkloadList>(k.path);
  ctx.show(list.items, () =>
    renderTable(
      ctx.palette,
      ['NAMESPACE', 'NAME', ...k.headers, 'AGE'],
      list.items.map((w) => [
        w.metadata.namespace,
        w.metadata.name,
        ...k.cells(w),
        formatAge(w.metadata.creationTimestamp),
      ]),
    ),
  );
}
