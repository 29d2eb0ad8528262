import { SseMessage } from '../cli/sse';
import { openStream } from './setup/event-stream';
import {
  beat,
  createTestDatabase,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
} from './setup/test-app';

const parsed = (messages: SseMessage[], event: string) =>
  messages.filter((m) => m.event === event).map((m) => JSON.parse(m.data));

/**
 * Two API servers on one PostgreSQL, as behind a load balancer: what either keeps in memory
 * (live streams, routine heartbeats, tokens, usage, assignment watches) follows what the
 * other does, through the database.
 */
describe('two API replicas on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    a = await startTestApp({ RUNTIME: 'external' }, { databaseUrl });
    b = await startTestApp({ RUNTIME: 'external' }, { databaseUrl });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("an event recorded through either replica is on both replicas' live streams", async () => {
    const streamA = await openStream(a);
    const streamB = await openStream(b);
    try {
      await healthyNode(a, 'ev-node', 4);
      await b.http.post('/pods').send(pod('ev-pod', 0.5)).expect(201);
      for (const stream of [streamA, streamB]) {
        await waitFor('the node event', async () =>
          parsed(stream.messages, 'event').some((e) => e.object === 'node/ev-node'),
        );
        await waitFor('the pod event', async () =>
          parsed(stream.messages, 'event').some((e) => e.object === 'pod/ev-pod'),
        );
      }
      // each once, with the id it is stored under
      const [stored] = (await a.http.get('/events?object=pod/ev-pod&limit=1')).body;
      const onA = parsed(streamA.messages, 'event').filter((e) => e.id === stored.id);
      expect(onA).toEqual([stored]);
    } finally {
      streamA.close();
      streamB.close();
    }
  });

  it("a node's beats through one replica show on the other: stream, samples and usage", async () => {
    const node = await healthyNode(a, 'beat-node', 4);
    const streamA = await openStream(a);
    try {
      await waitFor('the beat through b on the stream of a', async () => {
        await beat(b, node.id, node.token, { cpu_usage: 1.5, memory_usage: 300 });
        return parsed(streamA.messages, 'heartbeat').some(
          (h) => h.node_name === 'beat-node' && h.cpu_usage === 1.5,
        );
      });
      const usage = (await a.http.get('/nodes/beat-node/usage').expect(200)).body;
      expect(usage.samples.at(-1)).toMatchObject({ cpu: 1.5, memory: 300 });
      const samples = (await a.http.get('/nodes/beat-node/heartbeats').expect(200)).body;
      expect(JSON.stringify(samples)).toContain('1.5');
    } finally {
      streamA.close();
    }
  });

  it('a pod bound through one replica reaches an agent that beats and watches on the other', async () => {
    const node = await healthyNode(a, 'deliver-node', 4);
    // routine beats through a: a answers them from memory
    let answer = (await beat(a, node.id, node.token)).body;
    answer = (await beat(a, node.id, node.token, { pods_version: answer.pods_version })).body;
    const version = answer.pods_version;
    const watching = a.http
      .post(`/nodes/${node.id}/watch`)
      .set('Authorization', `Bearer ${node.token}`)
      .send({ pods_version: version, pod_ids: [], timeout_ms: 20_000 })
      // sent now, not when awaited
      .then((res) => res);
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const created = (
      await b.http
        .post('/pods')
        .send(
          pod('delivered', 0.5, { node_selector: { 'kubernetes.io/hostname': 'deliver-node' } }),
        )
        .expect(201)
    ).body;
    expect(created.node_name).toBe('deliver-node');
    const res = await watching;
    expect(res.status).toBe(200);
    const woken = res.body;
    // woken by the binding, not by the watch's timeout
    expect(woken.changed).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(woken.pods.map((p: { name: string }) => p.name)).toEqual(['delivered']);
    // and the next routine beat through a carries it too
    const next = (await beat(a, node.id, node.token, { pods_version: version, pod_ids: [] })).body;
    expect(next.pods_version).toBeGreaterThan(version);
    expect(next.pods.map((p: { name: string }) => p.name)).toEqual(['delivered']);
  });

  it('GET /pods on one replica shows at once what the other changed', async () => {
    const node = await healthyNode(a, 'list-node', 4);
    const made = (
      await b.http
        .post('/pods')
        .send(pod('listed', 0.5, { node_selector: { 'kubernetes.io/hostname': 'list-node' } }))
        .expect(201)
    ).body;
    const listed = async () =>
      ((await a.http.get('/pods?node=list-node').expect(200)).body as Array<{ id: number }>).find(
        (p) => p.id === made.id,
      );
    // a keeps what it answered
    expect(await listed()).toEqual((await a.http.get('/pods/listed').expect(200)).body);
    expect(await listed()).toEqual((await a.http.get('/pods/listed').expect(200)).body);
    // its containers' statuses, written through b
    await beat(b, node.id, node.token, {
      pod_ids: [made.id],
      pods: [
        {
          id: made.id,
          status: 'running',
          containers: [{ name: 'main', status: 'running', restart_count: 2 }],
        },
      ],
    });
    const running = await waitFor('the pod running', async () => {
      const one = (await a.http.get('/pods/listed').expect(200)).body;
      return one.containers[0].restart_count === 2 ? one : null;
    });
    expect(await listed()).toEqual(running);
    // the pod's own row, changed through b
    const restarted = (await b.http.post('/pods/listed/restart').expect(200)).body;
    expect(restarted.restart_count).toBe(running.restart_count + 1);
    expect(await listed()).toEqual((await a.http.get('/pods/listed').expect(200)).body);
    expect((await listed())!).toMatchObject({ restart_count: restarted.restart_count });
    await b.http.delete('/pods/listed').expect(200);
    expect(await listed()).toBeUndefined();
  });

  it('a heartbeat token replaced through one replica stops working on the other', async () => {
    await a.http.post('/nodes').send({ name: 'token-node', cpu_cores: 2 }).expect(201);
    const first = (await a.http.post('/nodes/token-node/token').expect(200)).body;
    // b reads the token once, then checks it from memory
    await beat(b, first.id, first.heartbeat_token);
    await beat(b, first.id, first.heartbeat_token);
    const second = (await a.http.post('/nodes/token-node/token').expect(200)).body;
    await waitFor(
      'the old token refused by b',
      async () => {
        const res = await b.http
          .post(`/nodes/${first.id}/heartbeat`)
          .set('Authorization', `Bearer ${first.heartbeat_token}`)
          .send({ pod_ids: [], health_status: 'healthy' });
        return res.status === 401;
      },
      5000,
    );
    await beat(b, second.id, second.heartbeat_token);
  });

  it('a node deleted through one replica is gone for beats on the other', async () => {
    const node = await healthyNode(a, 'deleted-node', 2);
    await beat(b, node.id, node.token);
    await a.http.delete('/nodes/deleted-node').expect(200);
    const status = await waitFor(
      'the beat of the deleted node refused by b',
      async () => {
        const res = await b.http
          .post(`/nodes/${node.id}/heartbeat`)
          .set('Authorization', `Bearer ${node.token}`)
          .send({ pod_ids: [], health_status: 'healthy' });
        return res.status !== 200 && res.status;
      },
      5000,
    );
    expect([401, 404]).toContain(status);
  });
});
