import { cpuMillis, formatCpu, formatMemory, memoryMi, parseQuantity } from './quantity';

describe('quantities', () => {
  it.each([
    ['500m', 500],
    ['0.5', 500],
    ['2', 2000],
    ['1.25', 1250],
    ['0.0001', 1], // rounded up to the smallest unit kubesim keeps
    ['1e1', 10000],
    [2, 2000],
  ])('cpu %p is %p millicores', (q, m) => expect(cpuMillis(q, 'cpu')).toBe(m));

  it.each([
    ['64Mi', 64],
    ['1Gi', 1024],
    ['128M', 123], // 128e6 bytes = 122.07 MiB, rounded up
    ['1048576', 1],
    ['1Ki', 1],
    ['0', 0],
  ])('memory %p is %p MiB', (q, mi) => expect(memoryMi(q, 'memory')).toBe(mi));

  it.each(['', 'abc', '-1', '1x', '1.2.3', {}, null])('refuses %p', (q) =>
    expect(() => parseQuantity(q, 'spec.containers[0].resources.requests.cpu')).toThrow(
      /spec.containers\[0\].resources.requests.cpu/,
    ),
  );

  it('writes quantities as Kubernetes does', () => {
    expect([formatCpu(4000), formatCpu(500), formatCpu(1500)]).toEqual(['4', '500m', '1500m']);
    expect([formatMemory(8192), formatMemory(64), formatMemory(0)]).toEqual(['8Gi', '64Mi', '0Mi']);
  });
});
