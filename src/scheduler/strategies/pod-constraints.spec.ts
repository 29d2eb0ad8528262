import { parseConstraints } from './pod-constraints';

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
});
