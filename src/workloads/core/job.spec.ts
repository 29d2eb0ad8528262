import { failureBackoffMs, planJob } from './job';
import { JobView, PodView } from './types';

const NOW = 1_000_000_000;
const job = (spec: Partial<JobView['spec']> = {}, status: JobView['status'] = {}): JobView => ({
  metadata: {
    name: 'pi',
    namespace: 'default',
    uid: 'job-1',
    generation: 1,
    labels: {},
    annotations: {},
    ownerReferences: [],
    createdAt: 0,
    deleting: false,
  },
  spec: {
    completions: 1,
    parallelism: 1,
    backoffLimit: 6,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-1' } },
    template: { spec: {} },
    ...spec,
  },
  status,
});
const ours = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-1', controller: true }];
const pod = (name: string, phase: PodView['phase'], extra: Partial<PodView> = {}): PodView => ({
  name,
  labels: {},
  ownerReferences: ours,
  phase,
  nodeName: 'n1',
  ready: phase === 'Running',
  readySince: null,
  restartCount: 0,
  createdAt: 0,
  finishedAt: phase === 'Succeeded' || phase === 'Failed' ? 0 : null,
  deleting: false,
  ...extra,
});
const pods = (counts: { run?: number; ok?: number; fail?: number }) => [
  ...Array.from({ length: counts.run ?? 0 }, (_, i) => pod(`r${i}`, 'Running')),
  ...Array.from({ length: counts.ok ?? 0 }, (_, i) => pod(`s${i}`, 'Succeeded')),
  ...Array.from({ length: counts.fail ?? 0 }, (_, i) => pod(`f${i}`, 'Failed')),
];

describe('planJob: how many pods to start', () => {
  it.each([
    // completions, parallelism, running, succeeded → create
    // nothing yet: parallelism at once, never more than the completions missing
    [3, 2, 0, 0, 2],
    [3, 5, 0, 0, 3],
    // one done, one running: 2 missing, 1 running → one more
    [3, 2, 1, 1, 1],
    // two done, one running: that one is the last missing
    [3, 2, 1, 2, 0],
    // parallelism already running
    [5, 2, 2, 0, 0],
    [1, 1, 0, 0, 1],
  ])(
    'completions %s parallelism %s, %s running and %s succeeded → create %s',
    (completions, parallelism, run, ok, create) => {
      const plan = planJob(job({ completions, parallelism }), pods({ run, ok }), NOW, 'Never');
      expect(plan.create).toBe(create);
      expect(plan.delete).toEqual([]);
      expect(plan.finished).toBeNull();
      expect(plan.status.active).toBe(run + create);
    },
  );

  it('a lowered parallelism deletes the surplus, not-ready pods first', () => {
    const plan = planJob(
      job({ completions: 5, parallelism: 1 }),
      [pod('a', 'Running'), pod('b', 'Running', { ready: false }), pod('c', 'Running')],
      NOW,
      'Never',
    );
    expect(plan.create).toBe(0);
    expect(plan.delete.map((p) => p.name)).toEqual(['b', 'a']);
  });

  it('a work queue (no completions) runs parallelism pods and makes no more after a success', () => {
    expect(planJob(job({ completions: null, parallelism: 3 }), [], NOW, 'Never').create).toBe(3);
    const after = planJob(
      job({ completions: null, parallelism: 3 }),
      pods({ run: 1, ok: 1 }),
      NOW,
      'Never',
    );
    expect(after.create).toBe(0);
    expect(after.finished).toBeNull();
    const done = planJob(job({ completions: null, parallelism: 3 }), pods({ ok: 1 }), NOW, 'Never');
    expect(done.finished?.type).toBe('Complete');
  });

  it('a suspended Job starts nothing and has no start time', () => {
    const plan = planJob(job({ suspend: true }), [], NOW, 'Never');
    expect(plan.create).toBe(0);
    expect(plan.status.startTime).toBeUndefined();
  });

  it('ignores pods another controller owns', () => {
    const theirs = pod('x', 'Succeeded', {
      ownerReferences: [{ ...ours[0], uid: 'other' }],
    });
    const plan = planJob(job(), [theirs], NOW, 'Never');
    expect(plan.create).toBe(1);
    expect(plan.status.succeeded).toBe(0);
  });
});

