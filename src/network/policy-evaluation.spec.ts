import { cidrContains, evaluate, PolicySpec, policyTypes } from './policy-evaluation';
import {
  allowAllEgress,
  allowAllIngress,
  backend,
  Case,
  db,
  defaultDenyAll,
  defaultDenyEgress,
  defaultDenyIngress,
  elsewhere,
  expectVerdict,
  fromExcept,
  fromIpBlock,
  frontend,
  inEgressBlock,
  inProject,
  testNetworkPolicy,
  world,
} from './testing/policy-world';

/**
 * Table tests in the style of Kubernetes' netpol truth tables (the world is in
 * testing/policy-world.ts): the default policies and test-network-policy of the Kubernetes
 * NetworkPolicy documentation, and who may reach whom; policyTypes and CIDRs.
 */

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
];

describe('NetworkPolicy evaluation', () => {
  it.each(cases)('$name', expectVerdict);

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
