import type { Step } from './scenario';
import { type Clock, planSteps, runPlan } from './schedule';

const step = (index: number, fields: Partial<Step>): Step => ({
  index,
  line: index,
  atMs: 0,
  times: 1,
  jitterMs: 0,
  action: { kind: 'wait', ms: 0 },
  ...fields,
});

/** Time moves only when the code under test sleeps, or a step takes time. */
class FakeClock implements Clock {
  t = 1_000_000;
  now = () => this.t;
  sleep = async (ms: number) => {
    this.t += ms;
  };
}

describe('planSteps', () => {
  it('orders runs by `at`, repeats `every` x `times`, file order for ties', () => {
    const plan = planSteps(
      [
        step(1, { atMs: 3000 }),
        step(2, { atMs: 1000, everyMs: 1000, times: 3 }),
        step(3, { atMs: 2000 }),
      ],
      1,
    );
    expect(plan.map((r) => [r.step.index, r.repeat, r.dueMs])).toEqual([
      [2, 1, 1000],
      [2, 2, 2000],
      [3, 1, 2000],
      [1, 1, 3000],
      [2, 3, 3000],
    ]);
  });

  it('draws jitter within [0, jitter] from the seed: same seed, same timeline', () => {
    const steps = [step(1, { atMs: 1000, everyMs: 10000, times: 20, jitterMs: 2000 })];
    const a = planSteps(steps, 42).map((r) => r.dueMs);
    expect(planSteps(steps, 42).map((r) => r.dueMs)).toEqual(a);
    expect(planSteps(steps, 43).map((r) => r.dueMs)).not.toEqual(a);
    a.forEach((due, i) => {
      expect(due - (1000 + i * 10000)).toBeGreaterThanOrEqual(0);
      expect(due - (1000 + i * 10000)).toBeLessThanOrEqual(2000);
    });
    // not all the same offset: it is random
    expect(new Set(a.map((due, i) => due - i * 10000)).size).toBeGreaterThan(1);
  });
});

describe('runPlan with a fake clock', () => {
  it('runs each step when due; a late one goes at once; false stops the run', async () => {
    const clock = new FakeClock();
    const started: Array<[number, number]> = [];
    const plan = planSteps(
      [
        step(1, { atMs: 0 }),
        step(2, { atMs: 2000 }),
        step(3, { atMs: 2500 }),
        step(4, { atMs: 9000 }),
        step(5, { atMs: 9500 }),
      ],
      1,
    );
    await runPlan(plan, clock, async (run, at) => {
      started.push([run.step.index, at]);
      if (run.step.index === 2) clock.t += 4000; // a slow step (an expect that polls)
      return run.step.index !== 4;
    });
    expect(started).toEqual([
      [1, 0],
      [2, 2000],
      [3, 6000],
      [4, 9000],
    ]);
  });
});
