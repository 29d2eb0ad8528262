import fc from 'fast-check';
import { canTake, fits, unschedulableReason } from './fits';
import { bestNode } from './select-node';
import { nodeView as node } from './testing/node-view';
import { PodConstraints, Taint } from './types';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('why nothing fits, in kube-scheduler words', () => {
  it('counts cpu and memory, taints by name, labels, cordon', () => {
    const pod = {
      cpuM: 2000,
      memoryMb: 4096,
      constraints: { nodeSelector: { zone: 'a' } } as PodConstraints,
    };
    const nodes = [
      node(1, { labels: { zone: 'a' }, cpuAllocatedM: 3000 }),
      node(2, { labels: { zone: 'a' }, memoryAllocatedMb: 6000, cpuAllocatedM: 3000 }),
      node(3, { labels: { zone: 'a' } }, [gpu]),
      node(4, { labels: { zone: 'a' } }, [gpu]),
      node(5, { labels: { zone: 'b' } }),
      node(6, { labels: { zone: 'a' }, cordoned: true }),
    ];
    expect(unschedulableReason(pod, nodes)).toBe(
      "0/6 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable, 2 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.",
    );
    const tolerant = {
      ...pod,
      constraints: {
        ...pod.constraints,
        tolerations: [{ key: 'dedicated', operator: 'Exists' as const }],
      },
    };
    expect(bestNode('first-fit', tolerant, nodes)?.name).toBe('n3');
  });

  it('canTake agrees with fits for any constraints, taints and labels', () => {
    const keys = fc.constantFrom('zone', 'dedicated', 'gpu');
    const values = fc.constantFrom('a', 'b', '');
    const arbTaint = fc.record({
      key: keys,
      value: values,
      effect: fc.constantFrom(
        'NoSchedule' as const,
        'PreferNoSchedule' as const,
        'NoExecute' as const,
      ),
    });
    const arbNode = fc.record({
      labels: fc.dictionary(keys, values),
      taints: fc.uniqueArray(arbTaint, { selector: (t) => `${t.key}:${t.effect}`, maxLength: 3 }),
      cpuAllocatedM: fc.integer({ min: 0, max: 4000 }),
      memoryAllocatedMb: fc.integer({ min: 0, max: 8192 }),
    });
    const arbConstraints = fc.option(
      fc.record(
        {
          nodeSelector: fc.dictionary(keys, values, { maxKeys: 2 }),
          tolerations: fc.array(
            fc.record({
              key: fc.option(keys, { nil: undefined }),
              operator: fc.constantFrom('Equal' as const, 'Exists' as const),
              value: fc.option(values, { nil: undefined }),
              effect: fc.option(fc.constantFrom('NoSchedule' as const, 'NoExecute' as const), {
                nil: undefined,
              }),
            }),
            { maxLength: 3 },
          ),
          nodeAffinity: fc.array(
            fc.record({
              matchExpressions: fc.array(
                fc.record({
                  key: keys,
                  operator: fc.constantFrom(
                    'In' as const,
                    'NotIn' as const,
                    'Exists' as const,
                    'DoesNotExist' as const,
                  ),
                  values: fc.array(values, { minLength: 1, maxLength: 2 }),
                }),
                { maxLength: 2 },
              ),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      { nil: null },
    );
    fc.assert(
      fc.property(arbNode, arbConstraints, fc.integer({ min: 0, max: 4000 }), (n, c, cpuM) => {
        const view = node(
          1,
          {
            labels: n.labels,
            cpuAllocatedM: n.cpuAllocatedM,
            memoryAllocatedMb: n.memoryAllocatedMb,
          },
          n.taints,
        );
        const pod = { cpuM, memoryMb: 1024, constraints: c };
        return canTake(pod, view) === (fits(pod, view).length === 0);
      }),
      { numRuns: 1000 },
    );
  });
});
