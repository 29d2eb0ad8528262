import fc from 'fast-check';
import { viewTaints } from './taints';
import { canTake, firstUnfitReason, fits, REFUSAL, unschedulableReason } from './fits';
import { bestNode, rankNodes, selectNode } from './select-node';
import { NodeView, SCHEDULER_ALGORITHMS } from './types';

const node = (
  id: number,
  totalM: number,
  allocatedM: number,
  extra: Partial<NodeView> = {},
): NodeView => ({
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
});

// free CPU: n1 3000m, n2 1000m, n3 2000m, n4 500m (too small for 1000m)
const nodes = [node(1, 4000, 1000), node(2, 2000, 1000), node(3, 3000, 1000), node(4, 1000, 500)];
const pod = { cpuM: 1000, memoryMb: 0 };

describe('selectNode', () => {
  it.each([
    // first-fit: oldest node that fits → n1
    ['first-fit', null, 1],
    // best-fit: least free after placing: n2 (1000−1000=0) beats n3 (1000) and n1 (2000)
    ['best-fit', null, 2],
    // worst-fit: most free after placing: n1 (3000−1000=2000)
    ['worst-fit', null, 1],
    // round-robin: first fitting node after the last chosen (n1) → n2
    ['round-robin', 1, 2],
    // after n3 it wraps past n4 (does not fit) to n1
    ['round-robin', 3, 1],
    ['round-robin', null, 1],
  ] as const)('%s (last chosen %s) picks n%s', (algorithm, last, expected) => {
    expect(selectNode(algorithm, pod, nodes, last).node?.id).toBe(expected);
  });

  it('breaks ties by creation order', () => {
    const twins = [node(7, 2000, 0), node(3, 2000, 0), node(5, 2000, 0)];
    for (const algorithm of SCHEDULER_ALGORITHMS) {
      expect(selectNode(algorithm, pod, twins).node?.id).toBe(3);
    }
  });

  it.each([
    // kube-scheduler's NodeUnschedulable: a toleration of the cordon's taint lets a pod through
    [
      [
        {
          key: 'node.kubernetes.io/unschedulable',
          operator: 'Exists' as const,
          effect: 'NoSchedule' as const,
        },
      ],
      true,
    ],
    [[{ operator: 'Exists' as const }], true],
    [
      [
        {
          key: 'node.kubernetes.io/unschedulable',
          operator: 'Exists' as const,
          effect: 'NoExecute' as const,
        },
      ],
      false,
    ],
    [[{ key: 'dedicated', operator: 'Exists' as const }], false],
    [undefined, false],
  ])('a cordoned node takes a pod tolerating %j: %s', (tolerations, takes) => {
    const cordoned = node(1, 4000, 0, { cordoned: true });
    const p = { ...pod, constraints: tolerations ? { tolerations } : null };
    expect(canTake(p, cordoned)).toBe(takes);
    expect(fits(p, cordoned)).toEqual(takes ? [] : [REFUSAL.unschedulable]);
  });

  it('explains why nothing fits, counting each node once under its first reason', () => {
    const cluster = [
      node(1, 1000, 500),
      node(2, 1000, 900),
      node(3, 8000, 0, { healthStatus: 'failed' }),
      node(4, 8000, 0, { cordoned: true }),
      node(5, 8000, 0, { nodeType: 'master' }),
    ];
    const placement = selectNode('best-fit', pod, cluster);
    expect(placement.node).toBeNull();
    expect(placement.reason).toBe(
      '0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable, 2 Insufficient cpu.',
    );
    expect(unschedulableReason(pod, [])).toBe('0/0 nodes are available: no nodes registered.');
  });

  it.each([
    [{ healthStatus: 'pending' }, REFUSAL.notReady],
    [{ healthStatus: 'recovering' }, REFUSAL.notReady],
    [{ cordoned: true }, 'node(s) were unschedulable'],
    [{ nodeType: 'master' as const }, REFUSAL.master],
    [{ kubelet: 'stopped' }, REFUSAL.components],
    [{ containerRuntime: 'degraded' }, REFUSAL.components],
    [{ cpuAllocatedM: 3500 }, 'Insufficient cpu'],
    [{ memoryTotalMb: 100, memoryAllocatedMb: 90 }, 'Insufficient memory'],
    [
      {
        taints: viewTaints([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]).taints,
        hardTaints: 1,
      },
      'node(s) had untolerated taint {dedicated: gpu}',
    ],
  ])('a node with %o is ruled out: %s', (change, reason) => {
    expect(fits({ cpuM: 1000, memoryMb: 20 }, node(1, 4000, 0, change))).toContain(reason);
  });

  it('fits exactly when the request equals the free CPU', () => {
    expect(fits({ cpuM: 1000, memoryMb: 0 }, node(1, 2000, 1000))).toEqual([]);
    expect(fits({ cpuM: 1001, memoryMb: 0 }, node(1, 2000, 1000))).toEqual(['Insufficient cpu']);
  });
});

