import { startProcessCluster, waitForNode } from './setup/cluster';
import { kubectlSuite, row, rows } from './setup/kubectl-suite';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * The Kubernetes API driven by the real kubectl (and @kubernetes/client-node) against the
 * real server on PostgreSQL. Only stdout and stderr of kubectl are looked at, as a user would.
 */
const suite = kubectlSuite();

suite('the Kubernetes API over real agents', () => {
  let t: TestApp;
  let k: Kubectl;

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
  });
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('the failure story in kubectl: a node fails, turns NotReady, its pod runs again elsewhere', async () => {
    await t.http.post('/nodes').send({ name: 'agent-1', cpu_cores: 2 }).expect(201);
    await waitForNode(t, 'agent-1', 'healthy');
    expect(row(await k.ok('get', 'nodes'), 'agent-1')?.[1]).toBe('Ready');

    await k.ok('run', 'live', '--image=busybox:1.36');
    expect(await k.ok('wait', '--for=condition=Ready', 'pod/live', '--timeout=30s')).toBe(
      'pod/live condition met\n',
    );
    expect(row(await k.ok('get', 'pods', '-o', 'wide'), 'live')?.slice(1, 3)).toEqual([
      '1/1',
      'Running',
    ]);

    await t.http.post('/nodes').send({ name: 'agent-2', cpu_cores: 2 }).expect(201);
    await waitForNode(t, 'agent-2', 'healthy');
    await t.http.post('/nodes/agent-1/simulate/failure').send({ mode: 'crash' }).expect(200);
    await waitFor('the node NotReady in kubectl', async () =>
      /^agent-1\s+NotReady/m.test(await k.ok('get', 'nodes')),
    );
    await waitFor(
      'the pod running on agent-2 in kubectl',
      async () => {
        const r = row(await k.ok('get', 'pods', '-o', 'wide'), 'live');
        if (r?.[1] === '1/1' && r[2] === 'Running' && r[6] === 'agent-2') return true;
        const rest = (await t.http.get('/pods/live')).body;
        throw new Error(
          `kubectl shows ${JSON.stringify(r)}; GET /pods/live: ${JSON.stringify(rest)}`,
        );
      },
      40000,
    );
    const reasons = rows(
      await k.ok('get', 'events', '--field-selector', 'involvedObject.name=agent-1'),
    ).map((r) => r[2]);
    expect(reasons).toEqual(expect.arrayContaining(['RegisteredNode', 'NodeNotReady']));
  });
});
