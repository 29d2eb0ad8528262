import { cpuQuantity, memoryQuantity, toPodMetrics } from './kube-metrics';

describe('metrics.k8s.io quantities', () => {
  it.each([
    [0.9, '900m'],
    [2, '2'],
    [0, '0'],
    [0.0004, '0'], // below a millicore
    [1.2345, '1235m'],
  ])('%d cores is %s', (cores, text) => expect(cpuQuantity(cores)).toBe(text));

  it.each([
    [300, '307200Ki'], // 300 × 1024
    [0.5, '512Ki'],
    [28.8, '29491Ki'], // 29491.2 rounded
  ])('%d MiB is %s', (mib, text) => expect(memoryQuantity(mib)).toBe(text));

  it('a PodMetrics carries each container and the sample time', () => {
    const at = Date.parse('2026-01-01T00:00:05Z');
    expect(
      toPodMetrics(
        { metadata: { name: 'web', namespace: 'team', labels: { app: 'web' } } },
        {
          point: { timeMs: at, cpu: 0.9, memory: 300 },
          containers: [{ name: 'main', cpu: 0.9, memory: 300 }],
        },
        5000,
      ),
    ).toEqual({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name: 'web',
        namespace: 'team',
        creationTimestamp: '2026-01-01T00:00:05.000Z',
        labels: { app: 'web' },
      },
      timestamp: '2026-01-01T00:00:05.000Z',
      window: '5s',
      containers: [{ name: 'main', usage: { cpu: '900m', memory: '307200Ki' } }],
    });
  });
});