describe('strategy properties', () => {
  const arbNode = fc.record({
    id: fc.integer({ min: 1, max: 10000 }),
    total: fc.integer({ min: 0, max: 16000 }),
    allocatedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    healthy: fc.boolean(),
    cordoned: fc.boolean(),
    master: fc.boolean(),
  });
  const arbNodes = fc.uniqueArray(arbNode, { selector: (n) => n.id, maxLength: 30 }).map((list) =>
    list.map((n) =>
      node(n.id, n.total, Math.floor(n.total * n.allocatedShare), {
        healthStatus: n.healthy ? 'healthy' : 'failed',
        cordoned: n.cordoned,
        nodeType: n.master ? 'master' : 'worker',
      }),
    ),
  );
  const arbPod = fc.record({ cpuM: fc.integer({ min: 1, max: 8000 }), memoryMb: fc.constant(0) });
  const arbAlgorithm = fc.constantFrom(...SCHEDULER_ALGORITHMS);
  const arbLast = fc.option(fc.integer({ min: 1, max: 10000 }), { nil: null });

  it('a chosen node always fits, and is never ineligible', () => {
    fc.assert(
      fc.property(arbAlgorithm, arbPod, arbNodes, arbLast, (algorithm, p, list, last) => {
        const { node: chosen, reason } = selectNode(algorithm, p, list, last);
        const anyFits = list.some((n) => fits(p, n).length === 0);
        if (!chosen) return !anyFits && reason !== null;
        return (
          fits(p, chosen).length === 0 &&
          chosen.healthStatus === 'healthy' &&
          !chosen.cordoned &&
          chosen.nodeType === 'worker' &&
          chosen.cpuTotalM - chosen.cpuAllocatedM >= p.cpuM
        );
      }),
      { numRuns: 500 },
    );
  });

  it('best-fit leaves the fullest node and worst-fit the emptiest among the nodes that fit', () => {
    fc.assert(
      fc.property(arbPod, arbNodes, (p, list) => {
        const fitting = list.filter((n) => fits(p, n).length === 0);
        if (fitting.length === 0) return true;
        // the share left free after placing: LeastAllocated's score, MostAllocated's complement
        const free = (n: NodeView) => (n.cpuTotalM - n.cpuAllocatedM - p.cpuM) / n.cpuTotalM;
        const best = selectNode('best-fit', p, list).node!;
        const worst = selectNode('worst-fit', p, list).node!;
        return fitting.every((n) => free(best) <= free(n) && free(worst) >= free(n));
      }),
      { numRuns: 500 },
    );
  });

  it('canTake says yes exactly when fits finds no reason, and firstUnfitReason is its first', () => {
    const arbFullNode = fc.record({
      id: fc.integer({ min: 1, max: 10000 }),
      name: fc.constant('n'),
      nodeType: fc.constantFrom('worker' as const, 'master' as const),
      healthStatus: fc.constantFrom('healthy', 'pending', 'failed'),
      cordoned: fc.boolean(),
      kubelet: fc.constantFrom('running', 'stopped'),
      containerRuntime: fc.constantFrom('running', 'failed'),
      cpuTotalM: fc.integer({ min: 0, max: 16000 }),
      cpuAllocatedM: fc.integer({ min: 0, max: 16000 }),
      memoryTotalMb: fc.option(fc.integer({ min: 0, max: 4096 }), { nil: null }),
      memoryAllocatedMb: fc.integer({ min: 0, max: 4096 }),
    });
    const arbRequest = fc.record({
      cpuM: fc.integer({ min: 0, max: 16000 }),
      memoryMb: fc.integer({ min: 0, max: 4096 }),
    });
    fc.assert(
      fc.property(
        arbRequest,
        arbFullNode,
        (p, n) =>
          canTake(p, n) === (fits(p, n).length === 0) &&
          // the allocation-free first reason is the one fits lists first
          firstUnfitReason(p, n) === (fits(p, n)[0] ?? null),
      ),
      { numRuns: 2000 },
    );
  });

  it('bestNode picks what rankNodes puts first, for every algorithm', () => {
    fc.assert(
      fc.property(arbAlgorithm, arbPod, arbNodes, arbLast, (algorithm, p, list, last) => {
        const [first] = rankNodes(algorithm, p, list, last);
        return (bestNode(algorithm, p, list, last)?.id ?? null) === (first?.id ?? null);
      }),
      { numRuns: 500 },
    );
  });

  it('round-robin visits every fitting node before repeating one', () => {
    fc.assert(
      fc.property(arbNodes, (list) => {
        const p = { cpuM: 1, memoryMb: 0 };
        const fitting = rankNodes('first-fit', p, list);
        let last: number | null = null;
        const seen: number[] = [];
        for (let i = 0; i < fitting.length; i++) {
          last = selectNode('round-robin', p, list, last).node!.id;
          seen.push(last);
        }
        return new Set(seen).size === fitting.length;
      }),
      { numRuns: 200 },
    );
  });
});
