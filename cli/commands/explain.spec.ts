import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';
import type { PodSchedulingView } from '../api-types';

const decided = new Date(Date.now() - 5000).toISOString();
const explanation: PodSchedulingView = {
  pod: 'web',
  algorithm: 'best-fit',
  trigger: 'reschedule',
  decided_at: decided,
  attempts: 1,
  decision: {
    node: 'small',
    reason: 'best-fit: 0.5 cores left after placing (least left wins); 2/3 nodes fit',
  },
  summary: { nodes_total: 3, nodes_fit: 2, unfit_counts: { cordoned: 1 }, truncated: false },
  nodes: [
    {
      name: 'cordoned-big',
      fits: false,
      reasons: ['cordoned', 'not ready'],
      score: null,
      score_note: null,
      chosen: false,
    },
    {
      name: 'big',
      fits: true,
      reasons: [],
      score: -2500,
      score_note: 'best-fit: 2.5 cores left after placing (least left wins)',
      chosen: false,
    },
    {
      name: 'small',
      fits: true,
      reasons: [],
      score: -500,
      score_note: 'best-fit: 0.5 cores left after placing (least left wins)',
      chosen: true,
    },
  ],
  history: [
    {
      algorithm: 'best-fit',
      trigger: 'create',
      decided_at: decided,
      attempts: 1,
      decision: { node: 'gone', reason: 'best-fit: 1 cores left after placing; 1/1 nodes fit' },
      summary: { nodes_total: 1, nodes_fit: 1, unfit_counts: {}, truncated: false },
      nodes: [],
    },
  ],
};

describe('explain pod', () => {
  let fake: FakeKubesim;
  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  it('prints the decision and a row per node, the winner first and marked', async () => {
    fake.on('GET', '/pods/web/scheduling', { body: explanation });

    const result = await runCli(fake.url, ['explain', 'pod', 'web']);

    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Pod:\s+web$/m);
    expect(out).toMatch(/^Algorithm:\s+best-fit$/m);
    expect(out).toMatch(/^Node:\s+small$/m);
    expect(out).toMatch(/^Nodes:\s+2\/3 fit; ruled out: 1 cordoned$/m);
    const table = out
      .split('\n')
      .filter((l) => /^\s*\*?\s*(NODE|small|big|cordoned-big)\b/.test(l));
    expect(table[0]).toMatch(/NODE\s+FITS\s+REASONS \/ SCORE\s+SCORE/);
    expect(table[1]).toMatch(/^\*\s+small\s+yes\s+best-fit: 0\.5 cores left.*-500$/);
    expect(table[2]).toMatch(/^\s+big\s+yes\s+best-fit: 2\.5 cores left.*-2500$/);
    expect(table[3]).toMatch(/^\s+cordoned-big\s+no\s+cordoned, not ready\s+-$/);
    expect(out).toMatch(/Earlier decisions[\s\S]*create\s+best-fit\s+-> gone/);
  });

  it('-o json prints the API answer as it came', async () => {
    fake.on('GET', '/pods/web/scheduling', { body: explanation });

    const result = await runCli(fake.url, ['explain', 'pod', 'web', '-o', 'json']);

    expect(JSON.parse(result.stdout)).toEqual(explanation);
  });

  it('says so when the pod does not exist', async () => {
    fake.on('GET', '/pods/nope/scheduling', {
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'pod "nope" not found' },
    });

    const result = await runCli(fake.url, ['explain', 'pod', 'nope']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/pod "nope" not found/);
  });
});

describe('explain node', () => {
  let fake: FakeKubesim;
  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  it("prints the node's timeline, one line per span and event", async () => {
    fake.on('GET', '/nodes/worker-1/timeline', {
      body: {
        node: 'worker-1',
        health_status: 'healthy',
        heartbeats: {
          total: 12,
          last_at: new Date().toISOString(),
          sampled: 12,
          interval_ms: 1000,
        },
        entries: [
          {
            at: '2026-01-01T10:00:00.000Z',
            until: '2026-01-01T10:00:05.000Z',
            kind: 'heartbeats',
            reason: 'Heartbeats',
            message: '6 heartbeats',
            object: null,
            type: 'Normal',
          },
          {
            at: '2026-01-01T10:00:09.000Z',
            until: null,
            kind: 'event',
            reason: 'PodEvicted',
            message: 'Evicted from worker-1: node failed',
            object: 'pod/web',
            type: 'Warning',
          },
        ],
      },
    });

    const result = await runCli(fake.url, ['explain', 'node', 'worker-1']);

    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^Heartbeats:\s+12 \(last/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^10:00:00\.000-10:00:05\.000\s+Heartbeats\s+-\s+6 heartbeats$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^10:00:09\.000\s+PodEvicted\s+pod\/web\s+Evicted from worker-1/),
    );
  });
});
