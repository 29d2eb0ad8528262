import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ContainerUsage } from '../usage/usage.service';
import type { UsagePoint } from '../usage/usage-ring';

/** metrics.k8s.io/v1beta1, as metrics-server serves it: what `kubectl top` reads. */
export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

export const METRICS_RESOURCES = [
  {
    name: 'nodes',
    singularName: '',
    namespaced: false,
    kind: 'NodeMetrics',
    verbs: ['get', 'list'],
  },
  {
    name: 'pods',
    singularName: '',
    namespaced: true,
    kind: 'PodMetrics',
    verbs: ['get', 'list'],
  },
];

export const METRICS_API_GROUP = {
  name: 'metrics.k8s.io',
  versions: [{ groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' }],
  preferredVersion: { groupVersion: METRICS_GROUP_VERSION, version: 'v1beta1' },
};

/** Cores as a Kubernetes quantity, to the millicore (`900m`, `2`). */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB as a Kubernetes quantity, to the KiB (`307200Ki`), as metrics-server answers. */
export function memoryQuantity(mib: number): string {
  return `${Math.round(mib * 1024)}Ki`;
}

/** The window a sample stands for: one heartbeat period, as a Go duration. */
const window = (heartbeatMs: number) => `${Math.round(heartbeatMs / 1000) || 1}s`;

export function toNodeMetrics(node: V1Node, point: UsagePoint, heartbeatMs: number) {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: {
      name: node.metadata!.name,
      creationTimestamp: new Date(point.timeMs).toISOString(),
      labels: node.metadata!.labels ?? {},
    },
    timestamp: new Date(point.timeMs).toISOString(),
    window: window(heartbeatMs),
    usage: { cpu: cpuQuantity(point.cpu), memory: memoryQuantity(point.memory) },
  };
}

export function toPodMetrics(
  pod: V1Pod,
  latest: { point: UsagePoint; containers: ContainerUsage[] },
  heartbeatMs: number,
) {
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: {
      name: pod.metadata!.name,
      namespace: pod.metadata!.namespace,
      creationTimestamp: new Date(latest.point.timeMs).toISOString(),
      labels: pod.metadata!.labels ?? {},
    },
    timestamp: new Date(latest.point.timeMs).toISOString(),
    window: window(heartbeatMs),
    containers: latest.containers.map((c) => ({
      name: c.name,
      usage: { cpu: cpuQuantity(c.cpu), memory: memoryQuantity(c.memory) },
    })),
  };
}

export const metricsList = (kind: 'NodeMetricsList' | 'PodMetricsList', items: unknown[]) => ({
  kind,
  apiVersion: METRICS_GROUP_VERSION,
  metadata: {},
  items,
});
