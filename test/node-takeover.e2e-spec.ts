import { beat, healthyNode, pod, startTestApp, TestApp, WORKER_COMPONENTS } from './setup/test-app';
import { startProcessCluster, waitForNode } from './setup/cluster';

describe('taking over and stopping external nodes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('stop on an external node: stopped, its pods moved, its agent told to terminate', async () => {
    const node = await healthyNode(t, 'ext-stop', 2, { agent: 'external' });
    const { body: placed } = await t.http.post('/pods').send(pod('on-ext-stop', 1)).expect(201);
    expect(placed.node_name).toBe('ext-stop');
    const { body: stopped } = await t.http.post('/nodes/ext-stop/stop').send({}).expect(200);
    expect(stopped.health_status).toBe('stopped');
    expect(stopped.cpu_cores_allocated).toBe(0);
    // the only node: the pod waits for another
    const { body: moved } = await t.http.get('/pods/on-ext-stop').expect(200);
    expect(moved).toMatchObject({ status: 'pending', node_name: null });
    await t.http.delete('/pods/on-ext-stop').expect(200);
    const answer = await beat(t, node.id, node.token);
    expect(answer.body.terminate).toBe(true);
    expect((await t.http.get('/nodes/ext-stop')).body.health_status).toBe('stopped');
  });

  it('POST /nodes/:id/token gives a new token, the old one stops working, a stopped node comes back', async () => {
    const old = await healthyNode(t, 'ext-take', 2, { agent: 'external' });
    await t.http.post('/nodes/ext-take/stop').send({}).expect(200);

    const { body: taken } = await t.http.post('/nodes/ext-take/token').send({}).expect(200);
    expect(taken).toMatchObject({ id: old.id, name: 'ext-take', health_status: 'pending' });
    expect(taken.heartbeat_token).toMatch(/\S{20,}/);
    expect(taken.heartbeat_token).not.toBe(old.token);

    await t.http
      .post(`/nodes/${old.id}/heartbeat`)
      .set('Authorization', `Bearer ${old.token}`)
      .send({ pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS })
      .expect(401);
    const answer = await beat(t, old.id, taken.heartbeat_token);
    expect(answer.body.terminate).toBe(false);
    expect((await t.http.get('/nodes/ext-take')).body.health_status).toBe('healthy');
    const reasons = (await t.http.get('/events?object=node/ext-take')).body.map(
      (e: { reason: string }) => e.reason,
    );
    expect(reasons).toContain('NodeTokenIssued');
  });

  it('refuses a token for an unknown node (404)', async () => {
    await t.http.post('/nodes/nobody-here/token').send({}).expect(404);
  });

  it('refuses a token for a node whose agent kubesim launches (409), changing nothing', async () => {
    const p = await startProcessCluster();
    try {
      const { body: node } = await p.http
        .post('/nodes')
        .send({ name: 'managed-1', cpu_cores: 1 })
        .expect(201);
      await waitForNode(p, 'managed-1', 'healthy');
      const [{ token_hash: before }] = await p.sql<{ token_hash: string }>(
        'SELECT token_hash FROM nodes WHERE id = $1',
        [node.id],
      );
      const res = await p.http.post('/nodes/managed-1/token').send({}).expect(409);
      expect(res.body.message).toMatch(/restart it instead/);
      const [{ token_hash: after }] = await p.sql<{ token_hash: string }>(
        'SELECT token_hash FROM nodes WHERE id = $1',
        [node.id],
      );
      expect(after).toBe(before);
    } finally {
      await p.close();
    }
  });
});
