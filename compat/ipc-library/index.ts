/**
 * The PHP IPC library's classes, same names as in PHP, over `src/`: SignalHandler, Signal, SignalTrap,
 * Timer, FileLock, FileKey, Semaphore, Mutex, Queue, SharedData, SharedMemory (docs/ipc-library.md).
 *
 * @example
 * ```ts
 * import { Mutex } from "bun-sysv/compat";
 * const mutex = new Mutex(0); // private here; a FileKey or an int key to share it
 * mutex.allocate(); // true
 * mutex.allocate(); // false
 * mutex.remove();
 * ```
 * @module
 */
export * from "./signals.ts";
export * from "./timer.ts";
export * from "./file-lock.ts";
export * from "./file-key.ts";
export * from "./semaphore.ts";
export * from "./queue.ts";
export * from "./shared-data.ts";
export * from "./shared-memory.ts";
