/**
 * PHP strings in JS, one rule for the whole library. PHP strings are bytes; JS strings are UTF-16.
 *
 * - Bytes → JS ({@link bytesToPhpString}): valid UTF-8 becomes a `string`; anything else stays a
 *   `Uint8Array` with the exact bytes (never U+FFFD, never a latin1 string). A leading BOM is kept.
 * - JS → bytes ({@link phpStringToBytes}): a `string` is written as UTF-8, a `Uint8Array` as is.
 *
 * @example
 * ```ts
 * import { bytesToPhpString, phpStringToBytes } from "bun-sysv";
 * bytesToPhpString(new Uint8Array([0x68, 0x69]));    // "hi"
 * bytesToPhpString(new Uint8Array([0xff, 0x00]));    // Uint8Array [255, 0]
 * phpStringToBytes("é");                             // Uint8Array [0xc3, 0xa9]
 * ```
 * @module
 */
import { isUtf8 } from "node:buffer";

/** A PHP string as JS sees it: text when the bytes are valid UTF-8, the raw bytes otherwise. */
export type PhpString = string | Uint8Array;

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * The JS value of PHP string bytes: a `string` when `bytes` is valid UTF-8 (NUL bytes included),
 * otherwise `bytes` itself (not copied: pass a copy if the source changes later).
 *
 * @example
 * ```ts
 * bytesToPhpString(new Uint8Array([0x61, 0x00, 0x62])); // "a\0b"
 * bytesToPhpString(new Uint8Array([0xc3]));             // Uint8Array [0xc3] (truncated sequence)
 * ```
 */
export function bytesToPhpString(bytes: Uint8Array): PhpString {
  if (bytes.length === 0) return "";
  return isUtf8(bytes) ? decoder.decode(bytes) : bytes;
}

/**
 * The bytes of a PHP string value: UTF-8 for a `string`, the array itself for a `Uint8Array` (not copied).
 *
 * @example
 * ```ts
 * phpStringToBytes("€");                      // Uint8Array [0xe2, 0x82, 0xac]
 * phpStringToBytes(new Uint8Array([0xff]));   // the same Uint8Array
 * ```
 */
export function phpStringToBytes(value: PhpString): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}
