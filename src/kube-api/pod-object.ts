import type {
  V1ContainerStateTerminated,
  V1ContainerStatus,
  V1OwnerReference,
  V1Pod,
  V1PodCondition,
} from '@kubernetes/client-node';
import { ContainerRecord, PodRecord } from '../database/records';
import { constraintsToManifest } from '../scheduler/strategies/pod-constraints';
import { iso, KubeContext, ms, uidOf } from './kube-objects';
import { ContainerResources, qosClass } from './qos-class';
import { formatCpu, formatMemory } from './quantity';

/** The row's latest change, in milliseconds: kubesim's resourceVersion (it only grows). */
export function podVersion(p: PodRecord): number {
  return Math.max(ms(p.updated_at), ms(p.started_at), ms(p.scheduled_at), ms(p.created_at));
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
