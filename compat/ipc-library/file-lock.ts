/**
 * The PHP IPC library's `FileLock(path)`: creating it does not acquire; `acquire()` takes the flock(2)
 * lock without waiting and says false when another process (PHP or Bun) holds it; `release()` lets go.
 *
 * @example
 * ```ts
 * import { FileLock } from "bun-sysv/compat";
 * const lock = new FileLock(import.meta.path);
 * if (!lock.acquire()) {
 *   console.log("fail!");
 * } else {
 *   // ... critical section ...
 *   lock.release();
 * }
 * ```
 * @module
 */
import { FileLock as Flock } from "../../src/lock/file-lock.ts";

/** An exclusive flock(2) lock on a file, shared with PHP's `flock()`. */
export class FileLock implements Disposable {
  readonly #lock: Flock;

  constructor(path: string) {
    this.#lock = new Flock(path, { mode: 0o666 });
  }

  /** Takes the lock if free; false when held elsewhere. Never waits. */
  acquire(): boolean {
    return this.#lock.tryAcquire();
  }

  /** Waits for the lock without freezing the event loop (`timeout` in ms: BusyError when it runs out). */
  acquireAsync(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    return this.#lock.acquire(options);
  }

  /** Lets go of the lock. */
  release(): void {
    this.#lock.release();
  }

  /** True while this object holds the lock. */
  isAcquired(): boolean {
    return this.#lock.held !== null;
  }

  /** Releases and closes the file. */
  close(): void {
    this.#lock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
