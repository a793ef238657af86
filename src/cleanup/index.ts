/**
 * Remove what a process made when it is told to stop: {@link cleanupOnTerminate} registers a cleanup
 * (an IPC handle's `remove()`, or any function) that runs if the process gets SIGINT (Ctrl-C), SIGTERM
 * (kill, service stop) or SIGHUP (terminal closed). Without it those signals end a Bun process at once
 * and every queue, segment and semaphore set it created stays in the kernel (`ipcs`) until reboot.
 *
 * On the first of those signals the cleanups run, newest first, each at most once (a failing one is
 * reported on stderr and the others still run). Then, if no other listener handles that signal, the
 * process exits with the conventional status 128 + the signal's number (130 for SIGINT, 143 for SIGTERM,
 * 129 for SIGHUP). If the program has its own listener (a daemon stopping gracefully), the cleanups still
 * run at once and the program decides when to exit. While nothing is registered, no listener is
 * installed and the signals keep their default effect.
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
import { constants } from "node:os";
import { NotFoundError, RemovedError } from "../errors.ts";

/** A cleanup: a function, or an object with `remove()` (MessageQueue, SharedMemory, Semaphore, ...). */
export type Cleanup = (() => void) | { remove(): void };

/** A registered cleanup; `cancel()` (or leaving a `using` block) unregisters it without running it. */
export interface CleanupRegistration extends Disposable {
  cancel(): void;
}

/** The signals that end a process by default and after which a program should clean up. */
export const TERMINATING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

type TerminatingSignal = (typeof TERMINATING_SIGNALS)[number];

/** One entry per registration (the same handle registered twice is two entries). */
const registered = new Set<{ cleanup: Cleanup }>();
let listening = false;

function onSignal(signal: TerminatingSignal): void {
  const cleanups = [...registered].reverse();
  registered.clear();
  stopListening();
  for (const { cleanup } of cleanups) {
    try {
      if (typeof cleanup === "function") cleanup();
      else cleanup.remove();
    } catch (error) {
      // Already gone (removed by someone else meanwhile) is what the cleanup wanted.
      if (error instanceof RemovedError || error instanceof NotFoundError) continue;
      process.stderr.write(`cleanupOnTerminate: a cleanup failed on ${signal}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  if (process.listenerCount(signal) === 0) process.exit(128 + constants.signals[signal]);
}

const listeners = Object.fromEntries(TERMINATING_SIGNALS.map((s) => [s, () => onSignal(s)])) as Record<TerminatingSignal, () => void>;

function stopListening(): void {
  if (!listening) return;
  listening = false;
  for (const signal of TERMINATING_SIGNALS) process.off(signal, listeners[signal]);
}

/**
 * Runs `cleanup` if SIGINT, SIGTERM or SIGHUP arrives (see the module notes), then exits with
 * 128 + the signal's number unless the program listens to that signal itself.
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
  const entry = { cleanup };
  registered.add(entry);
  if (!listening) {
    listening = true;
    for (const signal of TERMINATING_SIGNALS) process.on(signal, listeners[signal]);
  }
  const cancel = () => {
    registered.delete(entry);
    if (registered.size === 0) stopListening();
  };
  return { cancel, [Symbol.dispose]: cancel };
}
