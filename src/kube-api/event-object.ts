import type { CoreV1Event } from '@kubernetes/client-node';
import { ClusterEvent } from '../events/cluster-bus';
import { DEFAULT_NAMESPACE, iso, KubeContext, microTime, uidOf } from './kube-objects';

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
