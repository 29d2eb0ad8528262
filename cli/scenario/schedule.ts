import { mulberry32 } from '../random';
import type { Step } from './scenario';

/** One run of a step: a step with `every`/`times` runs several times. */
export interface Occurrence {
  step: Step;
  /** 1-based, of step.times */
  repeat: number;
  /** when it is due, in ms from the start (jitter included) */
  dueMs: number;
}

/**
 * Every run of every step, in the order they are due: `at` (from the start),
 * plus `every` per repeat, plus a jitter drawn from [0, jitter] by the seeded
 * PRNG, so one seed gives the same timeline each time. Equal times keep file order.
 */
export function planSteps(steps: Step[], seed: number): Occurrence[] {
  const random = mulberry32(seed);
  const plan: Occurrence[] = [];
  for (const step of steps) {
    for (let repeat = 1; repeat <= step.times; repeat++) {
      const jitter = step.jitterMs > 0 ? Math.round(random() * step.jitterMs) : 0;
      plan.push({ step, repeat, dueMs: step.atMs + (repeat - 1) * (step.everyMs ?? 0) + jitter });
    }
  }
  // Array.prototype.sort is stable: same-time runs stay in file order
  return plan.sort((a, b) => a.dueMs - b.dueMs);
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Plays a plan one run after the other: each waits until it is due (a run that
 * is late, because an earlier one took long, goes at once). `execute` returns
 * false to stop the scenario there.
 */
export async function runPlan(
  plan: Occurrence[],
  clock: Clock,
  execute: (run: Occurrence, startedMs: number) => Promise<boolean>,
): Promise<void> {
  const start = clock.now();
  for (const run of plan) {
    const wait = start + run.dueMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
    if (!(await execute(run, clock.now() - start))) return;
  }
}
