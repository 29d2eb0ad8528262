import { canTake } from './fits';
import { noExecuteDeadline, parseTaints, tolerates, untoleratedTaint } from './taints';
import { nodeView as node } from './testing/node-view';
import { PodConstraints, Taint, Toleration } from './types';

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

describe('parsing taints', () => {
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
