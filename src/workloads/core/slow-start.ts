/** Kubernetes' SlowStartInitialBatchSize: the first batch of creations is a single one. */
export const SLOW_START_INITIAL_BATCH = 1;

/**
 * Kubernetes' slowStartBatch: `count` calls of `fn` in batches of 1, 2, 4, …, each batch at
 * once; after a batch with a failure the rest are not tried (a quota or a bad template fails
 * once, not a thousand times). Answers how many succeeded.
 */
export async function slowStartBatch(
  count: number,
  fn: () => Promise<boolean>,
  initial = SLOW_START_INITIAL_BATCH,
): Promise<number> {
  let done = 0;
  let succeeded = 0;
  for (let batch = Math.min(initial, count); batch > 0;) {
    const results = await Promise.all(Array.from({ length: batch }, () => fn()));
    const ok = results.filter(Boolean).length;
    succeeded += ok;
    done += batch;
    if (ok < batch) break;
    batch = Math.min(2 * batch, count - done);
  }
  return succeeded;
}
