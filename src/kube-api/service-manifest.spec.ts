import { serviceManifest } from './service-manifest';
import { causesOf } from './testing/invalid-causes';

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
