import { VersionCache } from './version-cache';

const chars = (s: string) => s.length;

describe('VersionCache', () => {
  it('gives back a value only for the version it was made from', () => {
    const cache = new VersionCache(1024, chars);
    cache.set(1, 'v1', '{"id":1}');
    expect(cache.get(1, 'v1')).toBe('{"id":1}');
    expect(cache.get(1, 'v2')).toBeUndefined();
    expect(cache.get(2, 'v1')).toBeUndefined();
    cache.set(1, 'v2', '{"id":1,"x":2}');
    expect(cache.get(1, 'v1')).toBeUndefined();
    expect(cache.get(1, 'v2')).toBe('{"id":1,"x":2}');
    expect(cache.size).toEqual({ entries: 1, weight: '{"id":1,"x":2}'.length });
  });

  it('uses an entry no longer than its age allows, whatever the version', () => {
    let now = 1_000;
    const cache = new VersionCache(1_000, chars, 60_000, () => now);
    cache.set(1, 'v1', 'a');
    now += 59_999;
    expect(cache.get(1, 'v1')).toBe('a');
    now += 1;
    expect(cache.get(1, 'v1')).toBeUndefined();
    // the reader's clock, read once for a page
    expect(cache.get(1, 'v1', now - 1)).toBe('a');
  });

  it('keeps its text under its bound, the least recently used going first', () => {
    const cache = new VersionCache(10, chars);
    cache.set(1, 'v', 'aaaa');
    cache.set(2, 'v', 'bbbb');
    expect(cache.get(1, 'v')).toBe('aaaa'); // 2 is now the least recently used
    cache.set(3, 'v', 'cccc');
    expect(cache.get(2, 'v')).toBeUndefined();
    expect(cache.get(1, 'v')).toBe('aaaa');
    expect(cache.get(3, 'v')).toBe('cccc');
    expect(cache.size).toEqual({ entries: 2, weight: 8 });
    // one value heavier than the bound is not kept, and takes nothing else out
    cache.set(4, 'v', 'x'.repeat(11));
    expect(cache.get(4, 'v')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 2, weight: 8 });
    // a value made again replaces its entry, which no longer counts
    cache.set(1, 'w', 'a');
    expect(cache.size).toEqual({ entries: 2, weight: 5 });
  });
});

describe('VersionCache.lookup', () => {
  it('gives what it keeps at each row version, in order, and where each row not kept stands', () => {
    const cache = new VersionCache(1024, chars);
    cache.set(1, 'v1', 'one');
    cache.set(3, 'v3', 'three');
    const { found, missing } = cache.lookup([
      { id: 1, version: 'v1' },
      { id: 2, version: 'v2' },
      { id: 3, version: 'v9' },
    ]);
    expect(found).toEqual(['one', undefined, undefined]);
    expect([...missing]).toEqual([
      [2, 1],
      [3, 2],
    ]);
  });
});
