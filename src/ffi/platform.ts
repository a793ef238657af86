/**
 * Platform guard: bun-sysv binds glibc's System V IPC calls with the struct layouts of
 * Linux x86_64 and arm64. Anywhere else the layouts (and the `semctl` varargs trick) are
 * wrong, so importing the library fails at once with a clear message instead of corrupting memory.
 *
 * @example
 * ```ts
 * import { ARCH } from "./platform.ts"; // "x64" | "arm64"
 * ```
 * @module
 */

const supported = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");
if (!supported) {
  throw new Error(
    `bun-sysv supports Linux x86_64 and arm64 only (glibc struct layouts); this is ${process.platform}/${process.arch}`,
  );
}

/** The CPU architecture the struct layouts were chosen for. */
export const ARCH: "x64" | "arm64" = process.arch as "x64" | "arm64";
