import type { Command } from 'commander';
import { nonNegativeInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';
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

/** kubectl's NODE SELECTOR: the template's nodeSelector as `key=value,…`, or `<none>`. */
function nodeSelector(d: Workload): string {
  const pairs = Object.entries(
    (d.spec.template?.spec?.nodeSelector ?? {}) as Record<string, string>,
  )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '<none>';
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
  daemonsets: {
    path: '/apis/apps/v1/daemonsets',
    headers: ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR'],
    cells: (d: Workload) => [
      n(d.status.desiredNumberScheduled),
      n(d.status.currentNumberScheduled),
      n(d.status.numberReady),
      n(d.status.updatedNumberScheduled),
      n(d.status.numberAvailable),
      nodeSelector(d),
    ],
  },
  jobs: {
    path: '/apis/batch/v1/jobs',
    headers: ['STATUS', 'COMPLETIONS'],
    cells: (j: Workload) => [jobStatus(j), completions(j)],
  },
} as const;

export type WorkloadKindName = keyof typeof KINDS;

/** Deployments, ReplicaSets, DaemonSets or Jobs of every namespace (through the Kubernetes API). */
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

const SCALABLE: Record<string, 'deployments' | 'replicasets'> = {
  deployment: 'deployments',
  deployments: 'deployments',
  deploy: 'deployments',
  replicaset: 'replicasets',
  replicasets: 'replicasets',
  rs: 'replicasets',
};

/** `kubesim scale deployment/web --replicas 5`: through the scale subresource, as kubectl scale. */
async function scale(
  ctx: CommandContext,
  target: string,
  options: { replicas: number; namespace: string },
): Promise<void> {
  const [kindText, name] = target.split('/');
  const kind = SCALABLE[kindText];
  if (!kind || !name)
    throw new CliError(`${target}: expected deployment/NAME or replicaset/NAME`, 2);
  const ns = encodeURIComponent(options.namespace);
  const scaled = await ctx.api.put<{ spec: { replicas: number } }>(
    `/apis/apps/v1/namespaces/${ns}/${kind}/${encodeURIComponent(name)}/scale`,
    {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace: options.namespace },
      spec: { replicas: options.replicas },
    },
  );
  ctx.show(scaled, () => `${kind.replace(/s$/, '')}/${name} scaled to ${scaled.spec.replicas}`);
}

export function registerScaleCommand(program: Command, io: CliIo): void {
  program
    .command('scale')
    .description('set the replicas of a Deployment or ReplicaSet (kubectl scale)')
    .argument('<target>', 'deployment/NAME or replicaset/NAME')
    .requiredOption('--replicas <n>', 'the replicas wanted', nonNegativeInteger)
    .option('-n, --namespace <namespace>', 'its namespace', 'default')
    .action((target: string, options: { replicas: number; namespace: string }, cmd: Command) =>
      scale(CommandContext.of(io, cmd), target, options),
    );
}
