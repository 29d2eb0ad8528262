import { compareForDeletion, planReplicaSet } from './replica-set';
import { PodView, ReplicaSetView } from './types';

const NOW = 1_000_000;
const rs = (replicas: number, extra: Partial<ReplicaSetView['metadata']> = {}): ReplicaSetView => ({
  metadata: {
    name: 'web-abc',
    namespace: 'default',
    uid: 'rs-1',
    generation: 4,
    labels: {},
    annotations: {},
    ownerReferences: [],
    createdAt: 0,
    deleting: false,
    ...extra,
  },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: {} },
  },
  status: {},
});
const ours = [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true },
];
const pod = (name: string, extra: Partial<PodView> = {}): PodView => ({
  name,
  labels: { app: 'web', tier: 'front' },
  ownerReferences: ours,
  phase: 'Running',
  nodeName: 'n1',
  ready: true,
  readySince: 0,
  restartCount: 0,
  createdAt: 0,
  deleting: false,
  ...extra,
});

describe('planReplicaSet', () => {
  it.each([
    // 3 wanted, 1 running → create 2
    [3, ['a'], 2, 0],
    // 1 wanted, 3 running → delete 2
    [1, ['a', 'b', 'c'], 0, 2],
    [2, ['a', 'b'], 0, 0],
    // scale to zero deletes all
    [0, ['a', 'b'], 0, 2],
  ])('%s wanted with %j → create %s, delete %s', (replicas, names, create, del) => {
    const plan = planReplicaSet(
      rs(replicas),
      names.map((n) => pod(n)),
      NOW,
    );
    expect(plan.create).toBe(create);
    expect(plan.delete).toHaveLength(del);
  });

  it('does not count pods that ended or are being deleted, so it replaces them', () => {
    const plan = planReplicaSet(
      rs(3),
      [pod('a'), pod('b', { phase: 'Failed' }), pod('c', { deleting: true })],
      NOW,
    );
    // only a is active → 2 more
    expect(plan.create).toBe(2);
    expect(plan.status.replicas).toBe(1);
  });

  it('adopts matching orphans, releases pods that no longer match, ignores others’ pods', () => {
    const other = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'rs-2', controller: true },
    ];
    const plan = planReplicaSet(
      rs(2),
      [
        pod('orphan', { ownerReferences: [] }),
        pod('relabelled', { labels: { app: 'db' } }),
        pod('theirs', { ownerReferences: other }),
        pod('stranger', { ownerReferences: [], labels: { app: 'db' } }),
      ],
      NOW,
    );
    expect(plan.adopt.map((p) => p.name)).toEqual(['orphan']);
    expect(plan.release.map((p) => p.name)).toEqual(['relabelled']);
    // the adopted orphan counts: 1 of 2
    expect(plan.create).toBe(1);
  });

  it('neither adopts nor creates while it is being deleted', () => {
    const plan = planReplicaSet(
      rs(3, { deleting: true }),
      [pod('orphan', { ownerReferences: [] })],
      NOW,
    );
    expect(plan).toMatchObject({ adopt: [], create: 0, delete: [] });
  });

  it('deletes unscheduled, then pending, then not ready, then newest first', () => {
    const pods = [
      pod('old-ready', { createdAt: 1 }),
      pod('new-ready', { createdAt: 5, readySince: 5 }),
      pod('not-ready', { ready: false, readySince: null }),
      pod('pending', { phase: 'Pending', ready: false, readySince: null }),
      pod('unscheduled', { phase: 'Pending', nodeName: null, ready: false, readySince: null }),
    ];
    const plan = planReplicaSet(rs(1), pods, NOW);
    expect(plan.delete.map((p) => p.name)).toEqual([
      'unscheduled',
      'pending',
      'not-ready',
      'new-ready',
    ]);
  });

  it('puts more restarts before fewer among equals', () => {
    expect(compareForDeletion(pod('a', { restartCount: 3 }), pod('b'))).toBeLessThan(0);
  });

  it('reports status counts, availability after minReadySeconds, and the generation seen', () => {
    const set = rs(4);
    set.spec.minReadySeconds = 10;
    const plan = planReplicaSet(
      set,
      [
        // ready 20 s ago → available
        pod('a', { readySince: NOW - 20_000 }),
        // ready 5 s ago → ready, not yet available
        pod('b', { readySince: NOW - 5_000 }),
        pod('c', { ready: false, readySince: null, labels: { app: 'web' } }),
      ],
      NOW,
    );
    expect(plan.status).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 4,
    });
  });

  it('creates at most a burst per sync', () => {
    expect(planReplicaSet(rs(2000), [], NOW).create).toBe(500);
  });
});
