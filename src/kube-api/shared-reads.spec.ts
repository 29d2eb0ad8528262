import { recentOf, sharedRead, textOf } from './shared-reads';

describe('sharedRead', () => {
  it('watches asking in the same turn share one read; one asking once it started gets a new one', async () => {
    let reads = 0;
    const read = async () => [{ n: ++reads }];
    const [a, b] = await Promise.all([sharedRead('pods', read), sharedRead('pods', read)]);
    expect(reads).toBe(1);
    expect(a).toBe(b);
    // another key is another read
    await sharedRead('nodes', read);
    expect(reads).toBe(2);
    // once a read has started, a new ask waits for a read of its own (nothing older than the news)
    let release: (() => void) | undefined;
    const slow = () =>
      new Promise<Array<{ n: number }>>((r) => (release = () => r([{ n: ++reads }])));
    const first = sharedRead('pods', slow);
    // (paced after the last read of the key: it starts after as long as that one took)
    while (!release) await new Promise((r) => setTimeout(r, 1));
    const second = sharedRead('pods', read);
    release();
    expect((await first)[0].n).not.toBe((await second)[0].n);
  });

  it('a failed read fails every watch that shared it, and the next ask reads again', async () => {
    let calls = 0;
    const failing = async (): Promise<never[]> => {
      calls++;
      throw new Error('database down');
    };
    const results = await Promise.allSettled([sharedRead('k', failing), sharedRead('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(sharedRead('k', async () => [1])).resolves.toEqual([1]);
  });
});

describe('sharedRead pacing', () => {
  afterEach(() => jest.useRealTimers());

  it('the next read of a key starts no sooner than the last took after it ended', async () => {
    jest.useFakeTimers();
    const started: number[] = [];
    const slow = () => {
      started.push(Date.now());
      return new Promise<number[]>((r) => setTimeout(() => r([1]), 200));
    };
    const first = sharedRead('paced', slow);
    await jest.advanceTimersByTimeAsync(200);
    await first;
    const endedAt = Date.now();
    const second = sharedRead('paced', slow);
    await jest.advanceTimersByTimeAsync(150);
    expect(started).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(60);
    expect(started).toHaveLength(2);
    expect(started[1] - endedAt).toBeGreaterThanOrEqual(200);
    await jest.advanceTimersByTimeAsync(200);
    await second;
    // a quick read is followed at once
    const quick = async () => {
      started.push(Date.now());
      return [2];
    };
    await jest.advanceTimersByTimeAsync(400);
    const q1 = sharedRead('quick', quick);
    await jest.advanceTimersByTimeAsync(1);
    await q1;
    const q2 = sharedRead('quick', quick);
    await jest.advanceTimersByTimeAsync(1);
    await q2;
    expect(started[3] - started[2]).toBeLessThanOrEqual(2);
  });
});

describe('textOf', () => {
  it('makes each text of an object once, per kind of text', () => {
    const object = { a: 1 };
    let made = 0;
    const make = () => `${++made}`;
    expect(textOf(object, 'signature', make)).toBe('1');
    expect(textOf(object, 'signature', make)).toBe('1');
    expect(textOf(object, 'Table/Metadata', make)).toBe('2');
    expect(textOf({ a: 1 }, 'signature', make)).toBe('3');
  });
});

describe('recentOf', () => {
  it('makes a text again once it is as old as it may be, per object and kind', () => {
    const object = { a: 1 };
    let made = 0;
    const make = () => `${++made}`;
    expect(recentOf(object, 'Table/Metadata', 1000, make, 5_000)).toBe('1');
    expect(recentOf(object, 'Table/Metadata', 1000, make, 5_999)).toBe('1');
    expect(recentOf(object, 'Table/None', 1000, make, 5_999)).toBe('2');
    expect(recentOf(object, 'Table/Metadata', 1000, make, 6_000)).toBe('3');
    expect(recentOf(object, 'Table/Metadata', 1000, make, 6_500)).toBe('3');
  });
});
