import {
  allocateClusterIp,
  allocateNodePort,
  EndpointPod,
  endpointSubsets,
  inServiceRange,
} from './service-addresses';

const pod = (name: string, extra: Partial<EndpointPod> = {}): EndpointPod => ({
  name,
  namespace: 'default',
  ip: `10.244.0.${name.length}`,
  nodeName: 'w1',
  ready: true,
  uid: name,
  namedPorts: {},
  ...extra,
});

describe('service addresses', () => {
  it.each([
    ['10.96.0.1', true],
    ['10.111.255.254', true],
    ['10.96.0.0', false],
    ['10.111.255.255', false],
    ['10.112.0.1', false],
    ['10.95.255.1', false],
    ['banana', false],
  ])('%s in 10.96.0.0/12: %s', (ip, inside) => expect(inServiceRange(ip)).toBe(inside));

  it('allocates the lowest free cluster IP past the reserved ten, skipping taken ones', () => {
    expect(allocateClusterIp(new Set())).toBe('10.96.0.11');
    expect(allocateClusterIp(new Set(['10.96.0.11', '10.96.0.12']))).toBe('10.96.0.13');
  });

  it('allocates node ports in 30000-32767 and says when none is left', () => {
    expect(allocateNodePort(new Set([30000]))).toBe(30001);
    const all = new Set(Array.from({ length: 2768 }, (_, i) => 30000 + i));
    expect(allocateNodePort(all)).toBeNull();
  });

  it('groups endpoints by resolved ports; a named target resolves per pod', () => {
    const ports = [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'web' }];
    const subsets = endpointSubsets(ports, [
      pod('a', { namedPorts: { web: { port: 8080, protocol: 'TCP' } } }),
      pod('bb', { namedPorts: { web: { port: 9090, protocol: 'TCP' } }, ready: false }),
      pod('ccc'), // no port named web: not an endpoint
      pod('dddd', { ip: null }), // no IP yet
    ]);
    expect(subsets).toEqual([
      {
        addresses: [{ pod: expect.objectContaining({ name: 'a' }), ready: true }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
      {
        addresses: [{ pod: expect.objectContaining({ name: 'bb' }), ready: false }],
        ports: [{ name: 'http', port: 9090, protocol: 'TCP' }],
      },
    ]);
  });
});
