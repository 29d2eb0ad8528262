import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';

describe('autoscaler', () => {
  let fake: FakeKubesim;
  const cli = (...args: string[]) => runCli(fake.url, args);

  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  const view = {
    enabled: true,
    min_nodes: 1,
    max_nodes: 4,
    node_cpu_cores: 4,
    node_memory_mb: null,
    scale_up_delay_s: 0,
    scale_down_idle_s: 600,
    worker_nodes: 3,
    autoscaled_nodes: ['autoscaled-a1b2c3', 'autoscaled-d4e5f6'],
  };

  it('without options shows the settings and the added nodes', async () => {
    fake.on('GET', '/autoscaler', { body: view });

    const result = await cli('autoscaler');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Enabled:\s+yes/);
    expect(result.stdout).toMatch(/Nodes:\s+3 \(min 1, max 4\)/);
    expect(result.stdout).toMatch(/Added:\s+autoscaled-a1b2c3, autoscaled-d4e5f6/);
  });

  it('with options PUTs only what they change', async () => {
    fake.on('PUT', '/autoscaler', { body: { ...view, max_nodes: 6 } });

    const result = await cli('autoscaler', '--enable', '--max', '6', '--scale-down-idle', '30');

    expect(result.code).toBe(0);
    expect(fake.requests[0]).toMatchObject({
      method: 'PUT',
      path: '/autoscaler',
      body: { enabled: true, max_nodes: 6, scale_down_idle_s: 30 },
    });
    expect(result.stdout).toMatch(/max 6/);
  });

  it('refuses a bad count before any request', async () => {
    const result = await cli('autoscaler', '--max', '0');

    expect(result.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
  });
});
