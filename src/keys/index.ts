/**
 * Keys: `ftok`, {@link FileKey}, `IPC_PRIVATE` and the 32-bit key rule.
 *
 * @example
 * ```ts
 * import { ftok, toKey, IPC_PRIVATE } from "bun-sysv";
 * const key = toKey(ftok(import.meta.path, "q"));
 * ```
 * @module
 */
export * from "./key.ts";
export * from "./ftok.ts";
