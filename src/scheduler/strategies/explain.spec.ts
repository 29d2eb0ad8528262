import { bestNode } from './select-node';
import { decideAndExplain, explainChoice, scoreNote } from './explain';
import { REFUSAL } from './fits';
import { NodeView, SCHEDULER_ALGORITHMS } from './types';

const node = (id: number, totalM: number, allocatedM: number, extra: Partial<NodeView> = {}) =>
  ({
    id,
    name: `n${id}`,
    nodeType: 'worker',
    healthStatus: 'healthy',
    cordoned: false,
    kubelet: 'running',
    containerRuntime: 'running',
    cpuTotalM: totalM,
    cpuAllocatedM: allocatedM,
    memoryTotalMb: null,
    memoryAllocatedMb: 0,
    ...extra,
  }) as NodeView;

const pod = { cpuM: 1000, memoryMb: 0 };

describe('scoreNote', () => {
  it.each([
    [
      'first-fit',
      node(1, 4000, 0),
      null,
      'first-fit: every fitting node scores 0, the oldest wins',
    ],
    [
      'best-fit',
      node(1, 4000, 1500),
      null,
      'best-fit: 1.5 cores left after placing (62.5% allocated, most allocated wins)',
    ],
    [
      'worst-fit',
      node(1, 8000, 0, { memoryTotalMb: 4096, memoryAllocatedMb: 2048 }),
      null,
      // cpu 1/8 = 12.5%, memory 2048/4096 = 50%: the mean, 31.25%
      'worst-fit: 7 cores, 2048 MiB left after placing (31.3% allocated, least allocated wins)',
    ],
    ['round-robin', node(1, 4000, 0), null, 'round-robin: no node chosen yet, the oldest wins'],
    ['round-robin', node(3, 4000, 0), 2, 'round-robin: after the last node chosen (id 2)'],
    [
      'round-robin',
      node(2, 4000, 0),
      2,
      'round-robin: at or before the last node chosen (id 2), only on wrap-around',
    ],
  ] as const)('%s on %o (last %s): %s', (algorithm, n, last, expected) => {
    expect(scoreNote(algorithm, pod, n, last)).toBe(expected);
  });
});

describe('decideAndExplain', () => {
  // a cordoned big node, a small node that cannot take 1 core, a big node
  const cluster = [
    node(1, 8000, 0, { cordoned: true }),
    node(2, 1000, 500),
    node(3, 4000, 1000),
    node(4, 2000, 500),
  ];

  it.each([
    // after placing: n3 2000/4000 = 50% allocated, n4 1500/2000 = 75% (memory undeclared)
    ['best-fit', 'n4', { n3: 50, n4: 75 }],
    ['worst-fit', 'n3', { n3: 50, n4: 25 }],
    ['first-fit', 'n3', { n3: 0, n4: 0 }],
  ] as const)('%s picks %s and explains every node', (algorithm, winner, scores) => {
    const { best, explanation } = decideAndExplain(algorithm, pod, cluster);
    expect(best?.name).toBe(winner);
    expect(explanation.node).toBe(winner);
    expect(explanation.nodes_total).toBe(4);
    expect(explanation.nodes_fit).toBe(2);
    expect(explanation.truncated).toBe(false);
    expect(explanation.unfit_counts).toEqual({
      'node(s) were unschedulable': 1,
      'Insufficient cpu': 1,
    });
    const byName = Object.fromEntries(explanation.nodes.map((n) => [n.name, n]));
    expect(byName.n1).toMatchObject({
      fits: false,
      reasons: ['node(s) were unschedulable'],
      score: null,
    });
    expect(byName.n2).toMatchObject({ fits: false, reasons: ['Insufficient cpu'], score: null });
    expect(byName.n3).toMatchObject({ fits: true, reasons: [], score: scores.n3 });
    expect(byName.n4).toMatchObject({ fits: true, reasons: [], score: scores.n4 });
    expect(explanation.reason).toMatch(new RegExp(`^${algorithm}: .*; 2/4 nodes fit$`));
  });

  it('lists every reason of a node, and why nothing fits', () => {
    const pending = decideAndExplain('best-fit', pod, [
      node(1, 500, 0, { cordoned: true, healthStatus: 'failed' }),
      node(2, 8000, 0, { nodeType: 'master' }),
      node(3, 8000, 0, { kubelet: 'stopped', memoryTotalMb: 10 }),
    ]);
    expect(pending.best).toBeNull();
    expect(pending.explanation.node).toBeNull();
    expect(pending.explanation.nodes.map((n) => n.reasons)).toEqual([
      [REFUSAL.notReady, 'node(s) were unschedulable', 'Insufficient cpu'],
      [REFUSAL.master],
      ['node(s) had components not running'],
    ]);
    expect(pending.explanation.reason).toBe(
      '0/3 nodes are available: 1 node(s) had components not running, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
    );
  });

  it('keeps only the top fitting nodes and a sample of the rest on a large cluster', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? node(i + 1, 500, 0) : node(i + 1, 4000, (i * 37) % 3000),
    );
    const limits = { detailNodes: 100, topK: 5 };
    for (const algorithm of SCHEDULER_ALGORITHMS) {
      const { best, explanation } = decideAndExplain(algorithm, pod, many, 7, limits);
      expect(best).toBe(bestNode(algorithm, pod, many, 7));
      expect(explanation.truncated).toBe(true);
      expect(explanation.nodes).toHaveLength(10);
      expect(explanation.nodes_fit).toBe(200);
      expect(explanation.unfit_counts).toEqual({ 'Insufficient cpu': 100 });
      const fitting = explanation.nodes.filter((n) => n.fits);
      expect(fitting[0].name).toBe(best!.name);
      const scores = fitting.map((n) => n.score!);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('names the node actually bound when the first-ranked one filled up', () => {
    const explanation = explainChoice('best-fit', pod, cluster, cluster[2]);
    expect(explanation.node).toBe('n3');
    expect(explanation.reason).toMatch(/better-ranked node filled up/);
  });
});
