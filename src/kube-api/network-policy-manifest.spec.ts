import { networkPolicyManifest } from './network-policy-manifest';
import { causesOf } from './testing/invalid-causes';

describe('NetworkPolicy manifests', () => {
  it('defaults policyTypes: Egress only with egress rules', () => {
    expect(
      networkPolicyManifest({ metadata: { name: 'a' }, spec: { podSelector: {} } }, 'default').spec
        .policyTypes,
    ).toEqual(['Ingress']);
    expect(
      networkPolicyManifest(
        { metadata: { name: 'a' }, spec: { podSelector: {}, egress: [{}] } },
        'default',
      ).spec.policyTypes,
    ).toEqual(['Ingress', 'Egress']);
  });

  it.each([
    [{ policyTypes: ['Sideways'] }, 'spec.policyTypes: Unsupported value'],
    [{ ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: Required value: must specify a peer'],
    [
      { ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
    ],
    [
      { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      'spec.egress[0].to[0].ipBlock.cidr: Invalid value',
    ],
    [
      { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] },
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
    ],
    [
      { ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] },
      'spec.ingress[0].ports[0].endPort: Forbidden',
    ],
    [
      { ingress: [{ ports: [{ port: 90, endPort: 80 }] }] },
      'spec.ingress[0].ports[0].endPort: Invalid value: 80',
    ],
    [
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
      'spec.podSelector.matchExpressions[0].values: Required value',
    ],
    [
      { podSelector: { matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] } },
      'spec.podSelector.matchExpressions[0].operator: Invalid value: "Near"',
    ],
  ])('%j is refused: %s', (spec, cause) => {
    const causes = causesOf(() =>
      networkPolicyManifest({ metadata: { name: 'p' }, spec }, 'default'),
    );
    expect(causes.join('\n')).toContain(cause);
  });

  it('takes a strict subset in except', () => {
    expect(
      causesOf(() =>
        networkPolicyManifest(
          {
            metadata: { name: 'p' },
            spec: {
              egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }] }],
            },
          },
          'default',
        ),
      ),
    ).toEqual([]);
  });
});
