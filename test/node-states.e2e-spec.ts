import {
  FAST,
  eventsOf,
  nodeStatus,
  startProcessCluster,
  waitForNode,
  waitForPod,
} from './setup/cluster';
import { beat, healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';

/** The agent process of a node (process runtime). */
const pidOf = (t: TestApp, name: string) =>
  t
    .sql<{ runtime_ref: string }>('SELECT runtime_ref FROM nodes WHERE name = $1', [name])
    .then(([r]) => Number(r.runtime_ref.replace('pid:', '')));

const reasonsOf = async (t: TestApp, object: string) =>
  (await eventsOf(t, object)).map((e) => e.reason);

const containersOf = async (t: TestApp, name: string) =>
  (await t.http.get(`/pods/${name}`).expect(200)).body.containers.map(
    (c: { status: string }) => c.status,
  );

/** Only `name` takes new pods while `work` runs. */
async function onlyOn<T>(t: TestApp, name: string, work: () => Promise<T>): Promise<T> {
  const others = (await t.http.get('/nodes').expect(200)).body
    .map((n: { name: string }) => n.name)
    .filter((n: string) => n !== name);
  for (const other of others) await t.http.post(`/nodes/${other}/cordon`).expect(200);
  try {
    return await work();
  } finally {
    for (const other of others) await t.http.post(`/nodes/${other}/uncordon`).expect(200);
  }
}

describe('node states with agents the test plays (external runtime)', () => {
  let t: TestApp;
  const beaters: NodeJS.Timeout[] = [];
  beforeAll(async () => {
    t = await startTestApp({ ...FAST, RUNTIME: 'external' });
  });
  afterAll(async () => {
    beaters.forEach(clearInterval);
    await t.close();
  });

  it('a heartbeat with only pod_ids makes those pods running at once, containers too', async () => {
    const n = await healthyNode(t, 'seed-wire', 2);
    const { body: created } = await t.http.post('/pods').send(pod('seeded', 0.5)).expect(201);
    expect(created.node_name).toBe('seed-wire');
    // the seed systems' agents report the pods they run, without per-pod statuses
    await beat(t, n.id, n.token, { pod_ids: [created.id] });
    const { body: seen } = await t.http.get(`/pods/${created.id}`).expect(200);
    expect(seen.status).toBe('running');
    expect(seen.started_at).not.toBeNull();
    expect(seen.containers.map((c: { status: string }) => c.status)).toEqual(['running']);
    expect(await reasonsOf(t, 'pod/seeded')).toContain('Started');
    await t.http.delete('/nodes/seed-wire').expect(200);
  });

  it('a silent node is not_ready at once: no new pods, unknown components, no CPU use; healthy on its next beat, failed at the timeout', async () => {
    const keeper = await healthyNode(t, 'keeper', 8);
    beaters.push(
      setInterval(() => void beat(t, keeper.id, keeper.token).catch(() => undefined), 200),
    );
    // best-fit prefers the small node: while it is ready, it takes the pod
    const quiet = await healthyNode(t, 'quiet', 1);
    await beat(t, quiet.id, quiet.token, { cpu_usage: 0.4 });
    // (a routine beat is written with the others at the next tick)
    await waitFor(
      'its reported use',
      async () => (await t.http.get('/nodes/quiet')).body.cpu_cores_used === 0.4,
    );

    await waitForNode(t, 'quiet', 'not_ready', 5000);
    expect(await reasonsOf(t, 'node/quiet')).toContain('NodeNotReady');
    const { body: node } = await t.http.get('/nodes/quiet').expect(200);
    expect(node.components).toEqual({
      kubelet: 'unknown',
      container_runtime: 'unknown',
      kube_proxy: 'unknown',
      node_agent: 'unknown',
    });
    expect(node.cpu_cores_used).toBe(0);
    const { body: health } = await t.http.get('/nodes/health').expect(200);
    const quietHealth = health.find((h: { name: string }) => h.name === 'quiet');
    expect(quietHealth.health_status).toBe('not_ready');
    expect(quietHealth.components.kubelet).toBe('unknown');
    const { body: listed } = await t.http.get('/nodes?status=not_ready').expect(200);
    expect(listed.map((n: { name: string }) => n.name)).toEqual(['quiet']);
    expect((await t.http.get('/metrics')).text).toMatch(/kubesim_nodes\{status="not_ready"\} 1/);

    // a new pod goes to the ready node, not the silent one
    const { body: placed } = await t.http.post('/pods').send(pod('avoids-quiet', 0.5)).expect(201);
    expect(placed.node_name).toBe('keeper');

    // one heartbeat: healthy again, and it takes pods again
    await beat(t, quiet.id, quiet.token);
    expect(await nodeStatus(t, 'quiet')).toBe('healthy');
    const ready = (await eventsOf(t, 'node/quiet')).find((e) => e.reason === 'NodeReady');
    expect(ready?.message).toMatch(/ready again/);
    const { body: back } = await t.http.post('/pods').send(pod('on-quiet', 0.5)).expect(201);
    expect(back.node_name).toBe('quiet');

    // silent again: not ready, then failed at the timeout, its pod moved
    await waitForNode(t, 'quiet', 'not_ready', 5000);
    await waitForNode(t, 'quiet', 'failed', 10000);
    await waitForPod(t, 'on-quiet', (p) => p.node_name === 'keeper', 'moved to keeper');
    const { body: failed } = await t.http.get('/nodes/quiet').expect(200);
    expect(failed.components.kubelet).toBe('unknown');
    expect(failed.cpu_cores_used).toBe(0);
  });
});

describe('node states with real agents (process runtime)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // beats a second apart: a moved pod's first report is already "running" (its containers
    // start within 50 ms), as it is with the default timings
    t = await startProcessCluster({
      HEARTBEAT_INTERVAL_MS: '1000',
      NODE_NOT_READY_AFTER_MS: '2500',
      NODE_FAILURE_TIMEOUT_MS: '4000',
      RECOVERY_BACKOFF_MS: '300',
    });
  });
  afterAll(() => t.close());

  it('containers of a rescheduled pod follow what their new node reports', async () => {
    for (const name of ['first', 'second']) {
      await t.http.post('/nodes').send({ name, cpu_cores: 2 }).expect(201);
      await waitForNode(t, name, 'healthy');
    }
    await onlyOn(t, 'first', () => t.http.post('/pods').send(pod('traveller', 0.5)).expect(201));
    await waitFor('traveller running on first', async () => {
      const { body } = await t.http.get('/pods/traveller');
      return body.status === 'running' && body.containers[0].status === 'running';
    });
    // the agent dies (the runtime sees it): the pod moves to second
    process.kill(await pidOf(t, 'first'), 'SIGKILL');
    await waitForPod(
      t,
      'traveller',
      (p) => p.node_name === 'second' && p.status === 'running',
      'running on second',
    );
    await waitFor('its containers running on second', async () => {
      const statuses = await containersOf(t, 'traveller');
      return statuses.length === 1 && statuses[0] === 'running';
    });
    const { body: health } = await t.http.get('/pods/traveller/health').expect(200);
    expect(health.containers).toEqual([{ name: 'main', status: 'running', restart_count: 0 }]);
    await waitForNode(t, 'first', 'healthy');
  });

  it('when every node goes silent at once: not_ready, then failed, but no eviction or restart until one beats again', async () => {
    const names = ['first', 'second'];
    const { body: before } = await t.http.get('/pods/traveller').expect(200);
    const evictions = async () =>
      (await reasonsOf(t, 'pod/traveller')).filter((r) => r === 'PodEvicted').length;
    const evictedBefore = await evictions();
    const restarts = async (name: string) =>
      (await reasonsOf(t, `node/${name}`)).filter((r) => r === 'NodeRestarting').length;
    const restartsBefore = await Promise.all(names.map(restarts));
    const pids = await Promise.all(names.map((n) => pidOf(t, n)));
    // the agents freeze without kubesim knowing why (no injected failure, no exit)
    for (const p of pids) process.kill(p, 'SIGSTOP');
    try {
      for (const name of names) await waitForNode(t, name, 'not_ready', 10000);
      const { body: cluster } = await t.http.get('/cluster').expect(200);
      expect(cluster.disruption).toMatchObject({
        active: true,
        reason: 'all 2 nodes stopped sending heartbeats at once',
      });
      expect(Date.parse(cluster.disruption.since)).toBeLessThanOrEqual(Date.now());
      for (const name of names) await waitForNode(t, name, 'failed', 10000);
      // several ticks past the restart backoff: still no eviction, no restart
      await new Promise((r) => setTimeout(r, 1500));
      const { body: still } = await t.http.get('/pods/traveller').expect(200);
      expect(still.node_name).toBe(before.node_name);
      for (const name of names) {
        const reasons = await reasonsOf(t, `node/${name}`);
        expect(reasons.slice(0, 2)).toEqual(['NodeFailed', 'NodeNotReady']);
        expect(await restarts(name)).toBe(restartsBefore[names.indexOf(name)]);
        const { body: node } = await t.http.get(`/nodes/${name}`).expect(200);
        expect(node.cpu_cores_used).toBe(0);
        expect(node.components.kubelet).toBe('unknown');
      }
      expect(await evictions()).toBe(evictedBefore);
      expect(await reasonsOf(t, 'cluster/kubesim')).toContain('ClusterDisrupted');

      // the node without the pod answers again: the pause ends, and the other one is handled
      const home = before.node_name as string;
      const other = names.find((n) => n !== home)!;
      process.kill(pids[names.indexOf(other)], 'SIGCONT');
      await waitForNode(t, other, 'healthy', 10000);
      await waitFor(
        'the disruption to end',
        async () => !(await t.http.get('/cluster')).body.disruption.active,
      );
      expect(await reasonsOf(t, 'cluster/kubesim')).toContain('ClusterDisruptionEnded');
      await waitForPod(
        t,
        'traveller',
        (p) => p.node_name === other && p.status === 'running',
        `moved to ${other}`,
      );
      await waitFor(`${home} restarted`, async () =>
        (await reasonsOf(t, `node/${home}`)).includes('NodeRestarting'),
      );
      await waitForNode(t, home, 'healthy', 15000);
    } finally {
      for (const p of pids) {
        try {
          process.kill(p, 'SIGCONT');
        } catch {
          // restarted meanwhile
        }
      }
    }
  });

  it('failures kubesim injected are handled even when every node has one', async () => {
    for (const name of ['first', 'second']) await waitForNode(t, name, 'healthy');
    await onlyOn(t, 'first', () => t.http.post('/pods').send(pod('bystander', 0.5)).expect(201));
    for (const name of ['first', 'second'])
      await t.http.post(`/nodes/${name}/simulate/failure`).send({ mode: 'hang' }).expect(200);
    for (const name of ['first', 'second']) await waitForNode(t, name, 'failed', 10000);
    // evicted (not left on a dead node) though nowhere is ready, and both restarted
    await waitFor('bystander evicted from first', async () =>
      (await eventsOf(t, 'pod/bystander')).some(
        (e) => e.reason === 'PodEvicted' && /^Evicted from first/.test(e.message),
      ),
    );
    for (const name of ['first', 'second']) await waitForNode(t, name, 'healthy', 20000);
    await waitForPod(t, 'bystander', (p) => p.status === 'running', 'running again');
    const since = (await eventsOf(t, 'cluster/kubesim')).filter(
      (e) => e.reason === 'ClusterDisrupted',
    );
    // only the one of the test before
    expect(since).toHaveLength(1);
  });

  it('a pod on two nodes just before each failed is marked failed, not moved to a third', async () => {
    for (const name of ['traveller', 'bystander']) await t.http.delete(`/pods/${name}`).expect(200);
    await t.http.post('/nodes').send({ name: 'third', cpu_cores: 2 }).expect(201);
    for (const name of ['first', 'second', 'third']) await waitForNode(t, name, 'healthy');
    await t.http.post('/nodes/third/cordon').expect(200);
    const { body: poison } = await onlyOn(t, 'first', () =>
      t.http.post('/pods').send(pod('poison', 0.5)).expect(201),
    );
    await t.http.post('/nodes/first/cordon').expect(200);
    await waitForPod(t, 'poison', (p) => p.status === 'running', 'running on first');

    // its first node freezes (kubesim sees only the silence); it moves to second (the only one
    // open), and another pod lands there too
    process.kill(await pidOf(t, 'first'), 'SIGSTOP');
    await waitForPod(
      t,
      'poison',
      (p) => p.node_name === 'second' && p.status === 'running',
      'running on second',
    );
    await t.http.post('/pods').send(pod('innocent', 0.5)).expect(201);
    await waitForPod(
      t,
      'innocent',
      (p) => p.node_name === 'second' && p.status === 'running',
      'running on second',
    );
    await t.http.post('/nodes/third/uncordon').expect(200);

    // the second node falls silent with it: it is the likely cause, so it goes nowhere
    process.kill(await pidOf(t, 'second'), 'SIGSTOP');
    const failed = await waitForPod(t, 'poison', (p) => p.status === 'failed', 'failed');
    expect(failed.node_name).toBeNull();
    expect(failed.reason).toMatch(
      /^PodCausedNodeFailures: nodes first and second failed within [\d.]+ s while it was on each/,
    );
    const events = await eventsOf(t, 'pod/poison');
    expect(events[0].reason).toBe('PodCausedNodeFailures');
    // the other pod of the second node moves on as usual
    await waitForPod(
      t,
      'innocent',
      (p) => p.node_name === 'third' && p.status === 'running',
      'moved to third',
    );
    // and the failed pod stays put, holding no node's CPU
    await t.http.post('/nodes/first/uncordon').expect(200);
    await waitForNode(t, 'second', 'healthy', 15000);
    const { body: after } = await t.http.get(`/pods/${poison.id}`).expect(200);
    expect(after).toMatchObject({ status: 'failed', node_name: null });
    const [alloc] = await t.sql<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM nodes n WHERE cpu_allocated_m <> (SELECT COALESCE(sum(cpu_req_m),0) FROM pods WHERE node_id = n.id)`,
    );
    expect(alloc.bad).toBe(0);
  });

  it("the API's own event loop standing still fails no node that beat meanwhile; one silent through it fails after", async () => {
    const names = ['first', 'second', 'third'];
    for (const name of names) await waitForNode(t, name, 'healthy', 15000);
    // the events of an object since now (they come newest first)
    const objects = [...names.map((n) => `node/${n}`), 'cluster/kubesim'];
    const before = new Map<string, number>();
    for (const o of objects) before.set(o, (await reasonsOf(t, o)).length);
    const since = async (o: string) => {
      const all = await reasonsOf(t, o);
      return all.slice(0, all.length - before.get(o)!);
    };
    process.kill(await pidOf(t, 'third'), 'SIGSTOP');
    try {
      // this process is the API's: 5 s of work that never yields, more than the 4 s timeout;
      // the other agents beat meanwhile, their beats wait unread
      const until = Date.now() + 5000;
      while (Date.now() < until);
      await waitForNode(t, 'third', 'failed', 15000);
      for (const name of ['first', 'second']) {
        expect(await nodeStatus(t, name)).toBe('healthy');
        expect(await since(`node/${name}`)).toEqual([]);
      }
      expect(await since('node/third')).toEqual(expect.arrayContaining(['NodeFailed']));
      expect(await since('cluster/kubesim')).not.toContain('ClusterDisrupted');
    } finally {
      process.kill(await pidOf(t, 'third'), 'SIGCONT');
    }
    await waitForNode(t, 'third', 'healthy', 15000);
  });
});
