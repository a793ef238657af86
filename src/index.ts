/**
 * bun-sysv: System V IPC for Bun, byte-compatible with PHP 8.2.
 *
 * @example
 * ```ts
 * import { SharedMemory, ftok } from "bun-sysv";
 * using shm = SharedMemory.create(ftok(import.meta.path, "A"), 1024);
 * shm.write("hello", 0);
 * shm.read(0, 5); // Uint8Array "hello"
 * ```
 * @module
 */
export * from "./errors.ts";
export * from "./keys/index.ts";
export * from "./inspect/sysvipc.ts";
export * from "./shm/index.ts";
export * from "./bytes.ts";
export * from "./sem/index.ts";
export * from "./msg/index.ts";
export * from "./pool/index.ts";
export * from "./vars/index.ts";
export * from "./serialize/index.ts";
export * from "./cleanup/index.ts";
export * from "./process/index.ts";
export * from "./channel/index.ts";
export { prepareWaiters, setWaiterLimit, waiterStats, type WaiterStats } from "./wait/index.ts";
export * from "./signals/index.ts";
export * from "./timer/index.ts";
export * from "./lock/index.ts";
