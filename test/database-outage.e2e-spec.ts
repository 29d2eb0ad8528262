import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../src/database/migrate';
import { PostgresProcess } from './setup/postgres-process';
import { healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';

/** Its own PostgreSQL, so stopping it disturbs no other suite. */
describe('database outage', () => {
  let dir: string;
  let db: PostgresProcess;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubesim-outage-'));
    chmodSync(dir, 0o755);
    db = new PostgresProcess(join(dir, 'data'));
    const url = await db.start();
    await runMigrations(url);
    t = await startTestApp({}, { databaseUrl: url });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 promptly while PostgreSQL is down and recovers by itself when it returns', async () => {
    const node = await healthyNode(t, 'survivor', 2);
    await t.http.post('/pods').send(pod('before', 1)).expect(201);

    await db.stop();
    const started = Date.now();
    const list = await t.http.get('/nodes');
    expect(list.status).toBe(503);
    expect(list.body.message).toMatch(/database unavailable/);
    await t.http.get('/readyz').expect(503);
    await t.http.post('/pods').send(pod('during', 0.5)).expect(503);
    await t.http
      .post(`/nodes/${node.id}/heartbeat`)
      .set('Authorization', `Bearer ${node.token}`)
      .send({
        pod_ids: [],
        health_status: 'healthy',
        components: {
          kubelet: 'running',
          container_runtime: 'running',
          kube_proxy: 'running',
          node_agent: 'running',
        },
      })
      .expect(503);
    await t.http.get('/healthz').expect(200);
    // prompt: well within the request timeout, not a hang (a loose bound, not a benchmark)
    expect(Date.now() - started).toBeLessThan(25000);

    await db.start(db.port);
    await waitFor(
      'the API to answer again',
      async () => (await t.http.get('/readyz')).status === 200,
      30000,
      250,
    );
    const { body: nodes } = await t.http.get('/nodes').expect(200);
    expect(nodes.map((n: { name: string }) => n.name)).toEqual(['survivor']);
    const { body: pods } = await t.http.get('/pods').expect(200);
    expect(pods.map((p: { name: string }) => p.name)).toEqual(['before']);
    await t.http.post('/pods').send(pod('after', 0.5)).expect(201);
  });
});
