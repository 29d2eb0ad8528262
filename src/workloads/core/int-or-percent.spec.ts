import { IntOrPercentError, resolveFenceposts, scaledValue } from './int-or-percent';

describe('scaledValue', () => {
  it.each([
    [2, 10, true, 2],
    // 25% of 10 = 2.5 → up 3, down 2
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['100%', 3, false, 3],
    ['0%', 7, true, 0],
    ['3', 7, true, 3],
  ] as const)('%s of %s (round up %s) is %s', (value, total, up, expected) => {
    expect(scaledValue(value, total, up)).toBe(expected);
  });

  it.each(['abc', '-1%', '1.5'])('refuses %s', (value) => {
    expect(() => scaledValue(value, 10, true)).toThrow(IntOrPercentError);
  });
});

describe('resolveFenceposts', () => {
  it.each([
    // defaults 25%/25% of 4 → 1/1
    [undefined, undefined, 4, 1, 1],
    // 25% of 3: surge up to 1, unavailable down to 0
    [undefined, undefined, 3, 1, 0],
    // both zero would never move: unavailable becomes 1
    [0, 0, 3, 0, 1],
    ['50%', '50%', 5, 3, 2],
  ] as const)('maxSurge %s maxUnavailable %s of %s → %s/%s', (s, u, n, surge, unavailable) => {
    expect(resolveFenceposts(s, u, n)).toEqual({ surge, unavailable });
  });
});
