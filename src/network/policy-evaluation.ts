import type { V1LabelSelector } from '@kubernetes/client-node';
import { Labels, matchesLabelSelector } from './label-selector';

/**
 * NetworkPolicy evaluation as Kubernetes defines it, pure: a pod that no policy selects for a
 * direction allows all of it; policies add up (a connection is allowed if any policy selecting
 * the pod allows it); a connection needs both the source's egress and the destination's ingress.
 */

export type PolicyType = 'Ingress' | 'Egress';

/** A NetworkPolicy's spec as the wire carries it (the client library renames `from` and `except`). */
export interface PolicyPeer {
  podSelector?: V1LabelSelector;
  namespaceSelector?: V1LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
export interface PolicySpec {
  podSelector?: V1LabelSelector;
  policyTypes?: string[];
  ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>;
  egress?: Array<{ to?: PolicyPeer[]; ports?: PolicyPort[] }>;
}

export interface NetPod {
  namespace: string;
  name: string;
  labels: Labels;
  ip: string | null;
  /** the pod's named container ports, which a policy's or a Service's port name refers to */
  namedPorts?: Record<string, { port: number; protocol: string }>;
}

export interface NetPolicy {
  namespace: string;
  name: string;
  spec: PolicySpec;
}

/** A connection's port and protocol; no port means "on some port". */
export interface Connection {
  port?: number;
  protocol?: string;
}

export interface PolicyWorld {
  policies: NetPolicy[];
  /** a namespace's labels, for namespaceSelectors */
  namespaceLabels(namespace: string): Labels;
}

export interface DirectionVerdict {
  allowed: boolean;
  /** some policy selects the pod for this direction */
  isolated: boolean;
  /** the selecting policies that allow (if allowed) or all selecting policies (if denied) */
  policies: string[];
}

export interface Verdict {
  allowed: boolean;
  reason: string;
  /** the policies that decided (`namespace/name`) */
  policies: string[];
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

export const policyName = (p: NetPolicy) => `${p.namespace}/${p.name}`;
export const podName = (p: NetPod) => `${p.namespace}/${p.name}`;

/**
 * spec.policyTypes, defaulted as kube-apiserver does: always Ingress, and Egress when the
 * policy has egress rules.
 */
export function policyTypes(spec: PolicySpec): PolicyType[] {
  if (spec.policyTypes?.length) return spec.policyTypes as PolicyType[];
  return spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

function ipv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

/** An IPv4 CIDR (`10.0.0.0/8`), or null when it is not one. */
export function parseCidr(cidr: string): { base: number; bits: number } | null {
  const [address, prefix, ...rest] = cidr.split('/');
  if (rest.length || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return null;
  const bits = Number(prefix);
  const base = ipv4(address);
  if (base === null || bits > 32) return null;
  return { base, bits };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = ipv4(ip);
  if (!c || a === null) return false;
  const mask = c.bits === 0 ? 0 : (~0 << (32 - c.bits)) >>> 0;
  return (a & mask) >>> 0 === (c.base & mask) >>> 0;
}

/** Whether a rule's peer covers the other pod (`policyNamespace` is the policy's own). */
function peerMatches(
  peer: PolicyPeer,
  other: NetPod,
  policyNamespace: string,
  world: PolicyWorld,
): boolean {
  if (peer.ipBlock) {
    if (!other.ip || !cidrContains(peer.ipBlock.cidr, other.ip)) return false;
    const except = peer.ipBlock.except ?? [];
    return !except.some((e) => cidrContains(e, other.ip!));
  }
  const namespaceOk = peer.namespaceSelector
    ? matchesLabelSelector(peer.namespaceSelector, world.namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && (!peer.podSelector || matchesLabelSelector(peer.podSelector, other.labels));
}

/** Whether a rule's ports cover the connection; named ports are the destination's. */
function portsMatch(
  ports: PolicyPort[] | undefined,
  conn: Connection,
  destination: NetPod,
): boolean {
  if (!ports?.length) return true;
  const protocol = conn.protocol ?? 'TCP';
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined || p.port === null) return true;
    let port: number;
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
      const named = destination.namedPorts?.[p.port];
      if (!named || named.protocol !== protocol) return false;
      port = named.port;
    } else port = Number(p.port);
    if (conn.port === undefined) return true;
    const end = p.endPort ?? port;
    return conn.port >= port && conn.port <= end;
  });
}

/** One direction of a connection as the policies selecting `pod` for it decide. */
function direction(
  type: PolicyType,
  pod: NetPod,
  other: NetPod,
  conn: Connection,
  destination: NetPod,
  world: PolicyWorld,
): DirectionVerdict {
  const selecting = world.policies.filter(
    (p) =>
      p.namespace === pod.namespace &&
      policyTypes(p.spec).includes(type) &&
      matchesLabelSelector(p.spec.podSelector, pod.labels),
  );
  if (!selecting.length) return { allowed: true, isolated: false, policies: [] };
  const allowing = selecting.filter((p) => {
    const rules = (type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? [];
    return rules.some((rule) => {
      const peers = 'from' in rule ? rule.from : (rule as { to?: PolicyPeer[] }).to;
      const peerOk =
        !peers?.length || peers.some((peer) => peerMatches(peer, other, p.namespace, world));
      return peerOk && portsMatch(rule.ports, conn, destination);
    });
  });
  return allowing.length
    ? { allowed: true, isolated: true, policies: allowing.map(policyName) }
    : { allowed: false, isolated: true, policies: selecting.map(policyName) };
}

const describeConn = (conn: Connection) =>
  conn.port === undefined
    ? `any ${conn.protocol ?? 'TCP'} port`
    : `${conn.port}/${conn.protocol ?? 'TCP'}`;

/** Whether `from` may open a connection to `to`, and which policies say so. */
export function evaluate(from: NetPod, to: NetPod, conn: Connection, world: PolicyWorld): Verdict {
  const egress = direction('Egress', from, to, conn, to, world);
  const ingress = direction('Ingress', to, from, conn, to, world);
  const what = `${podName(from)} → ${podName(to)} on ${describeConn(conn)}`;
  if (!egress.allowed)
    return {
      allowed: false,
      reason: `${what}: denied, egress of ${podName(from)} is isolated by ${egress.policies.join(', ')} and none of them allows it`,
      policies: egress.policies,
      egress,
      ingress,
    };
  if (!ingress.allowed)
    return {
      allowed: false,
      reason: `${what}: denied, ingress of ${podName(to)} is isolated by ${ingress.policies.join(', ')} and none of them allows it`,
      policies: ingress.policies,
      egress,
      ingress,
    };
  const by = [...egress.policies, ...ingress.policies];
  const parts = [
    egress.isolated ? `egress allowed by ${egress.policies.join(', ')}` : 'egress not isolated',
    ingress.isolated ? `ingress allowed by ${ingress.policies.join(', ')}` : 'ingress not isolated',
  ];
  return {
    allowed: true,
    reason: by.length
      ? `${what}: allowed (${parts.join('; ')})`
      : `${what}: allowed, no NetworkPolicy selects either pod`,
    policies: [...new Set(by)],
    egress,
    ingress,
  };
}
