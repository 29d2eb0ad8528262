import { evaluate, NetPod, NetPolicy, PolicySpec } from '../policy-evaluation';

/**
 * The world of the NetworkPolicy table specs, in the style of Kubernetes' netpol truth
 * tables: pods in three namespaces, policies from the Kubernetes NetworkPolicy documentation,
 * and a case of who may reach whom.
 */

export const NAMESPACE_LABELS: Record<string, Record<string, string>> = {
  default: { 'kubernetes.io/metadata.name': 'default' },
  myproject: { 'kubernetes.io/metadata.name': 'myproject', project: 'myproject' },
  other: { 'kubernetes.io/metadata.name': 'other' },
};

export const pod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
  namedPorts?: NetPod['namedPorts'],
): NetPod => ({ namespace, name, labels, ip, namedPorts });

export const db = pod('default', 'db', { role: 'db' }, '10.244.0.10', {
  redis: { port: 6379, protocol: 'TCP' },
});
export const frontend = pod('default', 'frontend', { role: 'frontend' }, '10.244.0.11');
export const backend = pod('default', 'backend', { role: 'backend' }, '10.244.0.12');
export const inProject = pod('myproject', 'tool', { app: 'tool' }, '10.244.1.5');
export const frontendInProject = pod('myproject', 'fe', { role: 'frontend' }, '10.244.1.6');
export const elsewhere = pod('other', 'x', { role: 'frontend' }, '10.244.2.7');
export const fromIpBlock = pod('other', 'legacy', {}, '172.17.0.9');
export const fromExcept = pod('other', 'excepted', {}, '172.17.1.9');
export const inEgressBlock = pod('other', 'target', {}, '10.0.0.7');

export const policy = (name: string, spec: PolicySpec, namespace = 'default'): NetPolicy => ({
  namespace,
  name,
  spec,
});

// ---- the Kubernetes documentation's examples

export const defaultDenyIngress = policy('default-deny-ingress', {
  podSelector: {},
  policyTypes: ['Ingress'],
});
export const allowAllIngress = policy('allow-all-ingress', {
  podSelector: {},
  ingress: [{}],
  policyTypes: ['Ingress'],
});
export const defaultDenyEgress = policy('default-deny-egress', {
  podSelector: {},
  policyTypes: ['Egress'],
});
export const allowAllEgress = policy('allow-all-egress', {
  podSelector: {},
  egress: [{}],
  policyTypes: ['Egress'],
});
export const defaultDenyAll = policy('default-deny-all', {
  podSelector: {},
  policyTypes: ['Ingress', 'Egress'],
});
export const testNetworkPolicy = policy('test-network-policy', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [
    {
      from: [
        { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
        { namespaceSelector: { matchLabels: { project: 'myproject' } } },
        { podSelector: { matchLabels: { role: 'frontend' } } },
      ],
      ports: [{ protocol: 'TCP', port: 6379 }],
    },
  ],
  egress: [
    { to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] },
  ],
});
export const multiPortEgress = policy('multi-port-egress', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Egress'],
  egress: [
    {
      to: [{ ipBlock: { cidr: '10.0.0.0/24' } }],
      ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }],
    },
  ],
});
// a namespaceSelector and a podSelector in one element (AND) or in two (OR)
export const andPeer = policy('and-peer', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [
    {
      from: [
        {
          namespaceSelector: { matchLabels: { project: 'myproject' } },
          podSelector: { matchLabels: { role: 'frontend' } },
        },
      ],
    },
  ],
});
export const orPeer = policy('or-peer', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [
    {
      from: [
        { namespaceSelector: { matchLabels: { project: 'myproject' } } },
        { podSelector: { matchLabels: { role: 'frontend' } } },
      ],
    },
  ],
});
export const namedPort = policy('named-port', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ ports: [{ port: 'redis' }] }],
});
export const expressions = policy('expressions', {
  podSelector: { matchExpressions: [{ key: 'role', operator: 'In', values: ['db'] }] },
  ingress: [
    {
      from: [
        {
          podSelector: {
            matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['backend'] }],
          },
        },
      ],
    },
  ],
});

export interface Case {
  name: string;
  policies: NetPolicy[];
  from: NetPod;
  to: NetPod;
  port?: number;
  protocol?: string;
  allowed: boolean;
  decidedBy?: string[];
}

/** The policies with the namespaces' labels, as evaluate() asks for them. */
export const world = (policies: NetPolicy[]) => ({
  policies,
  namespaceLabels: (ns: string) => NAMESPACE_LABELS[ns] ?? {},
});

/** Evaluates a case and expects what it says: allowed or not, decided by which policies. */
export function expectVerdict(c: Case): void {
  const verdict = evaluate(c.from, c.to, { port: c.port, protocol: c.protocol }, world(c.policies));
  expect(verdict.allowed).toBe(c.allowed);
  if (c.decidedBy) expect(verdict.policies).toEqual(c.decidedBy);
  expect(verdict.reason).toContain(c.allowed ? 'allowed' : 'denied');
}
