/**
 * Proof that the event loop is not frozen: count timer ticks while some work is awaited.
 *
 * @example
 * ```ts
 * const { value, ticks } = await ticksDuring(queue.receive());
 * expect(ticks).toBeGreaterThan(5); // a blocked main thread shows (almost) none
 * ```
 */

/** Counts 5 ms timer ticks while `work` runs: a frozen event loop shows (almost) none. */
export async function ticksDuring<T>(work: Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    return { value: await work, ticks };
  } finally {
    clearInterval(timer);
  }
}
