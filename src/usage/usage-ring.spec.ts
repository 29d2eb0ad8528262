import { UsageRing } from './usage-ring';

const fill = (ring: UsageRing, n: number, from = 1) => {
  for (let i = from; i < from + n; i++) ring.push(i * 1000, i / 10, i * 2);
};
const times = (ring: UsageRing, limit?: number) => ring.points(limit).map((p) => p.timeMs / 1000);

describe('UsageRing', () => {
  it.each([
    // capacity, pushed, the samples held (by their second)
    [3, 0, []],
    [3, 2, [1, 2]],
    [3, 3, [1, 2, 3]],
    [3, 5, [3, 4, 5]], // the two oldest dropped
    [20, 25, [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]], // grown 8 → 16 → 20, then wrapping
    [1, 4, [4]],
  ])('capacity %d after %d samples holds %j', (capacity, pushed, held) => {
    const ring = new UsageRing(capacity);
    fill(ring, pushed);
    expect(times(ring)).toEqual(held);
    expect(ring.size).toBe(held.length);
  });

  it('keeps order across growing while wrapped', () => {
    const ring = new UsageRing(16);
    fill(ring, 8); // full at its first room of 8
    fill(ring, 5, 9); // grows to 16 on the 9th
    expect(times(ring)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('answers the latest sample and the last N, values as pushed to the thousandth', () => {
    const ring = new UsageRing(10);
    expect(ring.latest()).toBeUndefined();
    fill(ring, 4);
    expect(ring.latest()).toEqual({ timeMs: 4000, cpu: 0.4, memory: 8 });
    expect(times(ring, 2)).toEqual([3, 4]);
    expect(times(ring, 0)).toEqual([]);
    expect(times(ring, 99)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a capacity below one', () => {
    expect(() => new UsageRing(0)).toThrow(RangeError);
  });
});

describe('UsageRing times', () => {
  it('keeps times to the ms across a rebase past 49 days', () => {
    const ring = new UsageRing(4);
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    ring.push(t0, 1, 1);
    ring.push(t0 + 1234, 2, 2);
    const later = t0 + 60 * 86_400_000; // 60 days on: beyond a Uint32 of ms
    ring.push(later, 3, 3);
    const times = ring.points().map((p) => p.timeMs);
    expect(times[2]).toBe(later);
    // the two old ones lie before the new base: they read as its start, in order
    expect(times[0]).toBeLessThanOrEqual(times[1]);
    expect(times[1]).toBeLessThan(later);
  });
});
