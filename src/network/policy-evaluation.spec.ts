import {
  cidrContains,
  evaluate,
  NetPod,
  NetPolicy,
  PolicySpec,
  policyTypes,
} from './policy-evaluation';

/**
 * Table tests in the style of Kubernetes' netpol truth tables: pods in two namespaces,
 * policies from the Kubernetes NetworkPolicy documentation, and who may reach whom.
 */

const NAMESPACE_LABELS: Record<string, Record<string, string>> = {
  default: { 'kubernetes.io/metadata.name': 'default' },
  myproject: { 'kubernetes.io/metadata.name': 'myproject', project: 'myproject' },
  other: { 'kubernetes.io/metadata.name': 'other' },
};

const pod = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
  namedPorts?: NetPod['namedPorts'],
): NetPod => ({ namespace, name, labels, ip, namedPorts });

const db = pod('default', 'db', { role: 'db' }, '10.244.0.10', {
  redis: { port: 6379, protocol: 'TCP' },
});
const frontend = pod('default', 'frontend', { role: 'frontend' }, '10.244.0.11');
const backend = pod('default', 'backend', { role: 'backend' }, '10.244.0.12');
const inProject = pod('myproject', 'tool', { app: 'tool' }, '10.244.1.5');
const frontendInProject = pod('myproject', 'fe', { role: 'frontend' }, '10.244.1.6');
const elsewhere = pod('other', 'x', { role: 'frontend' }, '10.244.2.7');
const fromIpBlock = pod('other', 'legacy', {}, '172.17.0.9');
const fromExcept = pod('other', 'excepted', {}, '172.17.1.9');
const inEgressBlock = pod('other', 'target', {}, '10.0.0.7');

const policy = (name: string, spec: PolicySpec, namespace = 'default'): NetPolicy => ({
  namespace,
  name,
  spec,
});

// ---- the Kubernetes documentation's examples

