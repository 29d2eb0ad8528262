/** Runs fn(0) … fn(count − 1), at most `limit` at a time. `fn` must not throw. */
export async function forEachLimit(
  count: number,
  limit: number,
  fn: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), count) }, worker));
}
