import { FakeKubesim } from '../testing/fake-kubesim';
import { aNode } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('node commands', () => {
  let fake: FakeKubesim;
  const cli = (...args: string[]) => runCli(fake.url, args);

  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  describe('add-node', () => {
    it('registers the node with its size, type, memory and labels', async () => {
      fake.on('POST', '/nodes', {
        status: 201,
        body: {
          ...aNode({ id: 3, name: 'w1', health_status: 'pending' }),
          heartbeat_token: 'tok-123',
        },
      });

      const result = await cli(
        'add-node',
        '4',
        '--name',
        'w1',
        '--type',
        'master',
        '--memory',
        '2048',
        '-l',
        'zone=a',
        '-l',
        'tier=x',
      );

      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/nodes',
        body: {
          name: 'w1',
          cpu_cores: 4,
          node_type: 'master',
          memory_mb: 2048,
          labels: { zone: 'a', tier: 'x' },
        },
      });
      expect(result.stdout).toContain('node/w1 created (id 3, pending)');
      expect(result.stdout).toContain('heartbeat token: tok-123');
    });

    it('names the node node-<5 random characters> when no name is given', async () => {
      fake.on('POST', '/nodes', (req) => ({
        status: 201,
        body: aNode({ name: (req.body as { name: string }).name }),
      }));

      const result = await cli('add-node', '0.5');

      expect(result.code).toBe(0);
      const { name, cpu_cores } = fake.requests[0].body as { name: string; cpu_cores: number };
      expect(name).toMatch(/^node-[a-z0-9]{5}$/);
      expect(cpu_cores).toBe(0.5);
      expect(fake.requests[0].body).not.toHaveProperty('node_type');
    });

    it('rejects a CPU count that is not a positive number before any request', async () => {
      const result = await cli('add-node', 'lots');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "error: command-argument value 'lots' is invalid for argument 'cpus'",
      );
      expect(fake.requests).toHaveLength(0);
    });

    it('--wait polls the node until it is healthy', async () => {
      fake.on('POST', '/nodes', {
        status: 201,
        body: aNode({ id: 9, name: 'w9', health_status: 'pending' }),
      });
      let polls = 0;
      fake.on('GET', '/nodes/9', () => {
        polls++;
        return {
          body: aNode({ id: 9, name: 'w9', health_status: polls < 2 ? 'pending' : 'healthy' }),
        };
      });

      const result = await cli('add-node', '2', '--name', 'w9', '--wait', '--timeout', '10');

      expect(result.code).toBe(0);
      expect(polls).toBe(2);
      expect(result.stdout).toContain('node/w9 is healthy');
      expect(result.stderr).toContain('waiting for node/w9 to become healthy');
    });

    it('--wait fails with exit 1 when the node is not healthy in time', async () => {
      fake.on('POST', '/nodes', {
        status: 201,
        body: aNode({ id: 9, name: 'w9', health_status: 'pending' }),
      });
      fake.on('GET', '/nodes/9', { body: aNode({ id: 9, name: 'w9', health_status: 'pending' }) });

      const started = Date.now();
      const result = await cli('add-node', '2', '--name', 'w9', '--wait', '--timeout', '0.3');

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error: node/w9 not healthy after 0.3s (status: pending)');
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('--wait gives up at once on a node that became permanently failed', async () => {
      fake.on('POST', '/nodes', {
        status: 201,
        body: aNode({ id: 9, name: 'w9', health_status: 'permanently_failed' }),
      });

      const result = await cli('add-node', '2', '--wait');

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is permanently_failed; it will not become healthy');
      expect(fake.requestsTo('GET', '/nodes/9')).toHaveLength(0);
    });
  });

  describe('list-nodes', () => {
    const nodes = [
      aNode({ id: 1, name: 'worker-1', health_status: 'healthy' }),
      aNode({ id: 2, name: 'worker-2', health_status: 'failed', cordoned: true }),
    ];

    it('passes the filters and prints a table with names and statuses', async () => {
      fake.on('GET', '/nodes', { body: nodes });

      const result = await cli(
        'list-nodes',
        '--status',
        'failed',
        '--type',
        'worker',
        '--limit',
        '5',
      );

      expect(result.code).toBe(0);
      expect(fake.requests[0].query).toEqual({ status: 'failed', node_type: 'worker', limit: '5' });
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^ID\s+NAME\s+TYPE\s+STATUS/);
      expect(lines[1]).toMatch(/worker-1\s+worker\s+healthy\s+1\.5\/4/);
      expect(lines[2]).toMatch(/worker-2\s+worker\s+failed,cordoned/);
      expect(result.stdout).not.toContain('10.244.1.0/24');
    });

    it('-o wide adds memory, pod CIDR, components and labels', async () => {
      fake.on('GET', '/nodes', {
        body: [
          aNode({
            components: { kubelet: 'running', kube_proxy: 'degraded' },
            labels: { zone: 'b' },
          }),
        ],
      });

      const result = await cli('list-nodes', '-o', 'wide');

      expect(result.stdout).toContain('POD CIDR');
      expect(result.stdout).toContain('10.244.1.0/24');
      expect(result.stdout).toContain('2048 MB');
      expect(result.stdout).toContain('1/2 running (kube_proxy degraded)');
      expect(result.stdout).toContain('zone=b');
    });

    it('-o json prints the API answer unchanged', async () => {
      fake.on('GET', '/nodes', { body: nodes });

      const result = await cli('list-nodes', '-o', 'json');

      expect(JSON.parse(result.stdout)).toEqual(nodes);
    });

    it('rejects an unknown status without asking the API', async () => {
      const result = await cli('list-nodes', '--status', 'sleepy');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain("option '--status <status>' argument 'sleepy' is invalid");
      expect(fake.requests).toHaveLength(0);
    });

    it('says so on stderr when there are none', async () => {
      fake.on('GET', '/nodes', { body: [] });

      const result = await cli('list-nodes');

      expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'No nodes found.\n' });
    });
  });

  it('get-node shows capacity, components and pods of the node named', async () => {
    fake.on('GET', '/nodes/worker-1', {
      body: aNode({
        pod_ids: [12, 13],
        components: { kubelet: 'running', container_runtime: 'stopped' },
      }),
    });

    const result = await cli('get-node', 'worker-1');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Name:\s+worker-1/);
    expect(result.stdout).toMatch(/CPU:\s+4 cores: 1\.5 allocated, 2\.5 available, 0\.7 used/);
    expect(result.stdout).toMatch(/container_runtime\s+stopped/);
    expect(result.stdout).toContain('2 (ids 12, 13)');
  });

  it('escapes what the user typed into the path', async () => {
    await cli('get-node', 'a/b');

    expect(fake.requests[0].path).toBe('/nodes/a%2Fb');
  });

  it.each([
    ['stop-node', 'stop', 'stopped', 'node/worker-1 stopped (stopped)'],
    ['restart-node', 'restart', 'recovering', 'node/worker-1 restarting (recovering)'],
    ['cordon', 'cordon', 'healthy', 'node/worker-1 cordoned'],
    ['uncordon', 'uncordon', 'healthy', 'node/worker-1 uncordoned'],
  ] as const)('%s POSTs /nodes/:id/%s', async (command, action, status, line) => {
    fake.on('POST', `/nodes/worker-1/${action}`, { body: aNode({ health_status: status }) });

    const result = await cli(command, 'worker-1');

    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /nodes/worker-1/${action}`,
    ]);
    // no body, yet JSON: the API refuses a write without that type (415)
    expect(fake.requests[0].headers['content-type']).toBe('application/json');
    expect(result.stdout).toContain(line);
  });

  it('fail-node sends the failure mode', async () => {
    fake.on('POST', '/nodes/2/simulate/failure', { body: aNode({ id: 2, name: 'worker-2' }) });

    const result = await cli('fail-node', '2', '--mode', 'partition');

    expect(result.code).toBe(0);
    expect(fake.requests[0].body).toEqual({ mode: 'partition' });
    expect(result.stdout).toContain('node/worker-2 partition failure injected');
  });

  it('fail-node defaults to a crash and refuses unknown modes', async () => {
    fake.on('POST', '/nodes/2/simulate/failure', { body: aNode() });

    await cli('fail-node', '2');
    const bad = await cli('fail-node', '2', '--mode', 'explode');

    expect(fake.requests.map((r) => r.body)).toEqual([{ mode: 'crash' }]);
    expect(bad.code).toBe(2);
  });

  it.each([
    [200, { deleted: true, name: 'worker-1' }],
    [204, undefined],
  ])('delete-node handles a %s answer', async (status, body) => {
    fake.on('DELETE', '/nodes/worker-1', { status, body });

    const result = await cli('delete-node', 'worker-1');

    expect(result.code).toBe(0);
    expect(fake.requests[0].method).toBe('DELETE');
    expect(result.stdout).toBe('node/worker-1 deleted\n');
  });
});
