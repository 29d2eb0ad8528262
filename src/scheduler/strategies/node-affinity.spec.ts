import { labelsMatch, pinnedNode, termsMatch } from './node-affinity';
import { parseConstraints } from './pod-constraints';
import { nodeView as node } from './testing/node-view';
import { PodConstraints } from './types';

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
