import { GroupCommitQueue } from './group-commit-queue';

/** A statement that can be held open, as a slow commit is, so that writes queue behind it. */
class FakeStatement {
  batches: string[][] = [];
  /** items that make the whole statement fail */
  poison = new Set<string>();
  private release: (() => void) | null = null;
  private held: Promise<void> | null = null;

  hold(): void {
    this.held = new Promise((r) => (this.release = r));
  }

  open(): void {
    this.release?.();
    this.held = null;
  }

  write = async (items: string[]): Promise<string[]> => {
    this.batches.push(items);
    const held = this.held;
    if (held) await held;
    if (items.some((i) => this.poison.has(i))) throw new Error(`statement broke on ${items}`);
    return items.map((i) => `${i}:ok`);
  };
}

const settle = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: Error) => ({ err: e.message }),
  );
const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommitQueue', () => {
  it('writes a lone item at once, alone', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 10 });
    await expect(queue.submit('a')).resolves.toBe('a:ok');
    expect(statement.batches).toEqual([['a']]);
  });

  it('gathers what arrives during a write into the next batch, in arrival order', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 10 });
    statement.hold();
    const first = queue.submit('a');
    const rest = ['b', 'c', 'd'].map((i) => queue.submit(i));
    await tick();
    expect(statement.batches).toEqual([['a']]);
    statement.open();
    expect(await Promise.all([first, ...rest])).toEqual(['a:ok', 'b:ok', 'c:ok', 'd:ok']);
    expect(statement.batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('answers no caller before its batch has committed', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 10 });
    statement.hold();
    let answered = false;
    const a = queue.submit('a').then(() => (answered = true));
    await tick();
    expect(answered).toBe(false);
    statement.open();
    await a;
    expect(answered).toBe(true);
  });

  it('splits a long queue into batches of maxBatch', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 2 });
    statement.hold();
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => queue.submit(i));
    statement.open();
    await Promise.all(all);
    expect(statement.batches).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
  });

  it('writes several batches at once when asked to', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 2, inFlight: 2 });
    statement.hold();
    const all = ['a', 'b', 'c'].map((i) => queue.submit(i));
    await tick();
    expect(statement.batches).toEqual([['a'], ['b']]);
    statement.open();
    await Promise.all(all);
    expect(statement.batches).toEqual([['a'], ['b'], ['c']]);
  });

  it('keeps two items of one key out of one batch: the later one waits for the next', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({
      write: statement.write,
      maxBatch: 10,
      key: (i: string) => i[0],
    });
    statement.hold();
    const all = ['x0', 'a1', 'b1', 'a2', 'c1', 'a3'].map((i) => queue.submit(i));
    statement.open();
    expect(await Promise.all(all)).toEqual(['x0:ok', 'a1:ok', 'b1:ok', 'a2:ok', 'c1:ok', 'a3:ok']);
    expect(statement.batches).toEqual([['x0'], ['a1', 'b1', 'c1'], ['a2'], ['a3']]);
  });

  it('fails only the item that broke a batch: the others are written again alone', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 10 });
    statement.poison.add('bad');
    statement.hold();
    const first = queue.submit('a');
    const rest = ['b', 'bad', 'c'].map((i) => settle(queue.submit(i)));
    statement.open();
    await first;
    expect(await Promise.all(rest)).toEqual([
      { ok: 'b:ok' },
      { err: 'statement broke on bad' },
      { ok: 'c:ok' },
    ]);
    expect(statement.batches).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('fails the whole batch, without retries, when the error says retrying is useless', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({
      write: statement.write,
      maxBatch: 10,
      retryAlone: () => false,
    });
    statement.poison.add('bad');
    statement.hold();
    const first = queue.submit('a');
    const rest = ['b', 'bad'].map((i) => settle(queue.submit(i)));
    statement.open();
    await first;
    expect(await Promise.all(rest)).toEqual([
      { err: 'statement broke on b,bad' },
      { err: 'statement broke on b,bad' },
    ]);
    expect(statement.batches).toEqual([['a'], ['b', 'bad']]);
  });

  it('goes on with the next batch after a failed one', async () => {
    const statement = new FakeStatement();
    const queue = new GroupCommitQueue({ write: statement.write, maxBatch: 10 });
    statement.poison.add('bad');
    await expect(queue.submit('bad')).rejects.toThrow('statement broke on bad');
    await expect(queue.submit('a')).resolves.toBe('a:ok');
    expect(queue.queued).toBe(0);
  });
});
