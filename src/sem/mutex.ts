/**
 * {@link Mutex}: a {@link Semaphore} whose counter starts at 1, so one holder at a time across every PHP
 * and Bun process using the key (PHP's `sem_get($key)` with the default `max_acquire` of 1).
 *
 * @example
 * ```ts
 * import { Mutex } from "bun-sysv";
 * using lock = Mutex.create(0x5eed0002);
 * await lock.withPermit(() => work()); // one process at a time
 * ```
 * @module
 */
import { IPC_CREAT, IPC_EXCL } from "../ffi/constants.ts";
import type { KeyLike } from "../keys/key.ts";
import { openSemaphore, Semaphore, type SemaphoreOptions } from "./semaphore.ts";

/** Options of a {@link Mutex}: those of a semaphore, without the count (always 1). */
export type MutexOptions = Omit<SemaphoreOptions, "maxCount">;

/**
 * A semaphore of 1 with PHP's protocol. Same methods as {@link Semaphore}.
 *
 * @example
 * ```ts
 * const lock = Mutex.create(key);
 * const held = lock.tryAcquire();
 * if (held) { try { work(); } finally { held.release(); } }
 * ```
 */
export class Mutex extends Semaphore {
  /** Opens an existing set (NotFoundError if the key has none). */
  static override open(key: KeyLike, options: MutexOptions = {}): Mutex {
    return openSemaphore(Mutex, key, 0, { ...options, maxCount: 1 });
  }

  /** Opens the key's set, creating it if needed (PHP's `sem_get($key)`). */
  static override create(key: KeyLike, options: MutexOptions = {}): Mutex {
    return openSemaphore(Mutex, key, IPC_CREAT, { ...options, maxCount: 1 });
  }

  /** Creates a new set (ExistsError if the key already has one). */
  static override createNew(key: KeyLike, options: MutexOptions = {}): Mutex {
    return openSemaphore(Mutex, key, IPC_CREAT | IPC_EXCL, { ...options, maxCount: 1 });
  }
}
