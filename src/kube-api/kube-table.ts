import type { ListMeta } from './kube-paging';
import type {
  CoreV1Event,
  V1Namespace,
  V1Node,
  V1ObjectMeta,
  V1Pod,
} from '@kubernetes/client-node';
import { ROLE_LABEL } from './kube-objects';

/** Kubernetes' HumanDuration: the AGE column's `45s`, `5m12s`, `3h4m`, `12d`. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 10) return s % 60 === 0 ? `${minutes}m` : `${minutes}m${s % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(s / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  priority?: number;
  description: string;
}

export interface TableOf<T> {
  columns: Column[];
  cells(item: T, now: number): Array<string | number>;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const age = (meta: V1ObjectMeta | undefined, now: number) =>
  meta?.creationTimestamp
    ? humanDuration((now - new Date(meta.creationTimestamp).getTime()) / 1000)
    : '<unknown>';

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

export const NODE_TABLE: TableOf<V1Node> = {
  columns: [
    NAME,
    { name: 'Status', type: 'string', description: 'The status of the node' },
    { name: 'Roles', type: 'string', description: 'The roles of the node' },
    AGE,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: 'List of internal IPs.' },
    { name: 'External-IP', type: 'string', priority: 1, description: 'List of external IPs.' },
    {
      name: 'OS-Image',
      type: 'string',
      priority: 1,
      description: 'OS Image reported by the node.',
    },
    {
      name: 'Kernel-Version',
      type: 'string',
      priority: 1,
      description: 'Kernel Version reported by the node.',
    },
    {
      name: 'Container-Runtime',
      type: 'string',
      priority: 1,
      description: 'Container Runtime Version reported by the node.',
    },
  ],
  cells(node, now) {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const status = [ready?.status === 'True' ? 'Ready' : 'NotReady'];
    if (node.spec?.unschedulable) status.push('SchedulingDisabled');
    const roles = Object.keys(node.metadata?.labels ?? {})
      .filter((k) => k.startsWith(ROLE_LABEL))
      .map((k) => k.slice(ROLE_LABEL.length))
      .filter((r) => r.length)
      .sort();
    const address = (type: string) =>
      node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
    const info = node.status?.nodeInfo;
    return [
      node.metadata!.name!,
      status.join(','),
      roles.length ? roles.join(',') : '<none>',
      age(node.metadata, now),
      info?.kubeletVersion ?? '',
      address('InternalIP'),
      address('ExternalIP'),
      info?.osImage ?? '<unknown>',
      info?.kernelVersion ?? '<unknown>',
      info?.containerRuntimeVersion ?? '<unknown>',
    ];
  },
};

/** The STATUS column as kubectl's pod printer derives it: a container's reason wins. */
function podStatusCell(pod: V1Pod): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
  }
  return reason;
}

export const POD_TABLE: TableOf<V1Pod> = {
  columns: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      description: 'The aggregate readiness state of this pod for accepting traffic.',
    },
    {
      name: 'Status',
      type: 'string',
      description: 'The aggregate status of the containers in this pod.',
    },
    {
      name: 'Restarts',
      type: 'string',
      description:
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    },
    AGE,
    { name: 'IP', type: 'string', priority: 1, description: 'The IP address assigned to the pod' },
    {
      name: 'Node',
      type: 'string',
      priority: 1,
      description: 'The name of the node the pod is assigned to',
    },
    {
      name: 'Nominated Node',
      type: 'string',
      priority: 1,
      description: 'The nominated node for the pod',
    },
    {
      name: 'Readiness Gates',
      type: 'string',
      priority: 1,
      description: 'The readiness gates of the pod',
    },
  ],
  cells(pod, now) {
    const statuses = pod.status?.containerStatuses ?? [];
    const total = pod.spec?.containers.length ?? 0;
    const ready = statuses.filter((c) => c.ready).length;
    const restarts = statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
    // as kubectl: "3 (12s ago)", from the latest end of a restarted container
    let lastRestart = 0;
    for (const c of statuses) {
      const at = c.lastState?.terminated?.finishedAt;
      if (at) lastRestart = Math.max(lastRestart, new Date(at).getTime());
    }
    return [
      pod.metadata!.name!,
      `${ready}/${total}`,
      podStatusCell(pod),
      restarts && lastRestart
        ? `${restarts} (${age({ creationTimestamp: new Date(lastRestart) }, now)} ago)`
        : String(restarts),
      age(pod.metadata, now),
      pod.status?.podIP ?? '<none>',
      pod.spec?.nodeName ?? '<none>',
      '<none>',
      '<none>',
    ];
  },
};

export const NAMESPACE_TABLE: TableOf<V1Namespace> = {
  columns: [
    NAME,
    { name: 'Status', type: 'string', description: 'The status of the namespace' },
    AGE,
  ],
  cells: (ns, now) => [ns.metadata!.name!, ns.status?.phase ?? 'Active', age(ns.metadata, now)],
};

export const EVENT_TABLE: TableOf<CoreV1Event> = {
  columns: [
    { name: 'Last Seen', type: 'string', description: 'The time the event was last seen' },
    { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning)' },
    { name: 'Reason', type: 'string', description: 'The reason for the event' },
    { name: 'Object', type: 'string', description: 'The object this event is about' },
    { name: 'Subobject', type: 'string', priority: 1, description: 'The subobject of the event' },
    {
      name: 'Source',
      type: 'string',
      priority: 1,
      description: 'The component reporting the event',
    },
    { name: 'Message', type: 'string', description: 'A human-readable description of the event' },
    {
      name: 'First Seen',
      type: 'string',
      priority: 1,
      description: 'The first time the event was seen',
    },
    {
      name: 'Count',
      type: 'string',
      priority: 1,
      description: 'The number of times the event has occurred',
    },
    {
      name: 'Name',
      type: 'string',
      priority: 1,
      format: 'name',
      description: 'The name of the event',
    },
  ],
  cells(e, now) {
    const seen = (t: Date | undefined) =>
      t ? humanDuration((now - new Date(t).getTime()) / 1000) : '<unknown>';
    const kind = (e.involvedObject.kind ?? '').toLowerCase();
    return [
      seen(e.lastTimestamp),
      e.type ?? '',
      e.reason ?? '',
      `${kind}/${e.involvedObject.name ?? ''}`,
      '',
      e.source?.component ?? '',
      e.message ?? '',
      seen(e.firstTimestamp),
      String(e.count ?? 1),
      e.metadata.name ?? '',
    ];
  },
};

interface Named {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
}

/** A meta.k8s.io/v1 Table of the objects, as kube-apiserver answers `Accept: …;as=Table`. */
export function toTable<T extends Named>(
  table: TableOf<T>,
  items: T[],
  /** the list's version, or its whole metadata (with a paging token) */
  list: string | ListMeta,
  include: IncludeObject,
  now = Date.now(),
  withHeaders = true,
) {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: typeof list === 'string' ? { resourceVersion: list } : list,
    columnDefinitions: withHeaders
      ? table.columns.map((c) => ({ priority: 0, format: '', ...c }))
      : [],
    rows: items.map((item) => ({
      cells: table.cells(item, now),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? item
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: item.metadata,
                  },
          }),
    })),
  };
}
