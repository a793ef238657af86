/**
 * The PHP IPC library's `Semaphore(key, max)` and `Mutex(key)`: `allocate()` takes one count without
 * blocking (true/false), `release()` gives it back. They speak PHP's sysvsem protocol (`sem_get($key, $max)`),
 * so PHP and Bun processes share the counts; every count is given back when its process dies.
 *
 * @example
 * ```ts
 * import { Semaphore } from "bun-sysv/compat";
 * const sem = new Semaphore(0, 2); // a private set here; a FileKey or an int key to share it
 * sem.allocate(); // true
 * sem.allocate(); // true
 * sem.allocate(); // false
 * sem.release();
 * sem.remove();
 * ```
 * @module
 */
import { IPC_CREAT } from "../../src/ffi/constants.ts";
import type { KeyLike } from "../../src/keys/key.ts";
import { openSemaphore, Semaphore as SysvSemaphore } from "../../src/sem/semaphore.ts";
import { SystemObject } from "./handle.ts";

/** A counting semaphore of at most `max` holders (see the module doc). */
export class Semaphore extends SystemObject {
  /** The handle underneath (`src/sem`). */
  readonly semaphore: SysvSemaphore;

  constructor(key: KeyLike, max: number = 1) {
    super();
    this.semaphore = openSemaphore(SysvSemaphore, key, IPC_CREAT, { maxCount: max, mode: 0o666 });
  }

  /** `close()` gives back what this object holds and lets go of the handle. */
  protected get handle(): SysvSemaphore {
    return this.semaphore;
  }

  /** Takes one count if free (true), else false at once. */
  allocate(): boolean {
    return this.semaphore.tryAcquire() !== null;
  }

  /** Waits for a count without freezing the event loop (`timeout` ms: BusyError when it runs out). */
  async allocateAsync(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.semaphore.acquire(options);
  }

  /** Gives back the last count this object took; false if it holds none. */
  release(): boolean {
    if (this.semaphore.held === 0) return false;
    this.semaphore.release();
    return true;
  }

}

/** A semaphore with a max count of 1. */
export class Mutex extends Semaphore {
  constructor(key: KeyLike) {
    super(key, 1);
  }
}

