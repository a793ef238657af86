/**
 * The FFI layer: the only code that touches `bun:ffi`. Re-exports the libc table, constants,
 * struct layouts and errno helpers.
 *
 * @example
 * ```ts
 * import { libc, check, IPC_CREAT } from "./ffi/index.ts";
 * ```
 * @module
 */
export * from "./constants.ts";
export * from "./libc.ts";
export * from "./errno.ts";
export * from "./structs.ts";
