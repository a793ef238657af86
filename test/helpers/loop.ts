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

/**
 * Polls `condition` every 5 ms until it holds or `timeoutMs` passes; returns whether it held. For tests
 * that must wait for another thread or process to reach a state (a waiter inside semop, a signal
 * delivered): a fixed sleep there flakes on a loaded machine, a bounded poll does not.
 *
 * @example
 * ```ts
 * expect(await until(() => sem.waiters === 1)).toBe(true);
 * ```
 */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(5);
  }
  return true;
}
