import { FAST, waitForPod } from './setup/cluster';
import { beat, healthyNode, pod, startTestApp, TestApp } from './setup/test-app';

interface Verdict {
  name: string;
  fits: boolean;
  reasons: string[];
  score: number | null;
  score_note: string | null;
  chosen: boolean;
}

const byName = (nodes: Verdict[]) => Object.fromEntries(nodes.map((n) => [n.name, n]));

describe('why a pod landed where it did (real server, external agents)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await healthyNode(t, 'cordoned-big', 8);
    await healthyNode(t, 'small', 2);
    await healthyNode(t, 'big', 4);
    await t.http.post('/nodes/cordoned-big/cordon').expect(200);
  });
  afterAll(() => t.close());

  it('explains a best-fit decision over a cordoned, a small and a big node', async () => {
    const created = await t.http
      .post('/pods')
      .send(pod('fit-1', 1.5, { scheduler_algorithm: 'best-fit' }))
      .expect(201);
    expect(created.body.node_name).toBe('small');
    const { body } = await t.http.get('/pods/fit-1/scheduling').expect(200);
    expect(body).toMatchObject({
      pod: 'fit-1',
      algorithm: 'best-fit',
      trigger: 'create',
      decision: { node: 'small' },
      summary: {
        nodes_total: 3,
        nodes_fit: 2,
        unfit_counts: { 'node(s) were unschedulable': 1 },
        truncated: false,
      },
      history: [],
    });
    expect(body.decision.reason).toBe(
      'best-fit: 0.5 cores, 8176 MiB left after placing (37.6% allocated, most allocated wins); 2/3 nodes fit',
    );
    expect(Date.parse(body.decided_at)).not.toBeNaN();
    const nodes = byName(body.nodes);
    expect(nodes['cordoned-big']).toEqual({
      name: 'cordoned-big',
      fits: false,
      reasons: ['node(s) were unschedulable'],
      score: null,
      score_note: null,
      chosen: false,
    });
    expect(nodes.small).toMatchObject({
      fits: true,
      reasons: [],
      score: 37.59765625,
      chosen: true,
    });
    expect(nodes.big).toMatchObject({
      fits: true,
      reasons: [],
      score: 18.798828125,
      score_note:
        'best-fit: 2.5 cores, 16368 MiB left after placing (18.8% allocated, most allocated wins)',
      chosen: false,
    });

    // the small node has 0.5 cores left now: the next pod goes to the big one
    await t.http
      .post('/pods')
      .send(pod('fit-2', 1, { scheduler_algorithm: 'best-fit' }))
      .expect(201);
    const second = (await t.http.get('/pods/fit-2/scheduling').expect(200)).body;
    expect(second.decision.node).toBe('big');
    expect(byName(second.nodes).small).toMatchObject({
      fits: false,
      reasons: ['Insufficient cpu'],
      score: null,
    });
  });

  it("gives a pending pod's reasons per node, and keeps it in the history once it is placed", async () => {
    const created = await t.http.post('/pods').send(pod('too-big', 6)).expect(201);
    expect(created.body.status).toBe('pending');
    const { body } = await t.http.get('/pods/too-big/scheduling').expect(200);
    expect(body.decision.node).toBeNull();
    expect(body.decision.reason).toBe(
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.',
    );
    expect(body.decision.reason).toBe(created.body.reason);
    const nodes = byName(body.nodes);
    expect(nodes['cordoned-big'].reasons).toEqual(['node(s) were unschedulable']);
    expect(nodes.small.reasons).toEqual(['Insufficient cpu']);
    expect(nodes.big.reasons).toEqual(['Insufficient cpu']);
    expect(body.nodes.every((n: Verdict) => !n.fits && n.score === null && !n.chosen)).toBe(true);

    // a new node with room: the retry of pending pods places it there
    await healthyNode(t, 'huge', 8);
    await waitForPod(t, 'too-big', (p) => p.node_name === 'huge', 'bound to huge');
    const after = (await t.http.get('/pods/too-big/scheduling').expect(200)).body;
    expect(after).toMatchObject({ trigger: 'retry', decision: { node: 'huge' } });
    expect(byName(after.nodes).huge).toMatchObject({ fits: true, chosen: true });
    expect(after.history).toHaveLength(1);
    expect(after.history[0]).toMatchObject({
      trigger: 'create',
      decision: {
        node: null,
        reason: '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.',
      },
    });
  });

  it('answers 404 for an unknown pod', async () => {
    const res = await t.http.get('/pods/no-such-pod/scheduling').expect(404);
    expect(res.body.message).toMatch(/no-such-pod/);
  });
});

