import fc from 'fast-check';
import { planDeployment, REVISION } from './deployment';
import { podTemplateHash } from './template-hash';
import { DeploymentView, PodTemplate, ReplicaSetView } from './types';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const tpl = (image: string): PodTemplate => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image }] },
});
const deployment = (
  replicas: number,
  image: string,
  spec: Partial<DeploymentView['spec']> = {},
  status: Partial<DeploymentView['status']> = {},
): DeploymentView => ({
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: 'd-1',
    generation: 2,
    labels: {},
    annotations: {},
    ownerReferences: [],
    createdAt: 0,
    deleting: false,
  },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: tpl(image), ...spec },
  status,
});
const ours = [
  { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-1', controller: true },
];
/** a ReplicaSet of the image with `spec` replicas wanted and `available` of them up (all ready) */
const replicaSet = (
  image: string,
  revision: number,
  spec: number,
  available = spec,
  created = revision,
): ReplicaSetView => {
  const hash = podTemplateHash(tpl(image));
  return {
    metadata: {
      name: `web-${hash}`,
      namespace: 'default',
      uid: `rs-${image}`,
      generation: 1,
      labels: {},
      annotations: { [REVISION]: String(revision) },
      ownerReferences: ours,
      createdAt: created,
      deleting: false,
    },
    spec: {
      replicas: spec,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      template: { ...tpl(image), metadata: { labels: { app: 'web', 'pod-template-hash': hash } } },
    },
    status: { replicas: available, readyReplicas: available, availableReplicas: available },
  };
};

describe('planDeployment', () => {
  it('creates the first ReplicaSet at full size, revision 1, named by the template hash', () => {
    const plan = planDeployment(deployment(3, 'nginx:1'), [], NOW);
    expect(plan.create).toMatchObject({
      name: `web-${podTemplateHash(tpl('nginx:1'))}`,
      replicas: 3,
      annotations: { [REVISION]: '1' },
    });
    expect(plan.create?.selector.matchLabels?.['pod-template-hash']).toBe(
      podTemplateHash(tpl('nginx:1')),
    );
    expect(plan.revision).toBe('1');
    expect(plan.status.conditions.find((c) => c.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetCreated',
    );
  });

  it('scales a lone ReplicaSet with spec.replicas', () => {
    const plan = planDeployment(deployment(5, 'nginx:1'), [replicaSet('nginx:1', 1, 3)], NOW);
    expect(plan.scale).toEqual([{ name: expect.any(String), from: 3, to: 5 }]);
  });

  it.each([
    // replicas 4, surge 1, unavailable 1: new RS may go to 4+1−4 = 1
    [4, 1, 1, 1],
    // surge 25% of 4 rounds up to 1
    [4, '25%', '25%', 1],
    // surge 50% of 3 rounds up to 2
    [3, '50%', 0, 2],
    // surge 0: nothing grows until the old shrink
    [4, 0, 1, 0],
  ] as const)(
    'a new template with %s replicas, surge %s, unavailable %s starts the new RS at %s',
    (n, surge, unav, first) => {
      const d = deployment(n, 'nginx:2', {
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: surge, maxUnavailable: unav },
        },
      });
      const plan = planDeployment(d, [replicaSet('nginx:1', 1, n)], NOW);
      expect(plan.create?.replicas).toBe(first);
      expect(plan.create?.annotations[REVISION]).toBe('2');
      // scaling up the new leaves the old to the next sync
      expect(plan.scale).toEqual([]);
    },
  );

  it('scales the old down only as far as available pods allow', () => {
    // 4 wanted, maxUnavailable 1 → at least 3 available; old 4 up, new 1 not yet available
    const d = deployment(4, 'nginx:2', {
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    });
    const plan = planDeployment(
      d,
      [replicaSet('nginx:1', 1, 4), replicaSet('nginx:2', 2, 1, 0, 9)],
      NOW,
    );
    // all 5 − min 3 − 1 new unavailable = 1 may go; available 4 − 3 = 1
    expect(plan.scale).toEqual([{ name: expect.any(String), from: 4, to: 3 }]);
  });

  it('scales old unhealthy pods down first, at no cost to availability', () => {
    const d = deployment(4, 'nginx:2', {
      strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    });
    // old wants 4 but only 2 are available: 4 − 3 − 0 = 1 may go
    const plan = planDeployment(
      d,
      [replicaSet('nginx:1', 1, 4, 2), replicaSet('nginx:2', 2, 0, 0, 9)],
      NOW,
    );
    expect(plan.scale).toEqual([{ name: expect.any(String), from: 4, to: 3 }]);
  });

  it('Recreate scales every old ReplicaSet to zero, then creates the new one once their pods are gone', () => {
    const d = deployment(3, 'nginx:2', { strategy: { type: 'Recreate' } });
    const first = planDeployment(d, [replicaSet('nginx:1', 1, 3)], NOW);
    expect(first.scale).toEqual([{ name: expect.any(String), from: 3, to: 0 }]);
    expect(first.create).toBeNull();
    // still 2 old pods running: wait
    expect(planDeployment(d, [replicaSet('nginx:1', 1, 0, 2)], NOW).create).toBeNull();
    expect(planDeployment(d, [replicaSet('nginx:1', 1, 0, 0)], NOW).create?.replicas).toBe(3);
  });

  it('a rollback makes the old ReplicaSet the newest revision again', () => {
    const plan = planDeployment(
      deployment(2, 'nginx:1'),
      [replicaSet('nginx:1', 1, 0, 0), replicaSet('nginx:2', 2, 2)],
      NOW,
    );
    expect(plan.annotate).toEqual([{ name: expect.any(String), annotations: { [REVISION]: '3' } }]);
    expect(plan.revision).toBe('3');
    expect(plan.create).toBeNull();
  });

  it('paused: no new ReplicaSet and no rollout', () => {
    const plan = planDeployment(
      deployment(3, 'nginx:2', { paused: true }),
      [replicaSet('nginx:1', 1, 3)],
      NOW,
    );
    expect(plan.create).toBeNull();
    expect(plan.scale).toEqual([]);
    expect(plan.status.conditions.find((c) => c.type === 'Progressing')?.reason).toBe(
      'DeploymentPaused',
    );
  });

  it('deletes idle old ReplicaSets beyond revisionHistoryLimit, oldest revision first, once complete', () => {
    const sets = [
      replicaSet('v1', 1, 0, 0),
      replicaSet('v2', 2, 0, 0),
      replicaSet('v3', 3, 0, 0),
      replicaSet('v4', 4, 2),
    ];
    const plan = planDeployment(deployment(2, 'v4', { revisionHistoryLimit: 1 }), sets, NOW);
    expect(plan.delete).toEqual([sets[0].metadata.name, sets[1].metadata.name]);
  });

  it('reports status and Available / Progressing as Kubernetes does', () => {
    const plan = planDeployment(deployment(3, 'nginx:1'), [replicaSet('nginx:1', 1, 3)], NOW);
    expect(plan.status).toMatchObject({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
    });
    const byType = Object.fromEntries(plan.status.conditions.map((c) => [c.type, c]));
    expect(byType.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(byType.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
  });

  it('marks ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds', () => {
    const since = new Date(NOW - 61_000).toISOString();
    const stuck = {
      type: 'Progressing' as const,
      status: 'True' as const,
      reason: 'ReplicaSetUpdated',
      message: '',
      lastUpdateTime: since,
      lastTransitionTime: since,
    };
    // the new RS wants 3 but none became available: no progress since the last status
    const d = deployment(
      3,
      'nginx:1',
      { progressDeadlineSeconds: 60 },
      {
        conditions: [stuck],
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 0,
      },
    );
    const plan = planDeployment(d, [replicaSet('nginx:1', 1, 3, 0)], NOW);
    const cond = plan.status.conditions.find((c) => c.type === 'Progressing');
    expect(cond).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(plan.status.conditions.find((c) => c.type === 'Available')?.status).toBe('False');
  });

  it('a rolling update converges and never drops available pods below replicas − maxUnavailable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('0%', '25%', '50%', '100%')),
        fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('0%', '25%', '50%')),
        (n, maxSurge, maxUnavailable) => {
          const d = deployment(n, 'v2', {
            strategy: { rollingUpdate: { maxSurge, maxUnavailable } },
          });
          let sets = [replicaSet('v1', 1, n)];
          // maxSurge rounds up, maxUnavailable down; both zero means one may be unavailable
          const unavailableAllowed = ((): number => {
            const s =
              typeof maxSurge === 'number' ? maxSurge : Math.ceil((parseInt(maxSurge) * n) / 100);
            const u =
              typeof maxUnavailable === 'number'
                ? maxUnavailable
                : Math.floor((parseInt(maxUnavailable) * n) / 100);
            return s === 0 && u === 0 ? 1 : u;
          })();
          for (let step = 0; step < 200; step++) {
            const plan = planDeployment(d, sets, NOW);
            if (plan.create) {
              const created = replicaSet('v2', 2, plan.create.replicas, 0, 99);
              sets = [...sets, created];
            }
            for (const s of plan.scale) {
              const rs = sets.find((x) => x.metadata.name === s.name)!;
              rs.spec.replicas = s.to;
            }
            // the world catches up: pods of a shrunk set go at once; a grown set's new pods
            // become available one step later
            for (const rs of sets) {
              const have = rs.status.availableReplicas ?? 0;
              const next =
                have > rs.spec.replicas
                  ? rs.spec.replicas
                  : Math.min(rs.spec.replicas, have + (plan.create || plan.scale.length ? 0 : 1));
              rs.status = { replicas: next, readyReplicas: next, availableReplicas: next };
            }
            const available = sets.reduce((a, rs) => a + (rs.status.availableReplicas ?? 0), 0);
            expect(available).toBeGreaterThanOrEqual(n - unavailableAllowed);
            const newRs = sets.find((rs) => rs.metadata.uid === 'rs-v2');
            const old = sets.find((rs) => rs.metadata.uid === 'rs-v1')!;
            if (newRs && newRs.status.availableReplicas === n && old.status.replicas === 0) return;
          }
          throw new Error('the rollout did not finish');
        },
      ),
    );
  });
});
