import { decideReplicas, HpaPod, HpaTarget, metricReplicas, Recommendation } from './hpa-decision';

const pods = (n: number, usage: number | null, request = 0.1): HpaPod[] =>
  Array.from({ length: n }, () => ({ requestCores: request, usageCores: usage }));

describe('metricReplicas (Kubernetes calcPlainMetricReplicas)', () => {
  it.each([
    // name, current, pods, target %, replicas, utilisation
    ['1 pod at 90% of a 50% target: ceil(1 × 1.8) = 2', 1, pods(1, 0.09), 50, 2, 90],
    ['4 pods at 90%: ceil(4 × 1.8) = 8', 4, pods(4, 0.09), 50, 8, 90],
    ['3 pods at 20%: ceil(3 × 0.4) = 2', 3, pods(3, 0.02), 50, 2, 20],
    ['within tolerance, 54% of 50 (ratio 1.08): unchanged', 3, pods(3, 0.054), 50, 3, 54],
    ['just outside, 56% (ratio 1.12): ceil(3 × 1.12) = 4', 3, pods(3, 0.056), 50, 4, 56],
    ['no samples: unchanged, no utilisation', 2, pods(2, null), 50, 2, null],
    [
      // 2 measured at 90%, 2 missing counted idle: (0.18 + 0) / 0.4 = 45% → ratio 0.9: within tolerance
      'up with missing pods counted idle: the move shrinks to none',
      4,
      [...pods(2, 0.09), ...pods(2, null)],
      50,
      4,
      90,
    ],
    [
      // 1 measured at 200%, 1 missing at 0: (0.2 + 0) / 0.2 = 100% → ratio 2: ceil(2 × 2) = 4
      'up with a missing pod counted idle',
      2,
      [...pods(1, 0.2), ...pods(1, null)],
      50,
      4,
      200,
    ],
    [
      // 1 measured at 10%, 1 missing at target 50%: (0.01 + 0.05) / 0.2 = 30% → 0.6: ceil(2 × 0.6) = 2
      'down with a missing pod counted at target',
      2,
      [...pods(1, 0.01), ...pods(1, null)],
      50,
      2,
      10,
    ],
    [
      'mixed requests: (0.3 + 0.1) / (0.5 + 0.5) = 40% of 80 → ceil(2 × 0.5) = 1',
      2,
      [
        { requestCores: 0.5, usageCores: 0.3 },
        { requestCores: 0.5, usageCores: 0.1 },
      ],
      80,
      1,
      40,
    ],
  ] as const)('%s', (_name, current, list, target, replicas, utilization) => {
    expect(metricReplicas(current, list, target)).toEqual({ replicas, utilization });
  });
});

describe('decideReplicas', () => {
  const T = 1_000_000;
  const target: HpaTarget = {
    minReplicas: 1,
    maxReplicas: 5,
    targetUtilization: 50,
    scaleDownWindowMs: 300_000,
    scaleUpWindowMs: 0,
  };
  const rec = (agoS: number, replicas: number): Recommendation => ({
    atMs: T - agoS * 1000,
    replicas,
  });

  it.each([
    // name, current, pods, history, desired, reason, limited
    ['scales out at 90% of 50%', 1, pods(1, 0.09), [], 2, 'Scaled', false],
    ['up to its max, no further: ceil(4 × 1.8) = 8 → 5', 4, pods(4, 0.09), [], 5, 'Scaled', true],
    ['at its max and still hot: stays', 5, pods(5, 0.09), [], 5, 'Scaled', true],
    ['within tolerance: stays', 3, pods(3, 0.05), [], 3, 'WithinTolerance', false],
    [
      'down, but the window remembers 4 from a minute ago',
      4,
      pods(4, 0.01),
      [rec(60, 4)],
      4,
      'ScaleDownStabilized',
      false,
    ],
    [
      'down to the highest of the window: 3 of 2 minutes ago (6 min ago forgotten)',
      4,
      pods(4, 0.01),
      [rec(360, 5), rec(120, 3)],
      3,
      'ScaleDownStabilized',
      false,
    ],
    [
      'down once the window holds nothing higher: ceil(4 × 0.2) = 1',
      4,
      pods(4, 0.01),
      [rec(400, 4)],
      1,
      'Scaled',
      false,
    ],
    ['never below min', 2, pods(2, 0.001), [], 1, 'Scaled', false],
    ['above max by hand: brought to max', 8, pods(8, 0.05), [], 5, 'TooManyReplicas', true],
    ['below min by hand: brought to min', 0, [], [], 0, 'ScalingDisabled', false],
    ['no samples yet: left as it is', 2, pods(2, null), [], 2, 'NoMetrics', false],
  ] as const)('%s', (_name, current, list, history, desired, reason, limited) => {
    const d = decideReplicas(target, current, list, history, T);
    expect([d.desiredReplicas, d.reason, d.limited]).toEqual([desired, reason, limited]);
  });

  it('raises min when asked to: 1 replica under a min of 2 becomes 2', () => {
    expect(decideReplicas({ ...target, minReplicas: 2 }, 1, pods(1, 0.05), [], T)).toMatchObject({
      desiredReplicas: 2,
      reason: 'TooFewReplicas',
    });
  });

  it('keeps its recommendations for the window and reports utilisation', () => {
    const d = decideReplicas(target, 2, pods(2, 0.09), [rec(400, 1), rec(10, 2)], T);
    expect(d.currentUtilization).toBe(90);
    expect(d.recommendations).toEqual([rec(10, 2), { atMs: T, replicas: 4 }]);
  });

  it('a scale-up window holds the lowest recommendation of its span', () => {
    const d = decideReplicas(
      { ...target, scaleUpWindowMs: 60_000 },
      2,
      pods(2, 0.09),
      [rec(30, 2)],
      T,
    );
    expect([d.desiredReplicas, d.reason]).toEqual([2, 'ScaleUpStabilized']);
  });
});
