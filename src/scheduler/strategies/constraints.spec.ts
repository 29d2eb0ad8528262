import fc from 'fast-check';
import {
  labelsMatch,
  noExecuteDeadline,
  parseConstraints,
  parseTaints,
  pinnedNode,
  termsMatch,
  tolerates,
  untoleratedTaint,
  viewTaints,
} from './constraints';
import { canTake, fits, unschedulableReason } from './fits';
import { allocatedScore } from './scorers';
import { bestNode } from './select-node';
import { NodeView, PodConstraints, Taint, Toleration } from './types';

const node = (id: number, extra: Partial<NodeView> = {}, taints: Taint[] = []): NodeView => ({
  id,
  name: `n${id}`,
  nodeType: 'worker',
  healthStatus: 'healthy',
  cordoned: false,
  kubelet: 'running',
  containerRuntime: 'running',
  cpuTotalM: 4000,
  cpuAllocatedM: 0,
  memoryTotalMb: 8192,
  memoryAllocatedMb: 0,
  labels: {},
  ...viewTaints(taints),
  ...extra,
});

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('tolerates (Kubernetes ToleratesTaint)', () => {
  it.each<[Toleration, Taint, boolean]>([
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu' }, gpu, true],
    [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, gpu, true],
    [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }, gpu, false],
    [{ key: 'dedicated', operator: 'Exists' }, gpu, true],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    [{ operator: 'Exists' }, gpu, true],
    [{ key: 'other', operator: 'Exists' }, gpu, false],
    [{ key: 'flag', operator: 'Equal' }, { key: 'flag', effect: 'NoSchedule' }, true],
  ])('%o on %o: %s', (t, taint, expected) => {
    expect(tolerates(t, taint)).toBe(expected);
  });

  it('PreferNoSchedule never repels a pod; NoSchedule and NoExecute do', () => {
    const soft = node(1, {}, [{ key: 'a', effect: 'PreferNoSchedule' }]);
    expect(untoleratedTaint(null, soft)).toBeNull();
    expect(canTake({ cpuM: 1, memoryMb: 0 }, soft)).toBe(true);
    const hard = node(2, {}, [{ key: 'a', effect: 'NoExecute' }]);
    expect(untoleratedTaint(null, hard)?.refusal).toBe('node(s) had untolerated taint {a: }');
    expect(canTake({ cpuM: 1, memoryMb: 0 }, hard)).toBe(false);
  });
});

describe('node affinity and nodeSelector', () => {
  const labels = { zone: 'a', disktype: 'ssd', cores: '8' };
  it.each([
    [[{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['a', 'b'] }] }], true],
    [[{ matchExpressions: [{ key: 'zone', operator: 'NotIn' as const, values: ['a'] }] }], false],
    [[{ matchExpressions: [{ key: 'gpu', operator: 'NotIn' as const, values: ['x'] }] }], true],
    [[{ matchExpressions: [{ key: 'disktype', operator: 'Exists' as const }] }], true],
    [[{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' as const }] }], true],
    [[{ matchExpressions: [{ key: 'cores', operator: 'Gt' as const, values: ['4'] }] }], true],
    [[{ matchExpressions: [{ key: 'cores', operator: 'Lt' as const, values: ['4'] }] }], false],
    [[{ matchExpressions: [{ key: 'zone', operator: 'Gt' as const, values: ['1'] }] }], false],
    // expressions ANDed
    [
      [
        {
          matchExpressions: [
            { key: 'zone', operator: 'In' as const, values: ['a'] },
            { key: 'disktype', operator: 'In' as const, values: ['hdd'] },
          ],
        },
      ],
      false,
    ],
    // terms ORed
    [
      [
        { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['b'] }] },
        { matchExpressions: [{ key: 'disktype', operator: 'In' as const, values: ['ssd'] }] },
      ],
      true,
    ],
    [[{ matchExpressions: [] }], false],
  ])('terms %j on zone=a,disktype=ssd,cores=8: %s', (terms, expected) => {
    expect(termsMatch(terms, labels)).toBe(expected);
  });

  it('nodeSelector needs every label with its value', () => {
    const n = node(1, { labels });
    expect(labelsMatch({ nodeSelector: { zone: 'a', disktype: 'ssd' } }, n)).toBe(true);
    expect(labelsMatch({ nodeSelector: { zone: 'b' } }, n)).toBe(false);
    expect(labelsMatch({ nodeSelector: { gpu: 'yes' } }, node(2))).toBe(false);
  });

  it('matches the well-known labels a kubelet sets, as kubectl shows them', () => {
    const n = node(1, { name: 'worker-7', labels });
    expect(labelsMatch({ nodeSelector: { 'kubernetes.io/hostname': 'worker-7' } }, n)).toBe(true);
    expect(labelsMatch({ nodeSelector: { 'kubernetes.io/hostname': 'worker-8' } }, n)).toBe(false);
    expect(labelsMatch({ nodeSelector: { 'kubernetes.io/os': 'linux', zone: 'a' } }, n)).toBe(true);
    const affinity = [
      {
        matchExpressions: [
          { key: 'node-role.kubernetes.io/worker', operator: 'Exists' as const },
          { key: 'kubernetes.io/hostname', operator: 'NotIn' as const, values: ['worker-8'] },
        ],
      },
    ];
    expect(labelsMatch({ nodeAffinity: affinity }, n)).toBe(true);
    expect(labelsMatch({ nodeAffinity: affinity }, node(2, { nodeType: 'master' }))).toBe(false);
    // a node's own label wins over a well-known one
    const renamed = node(3, { name: 'n3', labels: { 'kubernetes.io/hostname': 'custom' } });
    expect(labelsMatch({ nodeSelector: { 'kubernetes.io/hostname': 'custom' } }, renamed)).toBe(
      true,
    );
  });
});

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

