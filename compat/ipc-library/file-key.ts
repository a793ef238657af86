/**
 * The PHP IPC library's `FileKey(path)`: the System V key of a file with project id `"\0"` (PHP's
 * `ftok($path, "\0")`); `clone()` (PHP's `clone $key`) or `next()` gives the key of the next project id.
 * It is `src/keys`' {@link FileKey}; every class here takes it (or a plain integer key).
 *
 * @example
 * ```ts
 * import { FileKey } from "bun-sysv/compat";
 * const key = new FileKey(import.meta.path);
 * const key2 = key.clone();
 * console.log(key.projectId, key2.projectId); // 0 1
 * ```
 * @module
 */
export { FileKey } from "../../src/keys/ftok.ts";
