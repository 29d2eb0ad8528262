import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { nodeLabels, ROLE_LABEL } from '../domain/node-labels';
import { NodeRecord } from '../database/records';
import { iso, KUBE_VERSION, KubeContext, ms, uidOf } from './kube-objects';
import { formatCpu, formatMemory } from './quantity';

/** The row's latest change, in milliseconds: kubesim's resourceVersion (it only grows). */
export function nodeVersion(n: NodeRecord): number {
  return Math.max(ms(n.updated_at), ms(n.status_changed_at), ms(n.last_heartbeat_at));
}

/** A node's address on the simulated host network (one per node, by its id). */
export function nodeAddress(id: number): string {
  return `172.18.${Math.floor(id / 250) % 256}.${(id % 250) + 2}`;
}

function readyCondition(n: NodeRecord): V1NodeCondition {
  const heartbeat = iso(n.last_heartbeat_at ?? n.created_at);
  const transition = iso(n.status_changed_at ?? n.created_at);
  const base = { type: 'Ready', lastHeartbeatTime: heartbeat, lastTransitionTime: transition };
  const kubelet = n.components?.kubelet;
  switch (n.health_status) {
    case 'healthy':
      return kubelet && kubelet !== 'running'
        ? {
            ...base,
            status: 'False',
            reason: 'KubeletNotReady',
            message: `kubelet is ${kubelet}`,
          }
        : {
            ...base,
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          };
    case 'pending':
      return {
        ...base,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
      };
    case 'recovering':
      return {
        ...base,
        status: 'False',
        reason: 'KubeletNotReady',
        message: 'the agent is being restarted',
      };
    case 'stopped':
      return {
        ...base,
        status: 'False',
        reason: 'KubeletStopped',
        message: 'the agent was stopped by the user',
      };
    default: // failed, permanently_failed
      return {
        ...base,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: `Kubelet stopped posting node status (kubesim: ${n.health_status}).`,
      };
  }
}

export function toKubeNode(ctx: KubeContext, n: NodeRecord): V1Node {
  const labels = nodeLabels({ name: n.name, nodeType: n.node_type, labels: n.labels });
  const capacity: Record<string, string> = { cpu: formatCpu(n.cpu_total_m), pods: '110' };
  if (n.memory_total_mb !== null) capacity.memory = formatMemory(n.memory_total_mb);
  const uid = uidOf(ctx, 'node', n.id, n.created_at);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      uid,
      resourceVersion: String(nodeVersion(n)),
      creationTimestamp: iso(n.created_at),
      labels,
      annotations: {
        'kubesim.io/node-id': String(n.id),
        'kubesim.io/health-status': n.health_status,
      },
    },
    spec: {
      podCIDR: `10.244.${n.id % 256}.0/24`,
      podCIDRs: [`10.244.${n.id % 256}.0/24`],
      providerID: `kubesim://${n.runtime}/${n.id}`,
      ...(n.cordoned ? { unschedulable: true } : {}),
      // masters take no pods in kubesim, as a tainted control plane in Kubernetes
      ...(servedTaints(n).length ? { taints: servedTaints(n) } : {}),
    },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: [readyCondition(n)],
      addresses: [
        { type: 'InternalIP', address: nodeAddress(n.id) },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: uid.replace(/-/g, ''),
        systemUUID: uid,
        bootID: uidOf(ctx, 'boot', n.id, n.status_changed_at ?? n.created_at),
        kernelVersion: 'kubesim',
        osImage: `kubesim agent (${n.runtime} runtime)`,
        containerRuntimeVersion: `kubesim-${n.runtime}://0.1.0`,
        kubeletVersion: KUBE_VERSION.gitVersion,
        kubeProxyVersion: KUBE_VERSION.gitVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    } as V1Node['status'],
  } as V1Node;
}

/** Taints kubesim shows for a node's state, not stored: kubectl's writes of spec.taints drop them. */
export const STATE_TAINT_KEYS = [
  `${ROLE_LABEL}control-plane`,
  'node.kubernetes.io/unschedulable',
  'node.kubernetes.io/not-ready',
];

/**
 * The node's taints as Kubernetes would show them: masters take no pods (a tainted control
 * plane), a cordoned node is unschedulable, one not healthy is not-ready; then its own.
 */
export function servedTaints(
  n: NodeRecord,
): Array<{ key: string; value?: string; effect: string; timeAdded?: string }> {
  return [
    ...(n.node_type === 'master'
      ? [{ key: `${ROLE_LABEL}control-plane`, effect: 'NoSchedule' }]
      : []),
    ...(n.cordoned ? [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] : []),
    ...(n.health_status !== 'healthy'
      ? [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]
      : []),
    ...(n.taints ?? []).filter((t) => !STATE_TAINT_KEYS.includes(t.key)),
  ];
}