describe('planJob: finishing', () => {
  it('completions succeeded: Complete, with a completion time and the counts', () => {
    const plan = planJob(
      job({ completions: 3, parallelism: 2 }, { startTime: new Date(NOW - 5000).toISOString() }),
      pods({ ok: 3, fail: 1 }),
      NOW,
      'Never',
    );
    expect(plan.finished).toEqual({
      type: 'Complete',
      reason: 'Completed',
      message: 'Job completed',
    });
    expect(plan.create).toBe(0);
    expect(plan.status).toMatchObject({ succeeded: 3, failed: 1, active: 0 });
    expect(plan.status.completionTime).toBe(new Date(NOW).toISOString());
    // Kubernetes 1.31+: SuccessCriteriaMet first, then Complete, with the same reason
    const completed = {
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
    };
    expect(plan.status.conditions).toEqual([
      expect.objectContaining({ type: 'SuccessCriteriaMet', ...completed }),
      expect.objectContaining({ type: 'Complete', ...completed }),
    ]);
  });

  it.each([
    // backoffLimit, failed pods → fails?
    [1, 1, false],
    [1, 2, true],
    [0, 1, true],
    [6, 6, false],
    [6, 7, true],
  ])('backoffLimit %s with %s failed pods (Never) → failed: %s', (backoffLimit, fail, fails) => {
    const plan = planJob(job({ backoffLimit }), pods({ fail }), NOW, 'Never');
    expect(plan.finished?.reason === 'BackoffLimitExceeded').toBe(fails);
    if (fails) {
      const failed = {
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      };
      expect(plan.status.conditions).toEqual([
        expect.objectContaining({ type: 'FailureTarget', ...failed }),
        expect.objectContaining({ type: 'Failed', ...failed }),
      ]);
    }
  });

  it.each([
    // backoffLimit, restarts of the running pod (OnFailure) → fails?
    [2, 1, false],
    [2, 2, true],
    [0, 1, true],
    [0, 0, false],
  ])(
    'backoffLimit %s with %s restarts (OnFailure) → failed: %s',
    (backoffLimit, restartCount, fails) => {
      const plan = planJob(
        job({ backoffLimit }),
        [pod('a', 'Running', { restartCount })],
        NOW,
        'OnFailure',
      );
      expect(plan.finished?.reason === 'BackoffLimitExceeded').toBe(fails);
      // a failed Job deletes its running pods and counts them failed
      if (fails) {
        expect(plan.delete.map((p) => p.name)).toEqual(['a']);
        expect(plan.status).toMatchObject({ active: 0, failed: 1 });
      }
    },
  );

  it.each([
    // activeDeadlineSeconds, seconds since start → DeadlineExceeded?
    [10, 9, false],
    [10, 10, true],
    [1, 30, true],
  ])('activeDeadlineSeconds %s, started %ss ago → deadline exceeded: %s', (deadline, ago, over) => {
    const plan = planJob(
      job(
        { activeDeadlineSeconds: deadline },
        { startTime: new Date(NOW - ago * 1000).toISOString() },
      ),
      pods({ run: 1 }),
      NOW,
      'Never',
    );
    expect(plan.finished?.reason === 'DeadlineExceeded').toBe(over);
    expect(plan.delete).toHaveLength(over ? 1 : 0);
  });

  it('a finished Job makes nothing, deletes what still runs and keeps its counts', () => {
    const finished = {
      startTime: new Date(0).toISOString(),
      completionTime: new Date(1).toISOString(),
      succeeded: 3,
      failed: 0,
      active: 0,
      conditions: [
        {
          type: 'Complete' as const,
          status: 'True' as const,
          lastProbeTime: '',
          lastTransitionTime: '',
        },
      ],
    };
    const plan = planJob(job({ completions: 3 }, finished), pods({ ok: 1, run: 1 }), NOW, 'Never');
    expect(plan.create).toBe(0);
    expect(plan.finished).toBeNull();
    expect(plan.delete).toHaveLength(1);
    expect(plan.status).toMatchObject({ succeeded: 3, active: 0 });
  });
});

describe('planJob: counts that only grow', () => {
  it('a succeeded pod deleted before the Job is done still counts: no extra pod is made', () => {
    const first = planJob(
      job({ completions: 2, parallelism: 2 }),
      [pod('a', 'Succeeded'), pod('b', 'Running')],
      NOW,
      'Never',
    );
    expect(first.status).toMatchObject({ succeeded: 1, active: 1 });
    expect(first.create).toBe(0);
    // the user deletes the finished pod: the next sync keeps the count and starts nothing
    const next = planJob(
      job({ completions: 2, parallelism: 2 }, first.status),
      [pod('b', 'Running')],
      NOW,
      'Never',
    );
    expect(next.status).toMatchObject({ succeeded: 1, active: 1 });
    expect(next.create).toBe(0);
    // and the Job completes with the second
    const done = planJob(
      job({ completions: 2, parallelism: 2 }, next.status),
      [pod('b', 'Succeeded')],
      NOW,
      'Never',
    );
    expect(done.finished?.type).toBe('Complete');
    expect(done.status).toMatchObject({ succeeded: 2 });
  });

  it('a pod is counted once however many syncs see it, and deleted failures keep the back-off count', () => {
    let status = planJob(job({ backoffLimit: 2 }), [pod('f1', 'Failed')], NOW, 'Never').status;
    status = planJob(job({ backoffLimit: 2 }, status), [pod('f1', 'Failed')], NOW, 'Never').status;
    expect(status.failed).toBe(1);
    status = planJob(job({ backoffLimit: 2 }, status), [pod('f2', 'Failed')], NOW, 'Never').status;
    expect(status.failed).toBe(2);
    const over = planJob(job({ backoffLimit: 2 }, status), [pod('f3', 'Failed')], NOW, 'Never');
    expect(over.finished?.reason).toBe('BackoffLimitExceeded');
    expect(over.status.failed).toBe(3);
  });

  it('a status written before the bookkeeping counts the pods that exist, as then', () => {
    const plan = planJob(
      job({ completions: 3 }, { succeeded: 1, failed: 0, active: 1 }),
      [pod('a', 'Succeeded'), pod('b', 'Running')],
      NOW,
      'Never',
    );
    expect(plan.status).toMatchObject({ succeeded: 1, counted: ['a'] });
  });
});

describe('planJob: failure back-off', () => {
  it.each([
    // failures → wait (ms): 10 s doubling, at most 10 min
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [20, 600_000],
  ])('%s failures → %s ms', (failures, ms) => {
    expect(failureBackoffMs(failures)).toBe(ms);
  });

  it('holds the replacement of a failed pod until its back-off has passed', () => {
    const failed = [pod('f', 'Failed', { finishedAt: NOW - 4000 })];
    const held = planJob(job(), failed, NOW, 'Never');
    expect(held.create).toBe(0);
    expect(held.retryAt).toBe(NOW + 6000);
    const due = planJob(job(), failed, NOW + 6000, 'Never');
    expect(due.create).toBe(1);
    expect(due.retryAt).toBeNull();
  });
});