describe('a decision over a large cluster (real server, external agents)', () => {
  it('keeps the best fitting nodes and a sample of the rest, with counts for all', async () => {
    const t = await startTestApp();
    try {
      // 120 nodes: 100 with room (1..100 cores), 20 cordoned
      for (let i = 1; i <= 120; i++) await healthyNode(t, `w-${i}`, i <= 100 ? i : 8);
      for (let i = 101; i <= 120; i++) await t.http.post(`/nodes/w-${i}/cordon`).expect(200);
      await t.http
        .post('/pods')
        .send(pod('wide', 2, { scheduler_algorithm: 'best-fit' }))
        .expect(201);
      const { body } = await t.http.get('/pods/wide/scheduling').expect(200);
      expect(body.decision.node).toBe('w-2');
      expect(body.summary).toEqual({
        nodes_total: 120,
        nodes_fit: 99,
        unfit_counts: { 'node(s) were unschedulable': 20, 'Insufficient cpu': 1 },
        truncated: true,
      });
      const fitting = body.nodes.filter((n: Verdict) => n.fits).map((n: Verdict) => n.name);
      expect(fitting).toEqual(['w-2', 'w-3', 'w-4', 'w-5', 'w-6']);
      const ruledOut = body.nodes.filter((n: Verdict) => !n.fits);
      expect(ruledOut).toHaveLength(5);
      expect(ruledOut[0]).toMatchObject({ name: 'w-1', reasons: ['Insufficient cpu'] });
      expect(
        ruledOut.slice(1).every((n: Verdict) => n.reasons.includes('node(s) were unschedulable')),
      ).toBe(true);
    } finally {
      await t.close();
    }
  }, 60000);
});

describe('a reschedule after a node failure (real server, external agents, health monitor on)', () => {
  it('is recorded in the history, and shows on the failed node’s timeline', async () => {
    const t = await startTestApp({ ...FAST, RUNTIME: 'external' });
    const beaters: NodeJS.Timeout[] = [];
    try {
      await healthyNode(t, 'doomed', 2);
      const survivor = await healthyNode(t, 'survivor', 2);
      beaters.push(
        setInterval(() => void beat(t, survivor.id, survivor.token).catch(() => undefined), 200),
      );
      await t.http.post('/nodes/survivor/cordon').expect(200);
      const created = await t.http.post('/pods').send(pod('mover', 1)).expect(201);
      expect(created.body.node_name).toBe('doomed');
      await t.http.post('/nodes/survivor/uncordon').expect(200);
      // doomed never beats again: failed, and its pod moves
      await waitForPod(t, 'mover', (p) => p.node_name === 'survivor', 'moved to survivor', 20000);
      const { body } = await t.http.get('/pods/mover/scheduling').expect(200);
      expect(body).toMatchObject({ trigger: 'reschedule', decision: { node: 'survivor' } });
      const nodes = byName(body.nodes);
      expect(nodes.doomed).toMatchObject({ fits: false, score: null, chosen: false });
      expect(nodes.doomed.reasons).toContain(
        'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
      );
      expect(nodes.survivor).toMatchObject({ fits: true, chosen: true });
      expect(body.history[0]).toMatchObject({ trigger: 'create', decision: { node: 'doomed' } });
      expect(byName(body.history[0].nodes).survivor.reasons).toEqual([
        'node(s) were unschedulable',
      ]);

      const timeline = (await t.http.get('/nodes/doomed/timeline').expect(200)).body;
      expect(timeline).toMatchObject({ node: 'doomed', heartbeats: { total: 1, sampled: 1 } });
      const kinds = timeline.entries.map((e: { kind: string; reason: string }) => e.reason);
      for (const reason of ['Heartbeats', 'MissedHeartbeats', 'NodeFailed', 'PodEvicted']) {
        expect(kinds).toContain(reason);
      }
      const at = (reason: string) =>
        Date.parse(timeline.entries.find((e: { reason: string }) => e.reason === reason).at);
      expect(at('Heartbeats')).toBeLessThanOrEqual(at('NodeFailed'));
      expect(at('NodeFailed')).toBeLessThanOrEqual(at('PodEvicted'));
      const eviction = timeline.entries.find((e: { reason: string }) => e.reason === 'PodEvicted');
      expect(eviction).toMatchObject({ object: 'pod/mover', kind: 'event' });
      // the survivor's own timeline holds no eviction of the pod
      const other = (await t.http.get('/nodes/survivor/timeline').expect(200)).body;
      expect(other.entries.some((e: { reason: string }) => e.reason === 'PodEvicted')).toBe(false);
      await t.http.get('/nodes/nope/timeline').expect(404);
    } finally {
      beaters.forEach(clearInterval);
      await t.close();
    }
  });
});
