/**
 * IPC keys: what the library accepts as a key and how it becomes libc's 32-bit `key_t`.
 *
 * PHP 8.2 passes its 64-bit int to `key_t` and so silently keeps the low 32 bits
 * (`0x100000000 + k` is the same object as `k`, and `0x100000000` is IPC_PRIVATE). bun-sysv does the
 * same truncation so that both sides meet on the same object; `toKey` is that one rule.
 *
 * @example
 * ```ts
 * toKey(0x5eed0001);          // 0x5eed0001
 * toKey(0x1_0000_0001n);      // 1 (low 32 bits)
 * toKey(new FileKey("/etc/hostname", "A")); // ftok value
 * ```
 * @module
 */
export { IPC_PRIVATE } from "../ffi/constants.ts";

/** Anything that names an IPC object: an integer key (number or bigint) or an object with a `key`, like {@link FileKey}. */
export type KeyLike = number | bigint | { readonly key: number };

/** Turns a {@link KeyLike} into libc's signed 32-bit `key_t` (low 32 bits, like PHP 8.2). */
export function toKey(key: KeyLike): number {
  if (typeof key === "object" && key !== null) return toKey(key.key);
  if (typeof key === "bigint") return Number(BigInt.asIntN(32, key));
  if (typeof key !== "number" || !Number.isInteger(key)) {
    throw new TypeError(`an IPC key must be an integer, a bigint or a FileKey, got ${String(key)}`);
  }
  return Number(BigInt.asIntN(32, BigInt(key)));
}

/**
 * A key as `ipcs` prints it: `0x` and 8 hex digits of its unsigned 32-bit value.
 *
 * @example
 * ```ts
 * import { keyHex } from "bun-sysv";
 * keyHex(-1); // "0xffffffff"
 * ```
 */
export function keyHex(key: number): string {
  return `0x${(key >>> 0).toString(16).padStart(8, "0")}`;
}
