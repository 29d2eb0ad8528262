import {
  cpuCores,
  memoryMiB,
  parseUsageProfile,
  usageAnnotationProblems,
  usageAt,
} from './usage-profile';

describe('cpuCores', () => {
  it.each([
    ['900m', 0.9],
    ['0.5', 0.5],
    ['2', 2],
    ['.25', 0.25],
    ['1500000n', 0.0015],
    ['250000u', 0.25],
  ])('%s is %d cores', (text, cores) => expect(cpuCores(text)).toBeCloseTo(cores, 9));

  it.each(['', 'm', '-1', '1Gi', '1 core', '2e3', 'abc'])('%j is not a quantity', (text) =>
    expect(cpuCores(text)).toBeNull(),
  );
});

describe('memoryMiB', () => {
  it.each([
    ['300Mi', 300],
    ['1Gi', 1024],
    ['512Ki', 0.5],
    ['1048576', 1], // bytes
    ['1M', 1e6 / 1048576],
    ['2G', 2e9 / 1048576],
  ])('%s is %d MiB', (text, mib) => expect(memoryMiB(text)).toBeCloseTo(mib, 9));

  it.each(['', 'Mi', '300m', '-5Mi', '1Pi', 'lots'])('%j is not a quantity', (text) =>
    expect(memoryMiB(text)).toBeNull(),
  );
});

describe('parseUsageProfile', () => {
  it.each([
    ['900m', 'cpu', { low: 0.9, high: 0.9, periodMs: 0 }],
    ['200m..900m/60s', 'cpu', { low: 0.2, high: 0.9, periodMs: 60_000 }],
    ['1..2/5m', 'cpu', { low: 1, high: 2, periodMs: 300_000 }],
    ['300Mi', 'memory', { low: 300, high: 300, periodMs: 0 }],
    ['100Mi..1Gi/1h', 'memory', { low: 100, high: 1024, periodMs: 3_600_000 }],
    ['500m..500m/1500ms', 'cpu', { low: 0.5, high: 0.5, periodMs: 1500 }],
  ] as const)('%s (%s)', (text, kind, profile) => {
    const parsed = parseUsageProfile(text, kind);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.low).toBeCloseTo(profile.low, 9);
    expect(parsed.value.high).toBeCloseTo(profile.high, 9);
    expect(parsed.value.periodMs).toBe(profile.periodMs);
  });

  it.each([
    ['lots', 'cpu', 'is not a cpu quantity'],
    ['300Mi', 'cpu', 'is not a cpu quantity'],
    ['900m..200m/60s', 'cpu', 'low bound above its high bound'],
    ['200m..900m', 'cpu', 'is not a cpu quantity'], // a wave needs its period
    ['200m..900m/0s', 'cpu', 'between 1s and 24h'],
    ['200m..900m/2d', 'cpu', 'between 1s and 24h'],
    ['1Gi..x/60s', 'memory', 'bound that is not a memory quantity'],
  ] as const)('%s (%s) is refused: %s', (text, kind, why) => {
    const parsed = parseUsageProfile(text, kind);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.reason).toContain(why);
      expect(parsed.reason).toContain('expected');
    }
  });
});

describe('usageAt', () => {
  const wave = { low: 0.2, high: 1, periodMs: 60_000 };
  it.each([
    [0, 0.2], // starts low
    [15_000, 0.6], // a quarter period: halfway, (1 - cos(π/2)) / 2 = 0.5
    [30_000, 1], // half a period: high
    [45_000, 0.6],
    [60_000, 0.2], // a full period: low again
    [-5_000, 0.2], // before its start: as at its start
  ])('%d ms into a 200m..1/60s wave: %d', (ms, use) =>
    expect(usageAt(wave, ms)).toBeCloseTo(use, 9),
  );

  it('a constant profile is its value at any time', () => {
    expect(usageAt({ low: 0.9, high: 0.9, periodMs: 0 }, 123_456)).toBe(0.9);
  });
});

describe('usageAnnotationProblems', () => {
  it('names each annotation that does not parse', () => {
    expect(
      usageAnnotationProblems({
        'kubesim.io/cpu-usage': 'fast',
        'kubesim.io/memory-usage': '300Mi',
        other: 'x',
      }),
    ).toEqual([expect.stringMatching(/^kubesim\.io\/cpu-usage: "fast" is not a cpu quantity/)]);
    expect(usageAnnotationProblems(undefined)).toEqual([]);
  });
});
