import { HealthMonitorService } from '../src/health-monitor/health-monitor.service';
import { FAST, eventsOf, waitForNode, waitForPod } from './setup/cluster';
import {
  beat,
  createTestDatabase,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
} from './setup/test-app';

/** Agents played by the test (external runtime): the test decides who goes silent. */
describe('health monitor with external agents', () => {
  it('with two API replicas on one database, a failure is handled exactly once, and the other takes over', async () => {
    const databaseUrl = await createTestDatabase();
    const env = { ...FAST, RUNTIME: 'external' };
    const a = await startTestApp(env, { databaseUrl });
    const b = await startTestApp(env, { databaseUrl });
    let aClosed = false;
    const beaters: NodeJS.Timeout[] = [];
    try {
      const keep = await healthyNode(a, 'keeper', 8);
      const spare = await healthyNode(b, 'spare', 8);
      const gone = await healthyNode(a, 'goner', 8);
      // keeper and spare beat on, through either replica; goner falls silent
      beaters.push(
        setInterval(() => void beat(a, keep.id, keep.token).catch(() => undefined), 200),
      );
      beaters.push(
        setInterval(() => void beat(b, spare.id, spare.token).catch(() => undefined), 200),
      );
      await a.http.post('/nodes/keeper/cordon').expect(200);
      await a.http.post('/nodes/spare/cordon').expect(200);
      for (let i = 0; i < 4; i++) {
        const res = await (i % 2 ? a : b).http
          .post('/pods')
          .send(pod(`w-${i}`, 1))
          .expect(201);
        expect(res.body.node_name).toBe('goner');
      }
      await a.http.post('/nodes/keeper/uncordon').expect(200);
      await a.http.post('/nodes/spare/uncordon').expect(200);
      void gone;

      await waitForNode(a, 'goner', 'failed', 15000);
      for (let i = 0; i < 4; i++) {
        await waitForPod(
          a,
          `w-${i}`,
          (p) => p.node_name === 'keeper' || p.node_name === 'spare',
          'moved',
        );
      }
      // both replicas look again, lock or not: neither fails goner or evicts a second time
      await Promise.all([a, b].map((r) => r.app.get(HealthMonitorService).runOnce(new Date())));
      const events = await eventsOf(a, 'node/goner');
      expect(events.filter((e) => e.reason === 'NodeFailed')).toHaveLength(1);
      const evictions = await a.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE reason = 'PodEvicted'`,
      );
      expect(evictions[0].n).toBe(4);
      const [alloc] = await a.sql<{ bad: number }>(
        `SELECT count(*)::int AS bad FROM nodes n WHERE cpu_allocated_m <> (SELECT COALESCE(sum(cpu_req_m),0) FROM pods WHERE node_id = n.id)`,
      );
      expect(alloc.bad).toBe(0);

      // whoever held the lock goes away; the survivor must now notice a silent node
      await a.close();
      aClosed = true;
      clearInterval(beaters[0]);
      beaters.push(
        setInterval(() => void beat(b, keep.id, keep.token).catch(() => undefined), 200),
      );
      const late = await healthyNode(b, 'late', 2);
      void late;
      await waitForNode(b, 'late', 'failed', 20000);
    } finally {
      beaters.forEach(clearInterval);
      if (!aClosed) await a.close();
      await b.close();
    }
  });

  it('recovers a failed node when its heartbeats resume, and pending pods run when a node is added', async () => {
    const t: TestApp = await startTestApp({ ...FAST, RUNTIME: 'external' });
    const beaters: NodeJS.Timeout[] = [];
    try {
      const one = await healthyNode(t, 'one', 1);
      const two = await healthyNode(t, 'two', 1);
      beaters.push(setInterval(() => void beat(t, two.id, two.token).catch(() => undefined), 200));
      await t.http.post('/nodes/two/cordon').expect(200);
      await t.http.post('/pods').send(pod('solo', 1)).expect(201);
      await t.http.post('/nodes/two/uncordon').expect(200);
      await t.http.post('/pods').send(pod('filler', 1)).expect(201); // fills two
      await waitForNode(t, 'one', 'failed', 15000);
      // two is full: the evicted pod waits with a reason
      const waiting = await waitForPod(t, 'solo', (p) => p.status === 'pending', 'pending');
      expect(waiting.reason).toMatch(/^0\/2 nodes are available: /);
      // one speaks again: healthy, attempts reset, and the pod lands there
      await beat(t, one.id, one.token);
      expect((await t.http.get('/nodes/one')).body.health_status).toBe('healthy');
      beaters.push(setInterval(() => void beat(t, one.id, one.token).catch(() => undefined), 200));
      await waitForPod(t, 'solo', (p) => p.node_name === 'one', 'bound to one again');
      const reasons = (await eventsOf(t, 'node/one')).map((e) => e.reason);
      expect(reasons).toEqual(
        expect.arrayContaining(['NodeNotReady', 'NodeFailed', 'NodeRecovered']),
      );
      const { body: health } = await t.http.get('/nodes/health');
      expect(health.find((h: { name: string }) => h.name === 'one').recovery_attempts).toBe(0);
      const metrics = (await t.http.get('/metrics')).text;
      expect(metrics).toMatch(/kubesim_node_failures_detected_total \d/);
      expect(metrics).toMatch(/kubesim_failure_detection_delay_seconds_count [1-9]/);
      // one beats on: a monitor pass now has nothing more to say about it
      const said = (await eventsOf(t, 'node/one')).length;
      await t.app.get(HealthMonitorService).runOnce(new Date());
      expect((await eventsOf(t, 'node/one')).length).toBe(said);
      expect((await t.http.get('/nodes/one')).body.health_status).toBe('healthy');
    } finally {
      beaters.forEach(clearInterval);
      await t.close();
    }
  });

  it('tells a permanently failed or stopped node to terminate, with no pods', async () => {
    const t = await startTestApp();
    try {
      const n = await healthyNode(t, 'late-beater', 1);
      await beat(t, n.id, n.token); // a routine beat, answered from memory
      // another replica gives up on the node: this one learns it when its buffered beats are written
      await t.sql(`UPDATE nodes SET health_status = 'permanently_failed' WHERE id = $1`, [n.id]);
      const res = await waitFor('the node to be told to terminate', async () => {
        const answer = await beat(t, n.id, n.token);
        return answer.body.terminate ? answer : null;
      });
      expect(res.body).toMatchObject({
        terminate: true,
        pods: [],
        health_status: 'permanently_failed',
      });
    } finally {
      await t.close();
    }
  });
});
