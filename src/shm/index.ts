/**
 * Shared memory segments: {@link SharedMemory} and what `stat()` returns.
 *
 * @example
 * ```ts
 * import { SharedMemory } from "bun-sysv";
 * using shm = SharedMemory.createPrivate(1024);
 * shm.write("hi");
 * ```
 * @module
 */
export { SharedMemory, type CreateOptions, type OpenOptions } from "./segment.ts";
export { MAX_MAPPED_SIZE, type SegmentStat } from "./native.ts";
