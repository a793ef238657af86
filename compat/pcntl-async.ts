/**
 * The hook of the compat blocking calls (`msg_receive`, `msg_send`, `sem_acquire`) into the pcntl signal
 * functions, internal (not re-exported): after `pcntl_async_signals(true)`, pending handlers run before the
 * call returns. `compat/pcntl-signal.ts` installs the dispatcher; until then the hook does nothing.
 *
 * @example
 * ```ts
 * import { dispatchAsyncSignals } from "./pcntl-async.ts";
 * dispatchAsyncSignals(); // one check when nothing is pending
 * ```
 * @module
 */

let dispatcher: (() => void) | null = null;

/** Sets the function the hook calls (`compat/pcntl-signal.ts` does, once). */
export function setAsyncDispatcher(fn: () => void): void {
  dispatcher = fn;
}

/** In async mode, runs the pcntl handlers of signals received so far. */
export function dispatchAsyncSignals(): void {
  if (dispatcher !== null) dispatcher();
}
