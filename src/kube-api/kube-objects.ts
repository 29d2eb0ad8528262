import { nodeLabels, ROLE_LABEL } from '../domain/node-labels';
import type {
  CoreV1Event,
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1Namespace,
  V1Node,
  V1NodeCondition,
  V1OwnerReference,
  V1Pod,
  V1PodCondition,
} from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { DEFAULT_NAMESPACE, NamespaceRecord } from '../database/namespaces.repository';

export { DEFAULT_NAMESPACE };
import { ContainerRecord, NodeRecord, PodRecord } from '../database/records';
import type { WorkloadRow } from '../database/workloads.repository';
import { ClusterEvent } from '../events/cluster-bus';
import { constraintsToManifest } from '../scheduler/strategies/constraints';
import { formatCpu, formatMemory } from './quantity';

/** The Kubernetes version whose API kubesim serves (its subset of it). */
export const KUBE_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0+kubesim' };

export { ROLE_LABEL } from '../domain/node-labels';

/** What the translation needs beyond the row itself. */
export interface KubeContext {
  clusterId: string;
  clusterCreatedAt: Date;
}

/**
 * A time as the wire carries it (RFC 3339, whole seconds); the client library's types
 * call these fields Date, which is what they become once a client parses them.
 */
function iso(d: Date | string | null | undefined): Date {
  const text = d === null || d === undefined ? undefined : new Date(d).toISOString();
  return text?.replace(/\.\d{3}Z$/, 'Z') as unknown as Date;
}

