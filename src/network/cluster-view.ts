import { PodRecord } from '../database/records';
import { Labels } from './label-selector';
import { NetPod } from './policy-evaluation';

/** The namespace every object has that names none. */
export const DEFAULT_NAMESPACE = 'default';

/** A pod's namespace: the one place the network reads it (pods without one are `default`'s). */
export function podNamespace(pod: PodRecord): string {
  return (pod as PodRecord & { namespace?: string | null }).namespace ?? DEFAULT_NAMESPACE;
}

/** A namespace's labels, which namespaceSelectors match: its own, and its name label as Kubernetes sets it. */
export function namespaceLabels(namespace: string, own: Labels = {}): Labels {
  return { ...own, 'kubernetes.io/metadata.name': namespace };
}

/** Ready as a Service counts it: running, every container running (or not yet reported). */
export function podReady(pod: PodRecord): boolean {
  return (
    pod.status === 'running' &&
    pod.containers.every((c) => c.status === 'running' || c.status === 'waiting')
  );
}

/**
 * The pod's named container ports: kubesim keeps no container ports, so a name resolves
 * only where a pod declares it in the annotation `network.kubesim.io/ports` (`http=8080,dns=53/UDP`).
 */
export function namedPorts(pod: PodRecord): NonNullable<NetPod['namedPorts']> {
  const out: NonNullable<NetPod['namedPorts']> = {};
  for (const part of (pod.annotations?.['network.kubesim.io/ports'] ?? '').split(',')) {
    const m = /^\s*([a-z0-9-]{1,15})=(\d{1,5})(?:\/(TCP|UDP|SCTP))?\s*$/.exec(part);
    if (m) out[m[1]] = { port: Number(m[2]), protocol: m[3] ?? 'TCP' };
  }
  return out;
}

export function toNetPod(pod: PodRecord): NetPod {
  return {
    namespace: podNamespace(pod),
    name: pod.name,
    labels: pod.labels ?? {},
    ip: pod.ip,
    namedPorts: namedPorts(pod),
  };
}
