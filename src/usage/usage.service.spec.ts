import { loadConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { UsageReport, UsageService } from './usage.service';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const running = (id: number, cpu: number, memory = 100) => ({
  id,
  status: 'running',
  containers: [{ name: 'app', cpu_usage: cpu, memory_usage: memory }],
});

function setup() {
  const metrics = new MetricsService();
  // the failure timeout (15 s by default) is how long a latest sample counts
  const usage = new UsageService(loadConfig({}), metrics);
  const beat = (nodeId: number, report: UsageReport, atMs: number) =>
    usage.record(nodeId, `n${nodeId}`, report, (id) => `pod-${id}`, atMs);
  return { usage, metrics, beat };
}

describe('UsageService', () => {
  it('sums a pod over its containers, and keeps only running pods', () => {
    const { usage, beat } = setup();
    beat(
      1,
      {
        cpu_usage: 1.2,
        memory_usage: 400,
        pods: [
          {
            id: 1,
            status: 'running',
            containers: [
              { name: 'a', cpu_usage: 0.5, memory_usage: 100 },
              { name: 'b', cpu_usage: 0.25, memory_usage: 50 },
            ],
          },
          { id: 2, status: 'creating', containers: [{ name: 'a', cpu_usage: 0 }] },
        ],
      },
      T0,
    );
    expect(usage.podSamples(1)).toEqual([{ timeMs: T0, cpu: 0.75, memory: 150 }]);
    expect(usage.podSamples(2)).toEqual([]);
    expect(usage.nodeSamples(1)).toEqual([{ timeMs: T0, cpu: 1.2, memory: 400 }]);
  });

  it('forgets a pod its node stops reporting; a moved pod starts afresh on its new node', () => {
    const { usage, beat } = setup();
    beat(1, { pods: [running(1, 0.5), running(2, 0.5)] }, T0);
    beat(1, { pods: [running(2, 0.6)] }, T0 + 1000);
    expect(usage.podSamples(1)).toEqual([]);
    beat(2, { pods: [running(2, 0.7)] }, T0 + 2000); // moved to node 2
    beat(1, { pods: [] }, T0 + 3000); // its old node no longer has it: kept on node 2
    expect(usage.podSamples(2).map((s) => s.cpu)).toEqual([0.7]);
  });

  it('counts a latest sample only within the failure timeout', () => {
    const { usage, beat } = setup();
    beat(1, { cpu_usage: 1, pods: [running(1, 0.5)] }, T0);
    expect(usage.latestNode(1, T0 + 15_000)?.cpu).toBe(1);
    expect(usage.latestPod(1, T0 + 15_000)?.point.cpu).toBe(0.5);
    expect(usage.latestNode(1, T0 + 15_001)).toBeUndefined();
    expect(usage.latestPod(1, T0 + 15_001)).toBeUndefined();
    expect(usage.nodeSamples(1)).toHaveLength(1); // the history stays
  });

  it('drops the series of a node silent for ten minutes', () => {
    const { usage, beat } = setup();
    beat(1, { pods: [running(1, 0.5)] }, T0);
    beat(2, {}, T0 + 10 * 60_000); // the next sweep, from another node's beat
    expect(usage.nodeSamples(1)).toEqual([]);
    expect(usage.podSamples(1)).toEqual([]);
  });

  it('exposes the latest use as Prometheus gauges, memory in bytes', async () => {
    const { metrics, usage } = setup();
    usage.record(
      1,
      'n1',
      { cpu_usage: 0.9, memory_usage: 300, pods: [running(7, 0.9, 300)] },
      () => 'web',
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('kubesim_node_cpu_usage_cores{node="n1"} 0.9');
    expect(text).toContain(`kubesim_node_memory_usage_bytes{node="n1"} ${300 * 1024 * 1024}`);
    expect(text).toContain('kubesim_pod_cpu_usage_cores{pod="web",pod_id="7",node="n1"} 0.9');
    expect(text).toContain(
      `kubesim_pod_memory_usage_bytes{pod="web",pod_id="7",node="n1"} ${300 * 1024 * 1024}`,
    );
  });
});
