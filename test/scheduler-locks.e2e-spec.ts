import { Client } from 'pg';
import { BindingsRepository } from '../src/database/bindings.repository';
import { Database } from '../src/database/database';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';

/**
 * The node row locks the scheduler holds while it binds, on a real PostgreSQL. A
 * transaction that holds one node while it waits for another can deadlock with a creation
 * batch (which takes its nodes in one statement): PostgreSQL then gives one of them up, or
 * a request queued between them, after a second of waiting.
 */
describe('scheduler row locks (real PostgreSQL)', () => {
  let t: TestApp;
  /** a second session, as another writer (a creation batch, a heartbeat) would be */
  let other: Client;
  beforeAll(async () => {
    t = await startTestApp();
    other = new Client({ connectionString: t.databaseUrl });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await t.close();
  });

  /** Resolves once some session of this database waits for a row lock. */
  const someoneWaits = () =>
    waitFor('a session waiting for a lock', async () => {
      const [row] = await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return row.n > 0;
    });

  /** Whether another session could lock the node's row now (not waiting: NOWAIT). */
  const nodeFree = async (nodeId: number): Promise<boolean> => {
    try {
      await t.sql(`SELECT id FROM nodes WHERE id = $1 FOR UPDATE NOWAIT`, [nodeId]);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return false;
      throw err;
    }
  };

  it('a try to bind that loses the node while waiting for it leaves the node unlocked', async () => {
    const node = await healthyNode(t, 'lock-full', 2);
    // pending: no node carries the label
    const { body: waiting } = await t.http
      .post('/pods')
      .send(pod('lock-waiting', 1, { node_selector: { lane: 'none' } }))
      .expect(201);
    expect(waiting.status).toBe('pending');

    // another writer fills the node and holds its row
    await other.query('BEGIN');
    await other.query(`UPDATE nodes SET cpu_allocated_m = cpu_total_m WHERE id = $1`, [node.id]);
    let freeMeanwhile: boolean | undefined;
    const attempt = t.app.get(Database).transaction(async (db) => {
      const ip = await t.app
        .get(BindingsRepository)
        .bindPod(db, { id: waiting.id, cpuReqM: 1000, memoryReqMb: 16 }, node.id);
      // still inside the transaction that tried
      freeMeanwhile = await nodeFree(node.id);
      return ip;
    });
    await someoneWaits();
    await other.query('COMMIT');

    expect(await attempt).toBeNull();
    expect(freeMeanwhile).toBe(true);
    const [row] = await t.sql<{ allocated: number; pod_node: number | null }>(
      `SELECT n.cpu_allocated_m AS allocated, p.node_id AS pod_node
         FROM nodes n, pods p WHERE n.id = $1 AND p.id = $2`,
      [node.id, waiting.id],
    );
    expect(row).toEqual({ allocated: 2000, pod_node: null });
  });

  it('a retry of pending pods commits each binding before it waits for the next node', async () => {
    const a = await healthyNode(t, 'lock-lane-a', 2);
    const b = await healthyNode(t, 'lock-lane-b', 2);
    const first = await t.http
      .post('/pods')
      .send(pod('lock-first', 1, { node_selector: { lane: 'a' } }))
      .expect(201);
    const second = await t.http
      .post('/pods')
      .send(pod('lock-second', 1, { node_selector: { lane: 'b' } }))
      .expect(201);
    expect([first.body.status, second.body.status]).toEqual(['pending', 'pending']);
    // now each pod has its node
    await t.sql(`UPDATE nodes SET labels = $2 WHERE id = $1`, [a.id, { lane: 'a' }]);
    await t.sql(`UPDATE nodes SET labels = $2 WHERE id = $1`, [b.id, { lane: 'b' }]);

    // another writer holds the second pod's node
    await other.query('BEGIN');
    await other.query(`UPDATE nodes SET heartbeat_count = heartbeat_count WHERE id = $1`, [b.id]);
    try {
      const retry = t.app.get(SchedulerService).retryPending();
      await someoneWaits();
      // the first pod's binding is stored (seen from outside) while the retry waits for b
      await waitFor(
        'the first pod bound and committed while its retry waits for the next node',
        async () => {
          const [p] = await t.sql<{ node_id: number | null }>(
            `SELECT node_id FROM pods WHERE id = $1`,
            [first.body.id],
          );
          return p.node_id === a.id;
        },
        5000,
      );
      expect(await nodeFree(a.id)).toBe(true);
      await other.query('COMMIT');
      expect(await retry).toBe(2);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
    }
    const { body: placed } = await t.http.get('/pods/lock-second').expect(200);
    expect(placed.node_name).toBe('lock-lane-b');
  });
});
