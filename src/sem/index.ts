/**
 * Semaphores with PHP 8.2's sysvsem protocol: {@link Semaphore}, {@link Mutex} and {@link Permit}.
 *
 * @example
 * ```ts
 * import { Semaphore } from "bun-sysv";
 * using sem = Semaphore.create(0x5eed0001, { maxCount: 2 });
 * using permit = await sem.acquire({ timeout: 500 });
 * ```
 * @module
 */
export { Semaphore, type AcquireOptions, type SemaphoreOptions } from "./semaphore.ts";
export { Mutex, type MutexOptions } from "./mutex.ts";
export { Permit } from "./permit.ts";
export { readSemaphores, type SemaphoreState } from "./stat.ts";
