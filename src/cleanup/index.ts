/**
 * Remove what a process made when it is told to stop: {@link cleanupOnTerminate} registers a cleanup
 * (an IPC handle's `remove()`, or any function) that runs if the process gets SIGINT (Ctrl-C), SIGTERM
 * (kill, service stop) or SIGHUP (terminal closed). Without it those signals end a Bun process at once
 * and every queue, segment and semaphore set it created stays in the kernel (`ipcs`) until reboot.
 *
 * On the first of those signals the cleanups run, newest first, each at most once (a failing one is
 * reported on stderr and the others still run). Then, if no other listener handles that signal, the
 * process ends by that signal as it would have without the library, so the shell sees the conventional
 * status 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP). If the program has
 * its own listener (a daemon stopping gracefully), the cleanups still run at once and the program decides
 * when to exit. While nothing is registered, no listener is installed and the signals keep their default
 * effect. The listeners, the "own listener" rule and the ending are shared with the stopping of children
 * (`src/signals/terminate.ts`).
 *
 * @example
 * ```ts
 * import { cleanupOnTerminate, IPC_PRIVATE, MessageQueue } from "bun-sysv";
 * const queue = MessageQueue.create(IPC_PRIVATE);
 * using cleanup = cleanupOnTerminate(queue);  // Ctrl-C now removes the queue, then exits 130
 * queue.sendSync(1, "work");
 * queue.receiveSync({ timeout: 0 });
 * queue.remove();                              // the normal path removes it; `using` unregisters
 * ```
 * @module
 */
import { NotFoundError, RemovedError } from "../errors.ts";
import { onTermination, TERMINATING_SIGNALS } from "../signals/terminate.ts";

export { TERMINATING_SIGNALS };

/** A cleanup: a function, or an object with `remove()` (MessageQueue, SharedMemory, Semaphore, ...). */
export type Cleanup = (() => void) | { remove(): void };

/** A registered cleanup; `cancel()` (or leaving a `using` block) unregisters it without running it. */
export interface CleanupRegistration extends Disposable {
  cancel(): void;
}

/** Runs one cleanup; any other failure is reported on stderr by the termination registry. */
function runCleanup(cleanup: Cleanup): void {
  try {
    if (typeof cleanup === "function") cleanup();
    else cleanup.remove();
  } catch (error) {
    // Already gone (removed by someone else meanwhile) is what the cleanup wanted.
    if (error instanceof RemovedError || error instanceof NotFoundError) return;
    throw error;
  }
}

/**
 * Runs `cleanup` if SIGINT, SIGTERM or SIGHUP arrives (see the module notes), then ends the process by
 * that signal (status 128 + its number) unless the program listens to that signal itself.
 *
 * @example
 * ```ts
 * import { cleanupOnTerminate, IPC_PRIVATE, SharedMemory } from "bun-sysv";
 * const shm = SharedMemory.create(IPC_PRIVATE, 4096);
 * const registration = cleanupOnTerminate(() => shm.remove());
 * // ... work ...
 * shm.remove();
 * registration.cancel();
 * ```
 */
export function cleanupOnTerminate(cleanup: Cleanup): CleanupRegistration {
  if (typeof cleanup !== "function" && typeof cleanup?.remove !== "function") {
    throw new TypeError("cleanupOnTerminate: expected a function or an object with a remove() method");
  }
  // `always`: the cleanups run at once even when the program listens itself (it then decides when to exit).
  const cancel = onTermination(() => runCleanup(cleanup), { always: true, name: "cleanupOnTerminate: a cleanup" });
  return { cancel, [Symbol.dispose]: cancel };
}
