import { slowStartBatch } from './slow-start';

/** A call that records how many run at once, and fails from the `failFrom`th call on. */
function recorder(failFrom = Infinity) {
  const batches: number[] = [];
  let running = 0;
  let calls = 0;
  const fn = async () => {
    const call = ++calls;
    running++;
    if (batches.length === 0 || running === 1) batches.push(0);
    batches[batches.length - 1]++;
    await new Promise((r) => setImmediate(r));
    running--;
    return call < failFrom;
  };
  return { fn, batches, calls: () => calls };
}

describe('slowStartBatch', () => {
  it.each([
    // count → batch sizes
    [0, []],
    [1, [1]],
    [3, [1, 2]],
    [10, [1, 2, 4, 3]],
    [1000, [1, 2, 4, 8, 16, 32, 64, 128, 256, 489]],
  ])('%s creations go in batches %j, each at once', async (count, sizes) => {
    const r = recorder();
    expect(await slowStartBatch(count, r.fn)).toBe(count);
    expect(r.batches).toEqual(sizes);
  });

  it('stops after the first batch with a failure', async () => {
    // the 5th call fails: batches 1, 2, 4 run (7 calls, 4 succeed), nothing after
    const r = recorder(5);
    expect(await slowStartBatch(100, r.fn)).toBe(4);
    expect(r.calls()).toBe(7);
  });
});
