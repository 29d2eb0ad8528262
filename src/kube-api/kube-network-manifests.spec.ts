import { networkPolicyManifest, serviceManifest } from './kube-network-manifests';
import { KubeError } from './kube-status';

const causesOf = (work: () => unknown): string[] => {
  try {
    work();
  } catch (err) {
    if (err instanceof KubeError)
      return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
};

describe('Service manifests', () => {
  it('defaults protocol, targetPort and type as kube-apiserver does', () => {
    const m = serviceManifest(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
      'default',
    );
    expect(m.spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    expect(m.clusterIP).toBe('');
  });

  it.each([
    [
      { ports: [{ port: 0 }] },
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ],
    [{ ports: [{ port: 80 }, { port: 81 }] }, 'spec.ports[0].name: Required value'],
    [
      { ports: [{ port: 80, protocol: 'ICMP' }] },
      'spec.ports[0].protocol: Unsupported value: "ICMP"',
    ],
    [
      { ports: [{ port: 80, targetPort: 'Not_A_Name' }] },
      'spec.ports[0].targetPort: Invalid value: "Not_A_Name"',
    ],
    [
      { type: 'LoadBalancer', ports: [{ port: 80 }] },
      'spec.type: Unsupported value: "LoadBalancer"',
    ],
    [
      { clusterIP: '192.168.0.1', ports: [{ port: 80 }] },
      'spec.clusterIP: Invalid value: "192.168.0.1"',
    ],
    [{ ports: [{ port: 80, nodePort: 30080 }] }, 'spec.ports[0].nodePort: Forbidden'],
    [
      { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] },
      'spec.ports[0].nodePort: Invalid value: 80',
    ],
    [{}, 'spec.ports: Required value'],
  ])('%j is refused: %s', (spec, cause) => {
    const causes = causesOf(() => serviceManifest({ metadata: { name: 'web' }, spec }, 'default'));
    expect(causes.join('\n')).toContain(cause);
  });

  it('a headless service needs no ports; its cluster IP cannot change later', () => {
    expect(
      serviceManifest({ metadata: { name: 'h' }, spec: { clusterIP: 'None' } }, 'default')
        .clusterIP,
    ).toBe('None');
    const causes = causesOf(() =>
      serviceManifest(
        { metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 80 }] } },
        'default',
        {
          clusterIP: '10.96.0.11',
        },
      ),
    );
    expect(causes).toEqual(['spec.clusterIP: Invalid value: "10.96.0.20": field is immutable']);
  });
});

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