/** A MicroTime as the wire carries it (RFC 3339 with microseconds: an event's `eventTime`). */
export function microTime(d: Date | string): Date {
  return new Date(d).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

const ms = (d: Date | string | null | undefined): number =>
  d === null || d === undefined ? 0 : new Date(d).getTime();

/**
 * A stable uid for an object kubesim keys by number: the same row always has the same uid,
 * and a new row of the same name (made after a delete) a new one.
 */
export function uidOf(ctx: KubeContext, kind: string, id: number | string, created: Date | string) {
  const h = createHash('sha1')
    .update(`${ctx.clusterId}/${kind}/${id}/${ms(created)}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The row's latest change, in milliseconds: kubesim's resourceVersion (it only grows). */
export function nodeVersion(n: NodeRecord): number {
  return Math.max(ms(n.updated_at), ms(n.status_changed_at), ms(n.last_heartbeat_at));
}

export function podVersion(p: PodRecord): number {
  return Math.max(ms(p.updated_at), ms(p.started_at), ms(p.scheduled_at), ms(p.created_at));
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

/** What the agent last said of a container beyond its status (see the heartbeat service). */
interface StoredTerminated {
  exit_code: number;
  reason: string;
  started_at: string;
  finished_at: string;
}
interface StoredContainerState {
  ready?: boolean;
  started_at?: string;
  terminated?: StoredTerminated;
  waiting_reason?: string;
  last_terminated?: StoredTerminated;
}

const stateOf = (c: ContainerRecord): StoredContainerState =>
  (c.state ?? {}) as StoredContainerState;

const terminatedState = (t: StoredTerminated): V1ContainerStateTerminated =>
  ({
    exitCode: t.exit_code,
    reason: t.reason,
    startedAt: t.started_at,
    finishedAt: t.finished_at,
  }) as unknown as V1ContainerStateTerminated;

/**
 * A container of a running pod runs unless its agent said otherwise: 'waiting' without a
 * reason is only the status it had before any report (a pod moved to another node starts
 * over with it); with one, it waits out its crash-loop back-off.
 */
const containerRunning = (pod: PodRecord, c: ContainerRecord) =>
  pod.status === 'running' &&
  (c.status === 'running' || (c.status === 'waiting' && !stateOf(c).waiting_reason));

/** Running, and its pod's readiness delay (kubesim.io/ready-after) is over. */
const containerReady = (pod: PodRecord, c: ContainerRecord) =>
  containerRunning(pod, c) && stateOf(c).ready !== false;

function containerStatus(pod: PodRecord, c: ContainerRecord): V1ContainerStatus {
  const running = containerRunning(pod, c);
  const st = stateOf(c);
  let state: V1ContainerStatus['state'];
  if (running) {
    state = { running: { startedAt: iso(st.started_at ?? pod.started_at ?? pod.updated_at) } };
  } else if (c.status === 'terminated' && st.terminated) {
    state = { terminated: terminatedState(st.terminated) };
  } else if (c.status === 'waiting' && st.waiting_reason) {
    state = {
      waiting: {
        reason: st.waiting_reason,
        message: `back-off restarting failed container=${c.name} pod=${pod.name}`,
      },
    };
  } else if (c.status === 'failed' || pod.status === 'failed') {
    state = {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        finishedAt: iso(pod.updated_at),
      },
    };
  } else if (c.status === 'terminated') {
    state = {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        finishedAt: iso(pod.updated_at),
      },
    };
  } else {
    state = { waiting: { reason: pod.node_id === null ? 'Pending' : 'ContainerCreating' } };
  }
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ready: containerReady(pod, c),
    started: running,
    restartCount: c.restart_count,
    state,
    ...(st.last_terminated
      ? { lastState: { terminated: terminatedState(st.last_terminated) } }
      : {}),
  } as V1ContainerStatus;
}

/** kubesim's pod status as a Kubernetes phase. */
export function podPhase(p: PodRecord): string {
  return (
    (
      {
        pending: 'Pending',
        scheduled: 'Pending',
        running: 'Running',
        succeeded: 'Succeeded',
        failed: 'Failed',
      } as Record<string, string>
    )[p.status] ?? 'Unknown'
  );
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

export function toKubePod(ctx: KubeContext, p: PodRecord, nodeIp?: string): V1Pod {
  const created = iso(p.created_at)!;
  const scheduled = p.node_id !== null;
  const ready = p.status === 'running' && p.containers.every((c) => containerReady(p, c));
  const finished = p.status === 'succeeded' || (p.status === 'failed' && p.finished_at !== null);
  const conditions: V1PodCondition[] = [
    scheduled
      ? {
          type: 'PodScheduled',
          status: 'True',
          lastTransitionTime: iso(p.scheduled_at ?? p.created_at),
        }
      : {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: p.reason ?? 'waiting for a node',
          lastTransitionTime: iso(p.updated_at),
        },
  ];
  if (scheduled) {
    conditions.push(
      {
        type: 'Initialized',
        status: 'True',
        lastTransitionTime: iso(p.scheduled_at),
      },
      {
        type: 'ContainersReady',
        status: ready ? 'True' : 'False',
        ...(finished ? { reason: 'PodCompleted' } : {}),
        lastTransitionTime: iso(p.finished_at ?? p.started_at ?? p.updated_at),
      },
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        ...(finished ? { reason: 'PodCompleted' } : {}),
        lastTransitionTime: iso(p.finished_at ?? p.started_at ?? p.updated_at),
      },
    );
  }
  const env = p.config.filter((c) => c.type === 'env');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: uidOf(ctx, 'pod', p.id, p.created_at),
      resourceVersion: String(podVersion(p)),
      creationTimestamp: created,
      ...(Object.keys(p.labels ?? {}).length ? { labels: p.labels } : {}),
      annotations: { ...(p.annotations ?? {}), 'kubesim.io/pod-id': String(p.id) },
      ...(p.owner_references?.length
        ? { ownerReferences: p.owner_references as V1OwnerReference[] }
        : {}),
      ...(p.generate_name ? { generateName: p.generate_name } : {}),
    },
    spec: {
      ...(p.node_name ? { nodeName: p.node_name } : {}),
      ...(constraintsToManifest(p.scheduling) as Partial<V1Pod['spec']>),
      restartPolicy: p.restart_policy ?? 'Always',
      schedulerName: p.scheduler_algorithm
        ? `kubesim-${p.scheduler_algorithm}`
        : 'default-scheduler',
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.command.length ? { command: c.command } : {}),
        ...(c.args.length ? { args: c.args } : {}),
        ...(env.length ? { env: env.map((e) => ({ name: e.key, value: e.value })) } : {}),
        resources: containerResources(c),
        ...(p.volumes.length
          ? { volumeMounts: p.volumes.map((v) => ({ name: v.name, mountPath: v.path })) }
          : {}),
      })),
      ...(p.volumes.length
        ? {
            volumes: p.volumes.map((v) =>
              v.type === 'emptyDir'
                ? { name: v.name, emptyDir: { sizeLimit: `${v.size_gb}Gi` } }
                : v.type === 'hostPath'
                  ? { name: v.name, hostPath: { path: v.path } }
                  : v.type === 'configMap'
                    ? { name: v.name, configMap: { name: v.name } }
                    : { name: v.name, secret: { secretName: v.name } },
            ),
          }
        : {}),
    },
    status: {
      phase: podPhase(p),
      conditions,
      ...(scheduled && nodeIp ? { hostIP: nodeIp, hostIPs: [{ ip: nodeIp }] } : {}),
      ...(p.ip ? { podIP: p.ip, podIPs: [{ ip: p.ip }] } : {}),
      ...(scheduled ? { startTime: iso(p.scheduled_at) } : {}),
      ...(scheduled ? { containerStatuses: p.containers.map((c) => containerStatus(p, c)) } : {}),
      qosClass: qosClass(p.containers),
    },
  } as V1Pod;
}

type ContainerResources = Pick<
  ContainerRecord,
  'cpu_req_m' | 'memory_req_mb' | 'cpu_limit_m' | 'memory_limit_mb'
>;

/** A container's requests and limits as a manifest gives them: what was not given is left out. */
function containerResources(c: ContainerResources): {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
} {
  const requests: Record<string, string> = {};
  if (c.cpu_req_m > 0) requests.cpu = formatCpu(c.cpu_req_m);
  if (c.memory_req_mb > 0) requests.memory = formatMemory(c.memory_req_mb);
  const limits: Record<string, string> = {};
  if (c.cpu_limit_m != null) limits.cpu = formatCpu(c.cpu_limit_m);
  if (c.memory_limit_mb != null) limits.memory = formatMemory(c.memory_limit_mb);
  return {
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(Object.keys(requests).length ? { requests } : {}),
  };
}

/**
 * Kubernetes' QoS class: Guaranteed when every container has cpu and memory limits equal to
 * its requests, BestEffort when none has a request or a limit, else Burstable.
 */
export function qosClass(
  containers: ContainerResources[],
): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const guaranteed =
    containers.length > 0 &&
    containers.every(
      (c) =>
        c.cpu_limit_m != null &&
        c.memory_limit_mb != null &&
        c.cpu_limit_m === c.cpu_req_m &&
        c.memory_limit_mb === c.memory_req_mb,
    );
  if (guaranteed) return 'Guaranteed';
  const any = containers.some(
    (c) =>
      c.cpu_req_m > 0 || c.memory_req_mb > 0 || c.cpu_limit_m != null || c.memory_limit_mb != null,
  );
  return any ? 'Burstable' : 'BestEffort';
}

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

/** The component that reports an event about this kind (the workloads' controllers by name). */
function eventSource(kind: string): string {
  if (kind === 'Node') return 'kubesim-node-controller';
  if (kind === 'DaemonSet') return 'daemonset-controller';
  if (kind === 'Job') return 'job-controller';
  if (kind === 'Deployment') return 'deployment-controller';
  if (kind === 'ReplicaSet') return 'replicaset-controller';
  return 'kubesim-scheduler';
}

/** Kubernetes' reason for what kubesim calls otherwise, where one exists. */
const EVENT_REASONS: Record<string, string> = {
  NodeFailed: 'NodeNotReady',
  PodEvicted: 'Evicted',
  RemovingNode: 'RemovingNode',
};

/** What was done, for the reasons whose controller in Kubernetes says it; else the reason itself. */
const EVENT_ACTIONS: Record<string, string> = {
  Scheduled: 'Binding',
  FailedScheduling: 'Scheduling',
};

/** The kinds an event's object may name, with their apiVersion (as the controllers record them). */
const EVENT_OBJECT_KINDS: Record<string, { kind: string; apiVersion: string }> = {
  node: { kind: 'Node', apiVersion: 'v1' },
  pod: { kind: 'Pod', apiVersion: 'v1' },
  deployment: { kind: 'Deployment', apiVersion: 'apps/v1' },
  replicaset: { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  daemonset: { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  job: { kind: 'Job', apiVersion: 'batch/v1' },
};

export function toKubeEvent(ctx: KubeContext, e: ClusterEvent): CoreV1Event {
  const [kindWord, name = ''] = e.object.split('/', 2);
  const known = EVENT_OBJECT_KINDS[kindWord];
  const kind = known?.kind ?? 'Cluster';
  const at = iso(e.created_at)!;
  const reason = EVENT_REASONS[e.reason] ?? e.reason;
  const component = eventSource(kind);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${name || 'cluster'}.${Number(e.id).toString(16).padStart(16, '0')}`,
      namespace: e.namespace ?? DEFAULT_NAMESPACE,
      uid: uidOf(ctx, 'event', e.id, e.created_at),
      resourceVersion: String(e.id),
      creationTimestamp: at,
    },
    involvedObject: {
      kind,
      name,
      // namespaced kinds name their namespace (kubectl describe finds their events so)
      ...(known && kind !== 'Node'
        ? { namespace: e.namespace ?? DEFAULT_NAMESPACE, apiVersion: known.apiVersion }
        : { apiVersion: 'v1' }),
    },
    reason,
    message: e.message,
    type: e.type,
    source: { component },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    // events.k8s.io/v1 shows these as eventTime, action and reportingController
    eventTime: microTime(e.created_at),
    action: EVENT_ACTIONS[reason] ?? reason,
    reportingComponent: component,
    reportingInstance: 'kubesim',
  } as CoreV1Event;
}

/**
 * The metadata every stored workload kind shows (Deployment, ReplicaSet, Job,
 * HorizontalPodAutoscaler); resourceVersion is the time of its last write (ms), as
 * kubesim's other objects. Labels and annotations only when there are some.
 */
export function workloadMetadata(row: WorkloadRow): Record<string, any> {
  const meta: Record<string, any> = {
    name: row.name,
    namespace: row.namespace,
    uid: row.uid,
    resourceVersion: String(new Date(row.updated_at).getTime()),
    generation: Number(row.generation),
    creationTimestamp: new Date(row.created_at).toISOString(),
  };
  if (Object.keys(row.labels ?? {}).length) meta.labels = row.labels;
  if (Object.keys(row.annotations ?? {}).length) meta.annotations = row.annotations;
  return meta;
}