const defaultDenyIngress = policy('default-deny-ingress', {
  podSelector: {},
  policyTypes: ['Ingress'],
});
const allowAllIngress = policy('allow-all-ingress', {
  podSelector: {},
  ingress: [{}],
  policyTypes: ['Ingress'],
});
const defaultDenyEgress = policy('default-deny-egress', {
  podSelector: {},
  policyTypes: ['Egress'],
});
const allowAllEgress = policy('allow-all-egress', {
  podSelector: {},
  egress: [{}],
  policyTypes: ['Egress'],
});
const defaultDenyAll = policy('default-deny-all', {
  podSelector: {},
  policyTypes: ['Ingress', 'Egress'],
});
const testNetworkPolicy = policy('test-network-policy', {
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
const multiPortEgress = policy('multi-port-egress', {
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
const andPeer = policy('and-peer', {
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
const orPeer = policy('or-peer', {
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
const namedPort = policy('named-port', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ ports: [{ port: 'redis' }] }],
});
const expressions = policy('expressions', {
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

interface Case {
  name: string;
  policies: NetPolicy[];
  from: NetPod;
  to: NetPod;
  port?: number;
  protocol?: string;
  allowed: boolean;
  decidedBy?: string[];
}

const cases: Case[] = [
  {
    name: 'no policies: everything is allowed',
    policies: [],
    from: frontend,
    to: db,
    port: 80,
    allowed: true,
    decidedBy: [],
  },
  {
    name: 'default deny ingress denies pod to pod',
    policies: [defaultDenyIngress],
    from: frontend,
    to: db,
    port: 80,
    allowed: false,
    decidedBy: ['default/default-deny-ingress'],
  },
  {
    name: 'default deny ingress does not touch another namespace',
    policies: [defaultDenyIngress],
    from: frontend,
    to: inProject,
    port: 80,
    allowed: true,
  },
  {
    name: 'default deny ingress leaves egress open',
    policies: [defaultDenyIngress],
    from: db,
    to: inProject,
    port: 80,
    allowed: true,
  },
  {
    name: 'allow all ingress overrides a default deny (policies add up)',
    policies: [defaultDenyIngress, allowAllIngress],
    from: elsewhere,
    to: db,
    port: 80,
    allowed: true,
    decidedBy: ['default/allow-all-ingress'],
  },
  {
    name: 'default deny egress denies the source',
    policies: [defaultDenyEgress],
    from: db,
    to: inProject,
    port: 80,
    allowed: false,
    decidedBy: ['default/default-deny-egress'],
  },
  {
    name: 'default deny egress leaves ingress from elsewhere open',
    policies: [defaultDenyEgress],
    from: inProject,
    to: db,
    port: 80,
    allowed: true,
  },
  {
    name: 'allow all egress overrides a default deny egress',
    policies: [defaultDenyEgress, allowAllEgress],
    from: db,
    to: inProject,
    port: 80,
    allowed: true,
  },
  {
    name: 'default deny all: in',
    policies: [defaultDenyAll],
    from: inProject,
    to: db,
    port: 80,
    allowed: false,
  },
  {
    name: 'default deny all: out',
    policies: [defaultDenyAll],
    from: db,
    to: inProject,
    port: 80,
    allowed: false,
  },
  {
    name: 'default deny all: within the namespace',
    policies: [defaultDenyAll],
    from: frontend,
    to: backend,
    port: 80,
    allowed: false,
  },
  {
    name: 'test-network-policy: frontend pod to db on 6379',
    policies: [testNetworkPolicy],
    from: frontend,
    to: db,
    port: 6379,
    allowed: true,
    decidedBy: ['default/test-network-policy'],
  },
  {
    name: 'test-network-policy: frontend pod to db on another port',
    policies: [testNetworkPolicy],
    from: frontend,
    to: db,
    port: 80,
    allowed: false,
  },
  {
    name: 'test-network-policy: UDP 6379 is another port',
    policies: [testNetworkPolicy],
    from: frontend,
    to: db,
    port: 6379,
    protocol: 'UDP',
    allowed: false,
  },
  {
    name: 'test-network-policy: backend pod (not frontend) to db',
    policies: [testNetworkPolicy],
    from: backend,
    to: db,
    port: 6379,
    allowed: false,
  },
  {
    name: 'test-network-policy: any pod of namespace project=myproject',
    policies: [testNetworkPolicy],
    from: inProject,
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: 'test-network-policy: role=frontend in another namespace is not selected',
    policies: [testNetworkPolicy],
    from: elsewhere,
    to: db,
    port: 6379,
    allowed: false,
  },
  {
    name: 'test-network-policy: ipBlock 172.17.0.0/16',
    policies: [testNetworkPolicy],
    from: fromIpBlock,
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: 'test-network-policy: ipBlock except 172.17.1.0/24',
    policies: [testNetworkPolicy],
    from: fromExcept,
    to: db,
    port: 6379,
    allowed: false,
  },
  {
    name: 'test-network-policy: db egress to 10.0.0.0/24 on 5978',
    policies: [testNetworkPolicy],
    from: db,
    to: inEgressBlock,
    port: 5978,
    allowed: true,
  },
  {
    name: 'test-network-policy: db egress to 10.0.0.0/24 on another port',
    policies: [testNetworkPolicy],
    from: db,
    to: inEgressBlock,
    port: 5979,
    allowed: false,
  },
  {
    name: 'test-network-policy: db egress elsewhere',
    policies: [testNetworkPolicy],
    from: db,
    to: frontend,
    port: 5978,
    allowed: false,
  },
  {
    name: 'test-network-policy: pods not selected are not isolated',
    policies: [testNetworkPolicy],
    from: backend,
    to: frontend,
    port: 80,
    allowed: true,
  },
  {
    name: 'endPort: the first port of the range',
    policies: [multiPortEgress],
    from: db,
    to: inEgressBlock,
    port: 32000,
    allowed: true,
  },
  {
    name: 'endPort: the last port of the range',
    policies: [multiPortEgress],
    from: db,
    to: inEgressBlock,
    port: 32768,
    allowed: true,
  },
  {
    name: 'endPort: past the range',
    policies: [multiPortEgress],
    from: db,
    to: inEgressBlock,
    port: 32769,
    allowed: false,
  },
  {
    name: 'namespaceSelector AND podSelector: frontend in myproject',
    policies: [andPeer],
    from: frontendInProject,
    to: db,
    port: 80,
    allowed: true,
  },
  {
    name: 'namespaceSelector AND podSelector: another pod of myproject',
    policies: [andPeer],
    from: inProject,
    to: db,
    port: 80,
    allowed: false,
  },
  {
    name: 'namespaceSelector AND podSelector: frontend of the own namespace',
    policies: [andPeer],
    from: frontend,
    to: db,
    port: 80,
    allowed: false,
  },
  {
    name: 'namespaceSelector OR podSelector: another pod of myproject',
    policies: [orPeer],
    from: inProject,
    to: db,
    port: 80,
    allowed: true,
  },
  {
    name: 'namespaceSelector OR podSelector: frontend of the own namespace',
    policies: [orPeer],
    from: frontend,
    to: db,
    port: 80,
    allowed: true,
  },
  {
    name: 'namespaceSelector OR podSelector: backend of the own namespace',
    policies: [orPeer],
    from: backend,
    to: db,
    port: 80,
    allowed: false,
  },
  {
    name: 'named port: the destination names 6379 redis',
    policies: [namedPort],
    from: backend,
    to: db,
    port: 6379,
    allowed: true,
  },
  {
    name: 'named port: another port',
    policies: [namedPort],
    from: backend,
    to: db,
    port: 6380,
    allowed: false,
  },
  {
    name: 'matchExpressions In / NotIn: frontend allowed',
    policies: [expressions],
    from: frontend,
    to: db,
    port: 1,
    allowed: true,
  },
  {
    name: 'matchExpressions In / NotIn: backend denied',
    policies: [expressions],
    from: backend,
    to: db,
    port: 1,
    allowed: false,
  },
  {
    name: 'any port: allowed when some port is',
    policies: [testNetworkPolicy],
    from: frontend,
    to: db,
    allowed: true,
  },
  {
    name: 'any port: denied when no rule allows the peer',
    policies: [testNetworkPolicy],
    from: backend,
    to: db,
    allowed: false,
  },
  {
    name: 'egress and ingress both needed: egress denies though ingress allows',
    policies: [defaultDenyEgress, allowAllIngress],
    from: frontend,
    to: db,
    port: 80,
    allowed: false,
    decidedBy: ['default/default-deny-egress'],
  },
];

describe('NetworkPolicy evaluation', () => {
  const world = (policies: NetPolicy[]) => ({
    policies,
    namespaceLabels: (ns: string) => NAMESPACE_LABELS[ns] ?? {},
  });

  it.each(cases)('$name', (c) => {
    const verdict = evaluate(
      c.from,
      c.to,
      { port: c.port, protocol: c.protocol },
      world(c.policies),
    );
    expect(verdict.allowed).toBe(c.allowed);
    if (c.decidedBy) expect(verdict.policies).toEqual(c.decidedBy);
    expect(verdict.reason).toContain(c.allowed ? 'allowed' : 'denied');
  });

  it('says which policy allowed each direction', () => {
    const verdict = evaluate(
      frontend,
      db,
      { port: 6379 },
      world([defaultDenyAll, testNetworkPolicy, allowAllEgress]),
    );
    expect(verdict).toMatchObject({
      allowed: true,
      policies: ['default/allow-all-egress', 'default/test-network-policy'],
      egress: { isolated: true, policies: ['default/allow-all-egress'] },
      ingress: { isolated: true, policies: ['default/test-network-policy'] },
    });
  });
});

describe('policyTypes defaulting', () => {
  it.each([
    [{ podSelector: {} }, ['Ingress']],
    [{ podSelector: {}, ingress: [{}] }, ['Ingress']],
    [{ podSelector: {}, egress: [{}] }, ['Ingress', 'Egress']],
    // an empty egress list is no egress rule
    [{ podSelector: {}, egress: [] }, ['Ingress']],
    [{ podSelector: {}, policyTypes: ['Egress'] }, ['Egress']],
  ] as Array<[PolicySpec, string[]]>)('%j defaults to %j', (spec, types) => {
    expect(policyTypes(spec)).toEqual(types);
  });
});

describe('cidrContains', () => {
  it.each([
    ['10.0.0.0/24', '10.0.0.255', true],
    ['10.0.0.0/24', '10.0.1.0', false],
    ['0.0.0.0/0', '192.168.1.1', true],
    ['10.244.1.7/32', '10.244.1.7', true],
    ['10.96.0.0/12', '10.111.255.255', true],
    ['10.96.0.0/12', '10.112.0.0', false],
    ['fd00::/8', '10.0.0.1', false],
  ])('%s contains %s: %s', (cidr, ip, inside) => {
    expect(cidrContains(cidr, ip)).toBe(inside);
  });
});
