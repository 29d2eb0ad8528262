import type { AppsObject, AppsResource } from './apps-object';
import { humanDuration, TableOf } from './kube-table';

/** The columns kubectl shows for Deployments, ReplicaSets, DaemonSets and Jobs (`kubectl get`). */

const age = (o: AppsObject, now: number) =>
  humanDuration((now - new Date(o.metadata.creationTimestamp).getTime()) / 1000);
const NAME = {
  name: 'Name',
  type: 'string' as const,
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE = {
  name: 'Age',
  type: 'string' as const,
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/** The columns kubectl shows for Deployments. */
export const DEPLOYMENT_TABLE: TableOf<AppsObject> = {
  columns: [
    NAME,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
    {
      name: 'Up-to-date',
      type: 'string',
      description:
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    },
    {
      name: 'Available',
      type: 'string',
      description:
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    },
    AGE,
  ],
  cells: (o, now) => [
    o.metadata.name,
    `${o.status.readyReplicas ?? 0}/${o.spec.replicas}`,
    o.status.updatedReplicas ?? 0,
    o.status.availableReplicas ?? 0,
    age(o, now),
  ],
};

/** The columns kubectl shows for ReplicaSets. */
export const REPLICASET_TABLE: TableOf<AppsObject> = {
  columns: [
    NAME,
    { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired pods.' },
    {
      name: 'Current',
      type: 'integer',
      description: 'Replicas is the most recently observed number of replicas.',
    },
    {
      name: 'Ready',
      type: 'integer',
      description: 'The number of ready replicas for this replica set.',
    },
    AGE,
  ],
  cells: (o, now) => [
    o.metadata.name,
    o.spec.replicas,
    o.status.replicas ?? 0,
    o.status.readyReplicas ?? 0,
    age(o, now),
  ],
};

const hasCondition = (o: AppsObject, type: string) =>
  (o.status.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === type && c.status === 'True',
  );

/** kubectl's STATUS of a Job, in kube-apiserver's order of precedence. */
function jobStatus(o: AppsObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  return 'Running';
}

/** COMPLETIONS: succeeded of completions, or of 1 for a work queue (`0/1 of 3` when parallel). */
function jobCompletions(o: AppsObject): string {
  const succeeded = o.status.succeeded ?? 0;
  if (o.spec.completions !== undefined && o.spec.completions !== null)
    return `${succeeded}/${o.spec.completions}`;
  const parallelism = o.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: AppsObject, now: number): string {
  if (!o.status.startTime) return '';
  const start = Date.parse(o.status.startTime);
  const end = o.status.completionTime ? Date.parse(o.status.completionTime) : now;
  return humanDuration((end - start) / 1000);
}

/** The columns kube-apiserver sends for Jobs (kubectl 1.30 and later print them all). */
export const JOB_TABLE: TableOf<AppsObject> = {
  columns: [
    NAME,
    { name: 'Status', type: 'string', description: 'Status of the job.' },
    {
      name: 'Completions',
      type: 'string',
      description: 'The number of pods which reached phase Succeeded.',
    },
    { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
    AGE,
  ],
  cells: (o, now) => [
    o.metadata.name,
    jobStatus(o),
    jobCompletions(o),
    jobDuration(o, now),
    age(o, now),
  ],
};

/** kubectl's NODE SELECTOR and SELECTOR: `key=value` pairs, sorted; `<none>` when empty. */
function selectorText(map: Record<string, string> | undefined): string {
  const pairs = Object.entries(map ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(',') : '<none>';
}

/** A label selector as kubectl prints it (matchLabels, then each expression). */
function labelSelectorText(selector: Record<string, any> | undefined): string {
  const parts = Object.entries((selector?.matchLabels ?? {}) as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of (selector?.matchExpressions ?? []) as Array<{
    key: string;
    operator: string;
    values?: string[];
  }>) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else
      parts.push(
        `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`,
      );
  }
  return parts.length ? parts.join(',') : '<none>';
}

const containersOf = (o: AppsObject): Array<{ name: string; image: string }> =>
  o.spec.template?.spec?.containers ?? [];

/** The columns kube-apiserver sends for DaemonSets (CONTAINERS, IMAGES, SELECTOR with -o wide). */
export const DAEMONSET_TABLE: TableOf<AppsObject> = {
  columns: [
    NAME,
    {
      name: 'Desired',
      type: 'integer',
      description:
        'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
    },
    {
      name: 'Current',
      type: 'integer',
      description:
        'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
    },
    {
      name: 'Ready',
      type: 'integer',
      description:
        'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      description: 'The total number of nodes that are running updated daemon pod',
    },
    {
      name: 'Available',
      type: 'integer',
      description:
        'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
    },
    {
      name: 'Node Selector',
      type: 'string',
      description:
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
    },
    AGE,
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      description: 'Names of each container in the template.',
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      description: 'Images referenced by each container in the template.',
    },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description:
        'A label query over pods that are managed by the daemon set. Must match in order to be controlled.',
    },
  ],
  cells: (o, now) => [
    o.metadata.name,
    o.status.desiredNumberScheduled ?? 0,
    o.status.currentNumberScheduled ?? 0,
    o.status.numberReady ?? 0,
    o.status.updatedNumberScheduled ?? 0,
    o.status.numberAvailable ?? 0,
    selectorText(o.spec.template?.spec?.nodeSelector),
    age(o, now),
    containersOf(o)
      .map((c) => c.name)
      .join(','),
    containersOf(o)
      .map((c) => c.image)
      .join(','),
    labelSelectorText(o.spec.selector),
  ],
};

/** Each workload resource's columns. */
export const APPS_TABLES: Record<AppsResource, TableOf<AppsObject>> = {
  deployments: DEPLOYMENT_TABLE,
  replicasets: REPLICASET_TABLE,
  daemonsets: DAEMONSET_TABLE,
  jobs: JOB_TABLE,
};
