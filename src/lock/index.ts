/**
 * File locks: {@link FileLock}, flock(2) shared with PHP's `flock()`.
 *
 * @example
 * ```ts
 * import { FileLock } from "bun-sysv";
 * import { tmpdir } from "node:os";
 * using lock = new FileLock(`${tmpdir()}/bun-sysv-index-example.lock`);
 * await lock.acquire({ timeout: 1000 });
 * ```
 * @module
 */
export * from "./file-lock.ts";
