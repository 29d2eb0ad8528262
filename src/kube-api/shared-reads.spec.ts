import { sharedRead, textOf } from './shared-reads';

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
    let release!: () => void;
    const slow = () =>
      new Promise<Array<{ n: number }>>((r) => (release = () => r([{ n: ++reads }])));
    const first = sharedRead('pods', slow);
    await new Promise((r) => setImmediate(r));
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
