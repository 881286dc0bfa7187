/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight; rejects on the
 * first failure. Once `stop()` says so, no further task starts; returns how
 * many started (all of which finished), always a prefix 0..n-1 of the indices.
 */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<unknown>,
  stop: () => boolean = () => false,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count && !stop()) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return next;
}
