/**
 * Bounded concurrency for drivers (downloads, copies): `mapLimit` runs `fn` over `items` with at
 * most `limit` calls in flight (p-limit), keeps the results in input order, stops starting new
 * work after the first failure, and waits for the work already running before it rejects — so a
 * caller's `finally` (removing a staging directory) never runs under a still-writing download.
 */
import pLimit from 'p-limit';

/** Maps `items` through `fn` with at most `limit` calls at once; see the module doc. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`mapLimit: limit must be a positive integer, got ${limit}`);
  const run = pLimit(limit);
  let failure: { err: unknown } | null = null;
  const results = new Array<R>(items.length);
  await Promise.allSettled(
    items.map((item, index) =>
      run(async () => {
        if (failure) return;
        try {
          results[index] = await fn(item, index);
        } catch (err) {
          // The first failure in time is the one reported; later ones are its consequences.
          failure ??= { err };
        }
      }),
    ),
  );
  if (failure) throw (failure as { err: unknown }).err;
  return results;
}
