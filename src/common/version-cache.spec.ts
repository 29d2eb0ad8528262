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

describe('VersionCache.lookup with keep', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, version: 'v' }));

  it('keeps what fits of a list heavier than its bound, so the list read again finds that much', () => {
    const cache = new VersionCache(3, () => 1);
    const first = cache.lookup(rows(5));
    for (const { id, version } of rows(5)) first.keep(id, version, `pod ${id}`);
    // the first three stay: none was pushed out by the rest of its own list
    expect(cache.size.entries).toBe(3);
    const again = cache.lookup(rows(5));
    expect(again.found).toEqual(['pod 1', 'pod 2', 'pod 3', undefined, undefined]);
    expect([...again.missing.keys()]).toEqual([4, 5]);
    // and keeping the two missing ones again takes out none of the three found
    for (const id of [4, 5]) again.keep(id, 'v', `pod ${id}`);
    expect(cache.lookup(rows(3)).found).toEqual(['pod 1', 'pod 2', 'pod 3']);
  });

  it('makes room with entries another lookup used, the least recently used first', () => {
    const cache = new VersionCache(3, () => 1);
    const old = cache.lookup(rows(3));
    for (const { id } of rows(3)) old.keep(id, 'v', `old ${id}`);
    cache.get(1, 'v'); // 2 is now the least recently used
    const other = cache.lookup([{ id: 9, version: 'v' }]);
    other.keep(9, 'v', 'new');
    expect(cache.get(2, 'v')).toBeUndefined();
    expect([cache.get(1, 'v'), cache.get(3, 'v'), cache.get(9, 'v')]).toEqual([
      'old 1',
      'old 3',
      'new',
    ]);
  });
});
