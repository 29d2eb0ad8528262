import type { V1LabelSelector } from '@kubernetes/client-node';
import { formatLabelSelector } from '../network/label-selector';
import { ServicePort } from '../network/service-addresses';
import type { KubeNetObject } from './network-objects';
import { humanDuration, TableOf } from './kube-table';

/** The columns kubectl prints for Services, Endpoints, EndpointSlices and NetworkPolicies. */

const age = (o: KubeNetObject, now: number) =>
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

/** kubectl's endpoint list: the first three, then "+ N more...". */
function firstThree(items: string[]): string {
  if (!items.length) return '<none>';
  return items.length > 3
    ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...`
    : items.join(',');
}

export const SERVICE_TABLE: TableOf<KubeNetObject> = {
  columns: [
    NAME,
    { name: 'Type', type: 'string', description: 'The type of the service' },
    { name: 'Cluster-IP', type: 'string', description: 'The cluster IP of the service' },
    { name: 'External-IP', type: 'string', description: 'The external IPs of the service' },
    { name: 'Port(s)', type: 'string', description: 'The ports of the service' },
    AGE,
    { name: 'Selector', type: 'string', priority: 1, description: 'The selector of the service' },
  ],
  cells(svc, now) {
    const spec = svc.spec as {
      type?: string;
      clusterIP?: string;
      ports?: ServicePort[];
      selector?: Record<string, string>;
    };
    const ports = (spec.ports ?? []).map(
      (p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`,
    );
    return [
      svc.metadata.name,
      spec.type ?? 'ClusterIP',
      spec.clusterIP ?? 'None',
      '<none>',
      ports.length ? ports.join(',') : '<none>',
      age(svc, now),
      formatLabelSelector(spec.selector ? { matchLabels: spec.selector } : undefined),
    ];
  },
};

export const ENDPOINTS_TABLE: TableOf<KubeNetObject> = {
  columns: [
    NAME,
    { name: 'Endpoints', type: 'string', description: 'The ready addresses of the endpoints' },
    AGE,
  ],
  cells(ep, now) {
    const subsets = (ep.subsets ?? []) as Array<{
      addresses?: Array<{ ip: string }>;
      ports?: Array<{ port: number }>;
    }>;
    const items = subsets.flatMap((s) =>
      (s.addresses ?? []).flatMap((a) =>
        s.ports?.length ? s.ports.map((p) => `${a.ip}:${p.port}`) : [a.ip],
      ),
    );
    return [ep.metadata.name, firstThree(items), age(ep, now)];
  },
};

export const ENDPOINTSLICE_TABLE: TableOf<KubeNetObject> = {
  columns: [
    NAME,
    { name: 'AddressType', type: 'string', description: 'The type of the addresses' },
    { name: 'Ports', type: 'string', description: 'The ports of the slice' },
    { name: 'Endpoints', type: 'string', description: 'The addresses of the slice' },
    AGE,
  ],
  cells(slice, now) {
    const ports = ((slice.ports ?? []) as Array<{ port: number }>).map((p) => String(p.port));
    const endpoints = ((slice.endpoints ?? []) as Array<{ addresses: string[] }>).flatMap(
      (e) => e.addresses,
    );
    return [
      slice.metadata.name,
      String(slice.addressType),
      ports.length ? ports.join(',') : '<unset>',
      firstThree(endpoints),
      age(slice, now),
    ];
  },
};

export const NETWORK_POLICY_TABLE: TableOf<KubeNetObject> = {
  columns: [
    NAME,
    { name: 'Pod-Selector', type: 'string', description: 'The pods the policy selects' },
    AGE,
  ],
  cells(np, now) {
    const spec = np.spec as { podSelector?: V1LabelSelector };
    return [np.metadata.name, formatLabelSelector(spec.podSelector), age(np, now)];
  },
};