describe('scores both resources (Kubernetes MostAllocated)', () => {
  it('is the mean of the cpu and memory fractions after placing', () => {
    const n = node(1, { cpuAllocatedM: 1000, memoryAllocatedMb: 2048 });
    // cpu (1000+1000)/4000 = 0.5, memory (2048+2048)/8192 = 0.5
    expect(allocatedScore({ cpuM: 1000, memoryMb: 2048 }, n)).toBe(50);
    // memory decides between nodes equal in cpu
    const roomy = node(2, { memoryTotalMb: 16384 });
    const tight = node(3, { memoryTotalMb: 4096 });
    const pod = { cpuM: 1000, memoryMb: 2048 };
    expect(bestNode('best-fit', pod, [roomy, tight])?.name).toBe('n3');
    expect(bestNode('worst-fit', pod, [roomy, tight])?.name).toBe('n2');
  });
});

describe('NoExecute eviction time', () => {
  const added = '2026-01-01T00:00:00.000Z';
  const t0 = Date.parse(added);
  const noExec: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: added };
  it.each<[PodConstraints | null, number, number | null]>([
    [null, t0 + 5000, -Infinity],
    [{ tolerations: [{ key: 'maintenance', operator: 'Exists' }] }, t0, null],
    [
      {
        tolerations: [
          { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
        ],
      },
      t0 - 9000,
      t0 + 30000,
    ],
    // bound after the taint appeared: the seconds count from the binding
    [
      { tolerations: [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] },
      t0 + 5000,
      t0 + 15000,
    ],
  ])('%j bound at %s leaves at %s', (c, boundAt, expected) => {
    const d = noExecuteDeadline(c, [noExec, { key: 'x', effect: 'NoSchedule' }], boundAt);
    expect(d?.at ?? null).toBe(expected);
  });
});

describe('parsing manifests', () => {
  it('takes Kubernetes shapes and lists every problem with its path', () => {
    const causes: Array<{ field: string; message: string }> = [];
    const c = parseConstraints(
      {
        nodeSelector: { zone: 'a' },
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
          { operator: 'Equal', value: 'x' },
          { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
        ],
        affinity: {
          podAntiAffinity: {},
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'zone', operator: 'In', values: [] },
                    { key: 'c', operator: 'Gt', values: ['x'] },
                  ],
                },
              ],
            },
          },
        },
      },
      'spec.',
      causes,
    );
    expect(c?.nodeSelector).toEqual({ zone: 'a' });
    expect(causes.map((x) => x.field)).toEqual([
      'spec.tolerations[1].operator',
      'spec.tolerations[2].effect',
      'spec.affinity.podAntiAffinity',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values',
    ]);
    expect(parseConstraints({ nodeSelector: {}, tolerations: [] }, '', [])).toBeNull();
  });

  it('refuses malformed taints', () => {
    const causes: Array<{ field: string; message: string }> = [];
    parseTaints(
      [{ key: 'a', effect: 'Sometimes' }, { key: 'a b', effect: 'NoSchedule' }, gpu, gpu],
      'taints',
      causes,
    );
    expect(causes.map((x) => x.field)).toEqual(['taints[0].effect', 'taints[1].key', 'taints[3]']);
  });
});

describe('node affinity on the node name (matchFields, as a DaemonSet pins its pods)', () => {
  const pin = (operator: 'In' | 'NotIn', name: string): PodConstraints => ({
    nodeAffinity: [{ matchFields: [{ key: 'metadata.name', operator, values: [name] }] }],
  });
  it.each<[PodConstraints, string, boolean]>([
    [pin('In', 'n1'), 'n1', true],
    [pin('In', 'n1'), 'n2', false],
    [pin('NotIn', 'n1'), 'n2', true],
    [pin('NotIn', 'n1'), 'n1', false],
  ])('%j on %s → %s', (constraints, name, match) => {
    expect(labelsMatch(constraints, node(1, { name }))).toBe(match);
  });

  it('ANDs the fields with the label expressions of the same term', () => {
    const both: PodConstraints = {
      nodeAffinity: [
        {
          matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }],
          matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
        },
      ],
    };
    expect(labelsMatch(both, node(1, { labels: { zone: 'a' } }))).toBe(true);
    expect(labelsMatch(both, node(1, { labels: { zone: 'b' } }))).toBe(false);
    expect(pinnedNode(both)).toBe('n1');
    expect(pinnedNode(null)).toBeNull();
  });

  it('takes metadata.name with In or NotIn and one value; refuses other fields', () => {
    const causes: Array<{ field: string; message: string }> = [];
    const affinity = (matchFields: unknown) => ({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields }] },
      },
    });
    expect(
      parseConstraints(
        { affinity: affinity([{ key: 'metadata.name', operator: 'In', values: ['n1'] }]) },
        'spec.',
        causes,
      )?.nodeAffinity,
    ).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
    expect(causes).toEqual([]);
    parseConstraints(
      { affinity: affinity([{ key: 'spec.unschedulable', operator: 'In', values: ['x'] }]) },
      'spec.',
      causes,
    );
    parseConstraints(
      { affinity: affinity([{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }]) },
      'spec.',
      causes,
    );
    expect(causes.map((c) => c.field)).toEqual([
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values',
    ]);
  });
});
