import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';

describe('cluster and scheduler', () => {
  let fake: FakeKubesim;
  const cli = (...args: string[]) => runCli(fake.url, args);

  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  const cluster = {
    nodes: { total: 3, by_status: { healthy: 2, failed: 1, stopped: 0 } },
    pods: { total: 5, by_status: { running: 4, pending: 1 } },
    cpu: { total_cores: 12, allocated_cores: 4.5, available_cores: 7.5, used_cores: 1.2 },
    utilisation: { allocated_pct: 37.5, used_pct: 10 },
    scheduler_algorithm: 'best-fit',
  };
  const scheduler = {
    algorithm: 'best-fit',
    algorithms: ['first-fit', 'best-fit', 'worst-fit', 'round-robin'],
  };

  it('cluster summarises counts, CPU and the algorithm', async () => {
    fake.on('GET', '/cluster', { body: cluster });

    const result = await cli('cluster');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Nodes:\s+3 \(healthy 2, failed 1\)/);
    expect(result.stdout).toMatch(/Pods:\s+5 \(running 4, pending 1\)/);
    expect(result.stdout).toMatch(
      /CPU:\s+12 cores: 4\.5 allocated \(37\.5%\), 7\.5 available, 1\.2 used \(10%\)/,
    );
    expect(result.stdout).toMatch(/Scheduler:\s+best-fit/);
  });

  it('cluster says when the whole cluster is silent and eviction waits', async () => {
    fake.on('GET', '/cluster', {
      body: {
        ...cluster,
        nodes: { total: 3, by_status: { not_ready: 3 } },
        disruption: {
          active: true,
          since: '2026-01-01T00:00:00.000Z',
          reason: 'all 3 nodes stopped sending heartbeats at once',
        },
      },
    });

    const result = await cli('cluster');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Nodes:\s+3 \(not_ready 3\)/);
    expect(result.stdout).toMatch(
      /Disruption:\s+all 3 nodes stopped sending heartbeats at once \(since 2026-01-01T00:00:00\.000Z\): no pod is evicted/,
    );
  });

  it('cluster says nothing of a disruption that is not active', async () => {
    fake.on('GET', '/cluster', {
      body: { ...cluster, disruption: { active: false, since: null, reason: null } },
    });
    expect((await cli('cluster')).stdout).not.toMatch(/Disruption/);
  });

  it('cluster -o json prints the API answer', async () => {
    fake.on('GET', '/cluster', { body: cluster });

    expect(JSON.parse((await cli('cluster', '-o', 'json')).stdout)).toEqual(cluster);
  });

  it.each([[['scheduler']], [['scheduler', 'get']]])(
    '%j shows the active algorithm',
    async (args) => {
      fake.on('GET', '/scheduler', { body: scheduler });

      const result = await cli(...args);

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Algorithm:\s+best-fit/);
      expect(result.stdout).toContain('first-fit, best-fit (active), worst-fit, round-robin');
    },
  );

  it('scheduler set PUTs the algorithm', async () => {
    fake.on('PUT', '/scheduler', { body: { ...scheduler, algorithm: 'worst-fit' } });

    const result = await cli('scheduler', 'set', 'worst-fit');

    expect(fake.requests[0]).toMatchObject({
      method: 'PUT',
      path: '/scheduler',
      body: { algorithm: 'worst-fit' },
    });
    expect(result.stdout).toBe('scheduler algorithm set to worst-fit\n');
  });

  it('scheduler set needs an algorithm', async () => {
    const result = await cli('scheduler', 'set');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'algorithm'");
  });
});
