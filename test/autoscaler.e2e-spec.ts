import { AutoscalerService } from '../src/autoscaler/autoscaler.service';
import { eventsOf, startProcessCluster, waitForNode } from './setup/cluster';
import { pod, TestApp, waitFor } from './setup/test-app';

interface PodBody {
  name: string;
  status: string;
  node_name: string | null;
}

const listPods = async (t: TestApp): Promise<PodBody[]> =>
  (await t.http.get('/pods?limit=1000').expect(200)).body;
const nodeNames = async (t: TestApp): Promise<string[]> =>
  ((await t.http.get('/nodes?limit=1000').expect(200)).body as Array<{ name: string }>).map(
    (n) => n.name,
  );

/** Real agents as child processes; the autoscaler's loop runs with short timings. */
describe('cluster autoscaler with real agents', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startProcessCluster({
      KUBESIM_AUTOSCALER: 'on',
      KUBESIM_AUTOSCALER_MIN_NODES: '1',
      KUBESIM_AUTOSCALER_MAX_NODES: '4',
      KUBESIM_AUTOSCALER_NODE_CPU_CORES: '4',
      KUBESIM_AUTOSCALER_SCALE_DOWN_IDLE_S: '1',
    });
  });
  afterAll(() => t.close());

  it('takes its settings from the environment, refuses bad ones and changes nothing then', async () => {
    const { body } = await t.http.get('/autoscaler').expect(200);
    expect(body).toMatchObject({
      enabled: true,
      min_nodes: 1,
      max_nodes: 4,
      node_cpu_cores: 4,
      node_memory_mb: null,
      scale_down_idle_s: 1,
      autoscaled_nodes: [],
    });
    const bad = await t.http.put('/autoscaler').send({ min_nodes: 5 }).expect(400);
    expect(bad.body.message).toMatch(/min_nodes \(5\) must not exceed max_nodes \(4\)/);
    await t.http.put('/autoscaler').send({ max_nodes: 0 }).expect(400);
    await t.http.put('/autoscaler').send({ node_cpu_cores: 'four' }).expect(400);
    await t.http.put('/autoscaler').send({ enabled: true, nodes: 3 }).expect(400);
    expect((await t.http.get('/autoscaler').expect(200)).body).toEqual(body);
  });

  it('ten one-core pods on one four-core node end up running on 3-4 nodes; once they go, the added nodes go', async () => {
    await t.http.post('/nodes').send({ name: 'base', cpu_cores: 4 }).expect(201);
    await waitForNode(t, 'base', 'healthy');
    for (let i = 0; i < 10; i++) {
      await t.http
        .post('/pods')
        .send(pod(`load-${i}`, 1))
        .expect(201);
    }
    const running = await waitFor(
      'all ten pods running',
      async () => {
        const pods = await listPods(t);
        return pods.length === 10 && pods.every((p) => p.status === 'running') ? pods : null;
      },
      60000,
      250,
    );
    const used = new Set(running.map((p) => p.node_name));
    expect(used.size).toBeGreaterThanOrEqual(3);
    expect(used.size).toBeLessThanOrEqual(4);
    const names = await nodeNames(t);
    expect(names.length).toBeLessThanOrEqual(4);
    const added = names.filter((n) => n !== 'base');
    expect(added.length).toBeGreaterThanOrEqual(2);
    for (const name of added) {
      expect(name).toMatch(/^autoscaled-/);
      const { body: node } = await t.http.get(`/nodes/${name}`).expect(200);
      expect(node.labels).toEqual({ 'kubesim.io/autoscaled': 'true' });
      expect(node.runtime).toBe('process');
    }
    expect((await t.http.get('/autoscaler').expect(200)).body.autoscaled_nodes.sort()).toEqual(
      added.sort(),
    );
    const scaleUps = (await eventsOf(t, 'cluster/kubesim')).filter((e) => e.reason === 'ScaleUp');
    expect(scaleUps.length).toBeGreaterThanOrEqual(1);
    expect(scaleUps.map((e) => e.message).join('\n')).toMatch(
      /ScaleUp: \d+ pods? pending, adding \d+ nodes? of 4 cores/,
    );
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/kubesim_autoscaler_decisions_total\{decision="scale_up"\} [1-9]/);
    expect(metrics).toMatch(/kubesim_autoscaler_nodes_total\{direction="added"\} [2-3]/);

    for (let i = 0; i < 10; i++) await t.http.delete(`/pods/load-${i}`).expect(200);
    await waitFor(
      'the added nodes removed',
      async () => {
        const left = await nodeNames(t);
        return left.length === 1 && left[0] === 'base';
      },
      60000,
      250,
    );
    expect((await t.http.get('/nodes/base').expect(200)).body.health_status).toBe('healthy');
    for (const name of added) {
      const down = (await eventsOf(t, `node/${name}`)).filter((e) => e.reason === 'ScaleDown');
      expect(down).toHaveLength(1);
      expect(down[0].message).toMatch(new RegExp(`ScaleDown: node ${name} under-used`));
    }
    expect((await t.http.get('/metrics').expect(200)).text).toMatch(
      /kubesim_autoscaler_nodes_total\{direction="removed"\} [2-3]/,
    );
  });

  it('a pod bigger than a new node is explained, never scaled for', async () => {
    await t.http.post('/pods').send(pod('huge', 6)).expect(201);
    const [why] = await waitFor('the explanation', async () => {
      const e = (await eventsOf(t, 'pod/huge')).filter((x) => x.reason === 'NotTriggerScaleUp');
      return e.length ? e : null;
    });
    expect(why.message).toMatch(/requests 6 cores, more than a new node \(4 cores\) has/);
    // the explanation comes from the very decision that would have added a node
    expect(await nodeNames(t)).toEqual(['base']);
    await t.http.delete('/pods/huge').expect(200);
  });

  it('never removes an added node with a pod that has nowhere else to go (the loop driven by its own clock)', async () => {
    // long idle time: only the calls below, an hour ahead each, see the node as idle long enough
    await t.http.put('/autoscaler').send({ scale_down_idle_s: 600 }).expect(200);
    const autoscaler = t.app.get(AutoscalerService);
    for (let i = 0; i < 4; i++) {
      await t.http
        .post('/pods')
        .send(pod(`fill-${i}`, 1))
        .expect(201);
    }
    await t.http.post('/pods').send(pod('big', 1.5)).expect(201);
    const big = await waitFor(
      'big running on an added node',
      async () => {
        const { body } = await t.http.get('/pods/big').expect(200);
        return body.status === 'running' && body.node_name?.startsWith('autoscaled-') ? body : null;
      },
      60000,
      250,
    );
    const hour = 3600_000;
    // base is full: big (1.5 of 4 cores, under-used) has nowhere else to go
    for (const ahead of [1, 2]) {
      const actions = await autoscaler.runOnce(new Date(Date.now() + ahead * hour));
      expect(actions.filter((a) => a.kind === 'scale-down')).toEqual([]);
    }
    expect(await nodeNames(t)).toContain(big.node_name);
    // with 1 core free on base it still does not fit; with 2 it does
    await t.http.delete('/pods/fill-0').expect(200);
    expect(
      (await autoscaler.runOnce(new Date(Date.now() + 3 * hour))).filter(
        (a) => a.kind === 'scale-down',
      ),
    ).toEqual([]);
    await t.http.delete('/pods/fill-1').expect(200);
    const actions = await autoscaler.runOnce(new Date(Date.now() + 4 * hour));
    expect(actions.filter((a) => a.kind === 'scale-down')).toEqual([
      expect.objectContaining({ node: big.node_name }),
    ]);
    expect(await nodeNames(t)).toEqual(['base']);
    await waitFor('big running on base', async () => {
      const { body } = await t.http.get('/pods/big').expect(200);
      return body.status === 'running' && body.node_name === 'base';
    });
  });
});
