/**
 * A Service's addresses, pure: a cluster IP from the simulated service range, node ports
 * from Kubernetes' default range, and the endpoints its selector picks among pods.
 */

/** The simulated service range, as kube-apiserver's default `--service-cluster-ip-range`. */
export const SERVICE_CIDR = '10.96.0.0/12';
const RANGE_START = (10 << 24) | (96 << 16); // 10.96.0.0
const RANGE_SIZE = 1 << 20; // a /12
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
function fromIp(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return null;
  return m
    .slice(1)
    .map(Number)
    .reduce((a, o) => a * 256 + o, 0);
}

/** Whether `ip` is an address of the service range (neither its network nor its broadcast). */
export function inServiceRange(ip: string): boolean {
  const n = fromIp(ip);
  return n !== null && n > RANGE_START && n < RANGE_START + RANGE_SIZE - 1;
}

/**
 * The lowest free address from 10.96.0.10 on (the first ten are kept for the cluster's own
 * services, as `kubernetes` at .1 and DNS at .10 in a kubeadm cluster), or null when full.
 */
export function allocateClusterIp(taken: Set<string>): string | null {
  for (let n = RANGE_START + 11; n < RANGE_START + RANGE_SIZE - 1; n++) {
    const ip = toIp(n);
    if (!taken.has(ip)) return ip;
  }
  return null;
}

/** The lowest free node port, or null when the range is used up. */
export function allocateNodePort(taken: Set<number>): number | null {
  for (let p = NODE_PORT_RANGE.min; p <= NODE_PORT_RANGE.max; p++) if (!taken.has(p)) return p;
  return null;
}

export interface ServicePort {
  name?: string;
  protocol: string;
  port: number;
  targetPort: number | string;
  nodePort?: number;
}

export interface EndpointPod {
  name: string;
  namespace: string;
  ip: string | null;
  nodeName: string | null;
  ready: boolean;
  uid: string;
  namedPorts: Record<string, { port: number; protocol: string }>;
}

export interface EndpointAddress {
  pod: EndpointPod;
  ready: boolean;
}

export interface ResolvedPort {
  name?: string;
  port: number;
  protocol: string;
}

/** A service port's target on one pod: a number as is, a name through the pod's named ports. */
export function targetPortOn(port: ServicePort, pod: EndpointPod): number | null {
  if (typeof port.targetPort === 'number') return port.targetPort;
  if (/^\d+$/.test(port.targetPort)) return Number(port.targetPort);
  const named = pod.namedPorts[port.targetPort];
  return named && named.protocol === port.protocol ? named.port : null;
}

/**
 * The endpoints a selector picks, grouped as v1.Endpoints subsets are: by the ports each pod
 * resolves its targets to. Pods with no IP yet are left out; unready ones are listed as such.
 */
export function endpointSubsets(
  ports: ServicePort[],
  pods: EndpointPod[],
): Array<{ addresses: EndpointAddress[]; ports: ResolvedPort[] }> {
  const groups = new Map<string, { addresses: EndpointAddress[]; ports: ResolvedPort[] }>();
  for (const pod of pods) {
    if (!pod.ip) continue;
    const resolved: ResolvedPort[] = [];
    for (const p of ports) {
      const target = targetPortOn(p, pod);
      if (target !== null) resolved.push({ name: p.name, port: target, protocol: p.protocol });
    }
    if (ports.length && !resolved.length) continue;
    const key = JSON.stringify(resolved);
    const group = groups.get(key) ?? { addresses: [], ports: resolved };
    group.addresses.push({ pod, ready: pod.ready });
    groups.set(key, group);
  }
  return [...groups.values()];
}
