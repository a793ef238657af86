/**
 * What the PHP IPC library's classes over one System V object (Queue, Semaphore, SharedMemory, SharedData)
 * share: {@link SystemObject}, whose `remove()` removes the object for every process and whose `close()`
 * (or the end of a `using` block) lets go of this process's handle and leaves the object in the system,
 * both by the `src/` handle underneath.
 *
 * @example
 * ```ts
 * import { Queue } from "bun-sysv/compat";
 * {
 *   using queue = new Queue(0); // a SystemObject: closed at the end of the block
 *   queue.send(1, "hi");
 *   queue.remove();
 * }
 * ```
 * @module
 */

/** A class over one System V object: its handle's `remove()` and `[Symbol.dispose]()` do the work. */
export abstract class SystemObject implements Disposable {
  /** The `src/` handle underneath. */
  protected abstract get handle(): { remove(): void } & Disposable;

  /** Removes the object from the system (for every process). */
  remove(): void {
    this.handle.remove();
  }

  /** Lets go of this process's handle (the object stays in the system). */
  close(): void {
    this.handle[Symbol.dispose]();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
