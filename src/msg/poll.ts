/**
 * Bounded waiting on the calling thread, for the synchronous forms with a timeout: retry a non-blocking
 * call with pauses that grow from 50 µs to 1 ms until it stops reporting "busy" or the time is up.
 * A message that arrives while waiting is therefore seen after at most ~1.1 ms (50-200 µs early on).
 * The pauses use `Atomics.wait`, which sleeps below a millisecond (`Bun.sleepSync` rounds those to 0).
 *
 * @example
 * ```ts
 * const errno = pollWhileBusy(250, ERRNO.ENOMSG, () => tryOnce()); // ENOMSG if nothing came in 250 ms
 * ```
 * @module
 */

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the calling thread for `ms` milliseconds (fractions allowed). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Calls `attempt` (which returns an errno, 0 for success) until it returns something other than `busy`,
 * or `timeoutMs` has passed; returns its last answer.
 *
 * @example
 * ```ts
 * pollWhileBusy(100, ERRNO.EAGAIN, () => io.send(1, bytes, IPC_NOWAIT));
 * ```
 */
export function pollWhileBusy(timeoutMs: number, busy: number, attempt: () => number): number {
  const deadline = performance.now() + timeoutMs;
  let pause = 0.05;
  for (;;) {
    const errno = attempt();
    if (errno !== busy) return errno;
    const left = deadline - performance.now();
    if (left <= 0) return errno;
    sleepSync(Math.min(pause, left));
    pause = Math.min(pause * 2, 1);
  }
}
