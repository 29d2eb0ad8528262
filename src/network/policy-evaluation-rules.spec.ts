import {
  allowAllIngress,
  andPeer,
  backend,
  Case,
  db,
  defaultDenyEgress,
  expectVerdict,
  expressions,
  frontend,
  frontendInProject,
  inEgressBlock,
  inProject,
  multiPortEgress,
  namedPort,
  orPeer,
  testNetworkPolicy,
} from './testing/policy-world';

/**
 * Table tests of the finer points of NetworkPolicy rules (the world is in
 * testing/policy-world.ts): port ranges, a namespaceSelector and a podSelector in one peer
 * or two, named ports, matchExpressions, rules without ports, and both directions at once.
 */

const cases: Case[] = [
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
  it.each(cases)('$name', expectVerdict);
});
