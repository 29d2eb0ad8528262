import { FailureThrottle } from './failure-throttle';

describe('FailureThrottle', () => {
  let now = 0;
  const throttle = (maxEntries = 100) =>
    new FailureThrottle({ limit: 3, windowMs: 1000, blockMs: 5000, maxEntries, now: () => now });

  beforeEach(() => (now = 0));

  it('blocks a key after `limit` failures in a window, for blockMs', () => {
    const t = throttle();
    expect([t.fail('a'), t.fail('a'), t.fail('a')]).toEqual([0, 0, 0]);
    expect(t.fail('a')).toBe(5000); // the fourth failure
    expect(t.blockedFor('b')).toBe(0);
    now = 4000;
    expect(t.blockedFor('a')).toBe(1000);
    now = 5000;
    expect(t.blockedFor('a')).toBe(0);
    // a new window starts afresh
    expect(t.fail('a')).toBe(0);
  });

  it('forgets failures whose window passed', () => {
    const t = throttle();
    t.fail('a');
    t.fail('a');
    t.fail('a');
    now = 1000;
    expect(t.fail('a')).toBe(0);
  });

  it('never holds more than maxEntries keys', () => {
    const t = throttle(50);
    for (let i = 0; i < 10_000; i++) t.fail(`k${i}`);
    expect(t.size).toBe(50);
    // expired entries go first
    now = 2000;
    t.fail('fresh');
    expect(t.size).toBe(1);
  });
});
