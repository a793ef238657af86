/**
 * PHP's array key rules.
 *
 * - A string key that is a canonical decimal int64 (`"5"`, `"-3"`, not `"05"`, `"-0"`, `" 1"`) is an int key.
 * - Bool keys are 0/1, `null` is `""`, float keys are truncated toward zero (wrapping modulo 2^64 like
 *   PHP when out of range; NaN and infinities give 0).
 *
 * @example
 * ```ts
 * import { phpArrayKey } from "bun-sysv";
 * phpArrayKey("5");    // 5
 * phpArrayKey("05");   // "05"
 * phpArrayKey(1.7);    // 1
 * ```
 * @module
 */

import { isUtf8 } from "node:buffer";
import type { PhpString } from "./types.ts";

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const TWO_64 = 18446744073709551616n;

/**
 * Whether `key` is a canonical decimal integer within int64, which PHP stores as an int key.
 *
 * @example
 * ```ts
 * isCanonicalIntString("-3");  // true
 * isCanonicalIntString("-0");  // false
 * isCanonicalIntString("9223372036854775808"); // false (beyond int64)
 * ```
 */
export function isCanonicalIntString(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > 20) return false;
  let i = 0;
  if (key.charCodeAt(0) === 0x2d /* - */) {
    if (length === 1) return false;
    i = 1;
  }
  const first = key.charCodeAt(i);
  if (first === 0x30 /* 0 */) return length === 1; // "0" only; "-0" and "05" stay strings
  for (let j = i; j < length; j++) {
    const c = key.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  const digits = length - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  return i === 0 ? key <= "9223372036854775807" : key <= "-9223372036854775808";
}

/** The int key (`number`, or `bigint` beyond 2^53) a canonical decimal string stands for. */
export function intFromCanonical(key: string): number | bigint {
  const n = Number(key);
  return Number.isSafeInteger(n) ? n : BigInt(key);
}

/**
 * The int value of the bytes `bytes[start, end)` if they are a canonical int64 decimal, else `undefined`.
 * Used for `s:` keys of arrays, which PHP turns into ints.
 */
export function canonicalIntFromBytes(bytes: Uint8Array, start: number, end: number): number | bigint | undefined {
  const length = end - start;
  if (length === 0 || length > 20) return undefined;
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) {
    if (length === 1) return undefined;
    i++;
  }
  if (bytes[i] === 0x30) return length === 1 ? 0 : undefined;
  let value = 0;
  for (let j = i; j < end; j++) {
    const c = bytes[j]! - 0x30;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  if (end - i < 16) return negative ? -value : value;
  let text = "";
  for (let j = start; j < end; j++) text += String.fromCharCode(bytes[j]!);
  return isCanonicalIntString(text) ? intFromCanonical(text) : undefined;
}

/**
 * The key PHP would store for `key` in an array: an int (`number`/`bigint`) or a string.
 * Throws `RangeError` for a `bigint` outside int64 and `TypeError` for other types.
 *
 * @example
 * ```ts
 * phpArrayKey(true);  // 1
 * phpArrayKey(null);  // ""
 * phpArrayKey(-1.5);  // -1
 * phpArrayKey("12");  // 12
 * ```
 */
export function phpArrayKey(key: unknown): number | bigint | PhpString {
  switch (typeof key) {
    case "string":
      return isCanonicalIntString(key) ? intFromCanonical(key) : key;
    case "number":
      return Number.isSafeInteger(key) ? key : floatKey(key);
    case "bigint":
      if (key < INT64_MIN || key > INT64_MAX) throw new RangeError(`array key ${key} is outside PHP's int range`);
      return Number.isSafeInteger(Number(key)) ? Number(key) : key;
    case "boolean":
      return key ? 1 : 0;
    case "undefined":
      return "";
    case "object":
      if (key === null) return "";
      if (key instanceof Uint8Array) {
        const int = canonicalIntFromBytes(key, 0, key.length);
        return int === undefined ? key : int;
      }
  }
  throw new TypeError(`a PHP array key must be a string, number, bigint, boolean, null or Uint8Array, got ${describe(key)}`);
}

function floatKey(key: number): number | bigint {
  if (!Number.isFinite(key)) return 0;
  const truncated = Math.trunc(key);
  if (Number.isSafeInteger(truncated)) return truncated + 0; // + 0 turns -0 into 0
  let wrapped = BigInt(truncated) % TWO_64;
  if (wrapped > INT64_MAX) wrapped -= TWO_64;
  if (wrapped < INT64_MIN) wrapped += TWO_64;
  return Number.isSafeInteger(Number(wrapped)) ? Number(wrapped) : wrapped;
}

/** A short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  return proto?.constructor?.name ? `an instance of ${proto.constructor.name}` : "object";
}

/** Keys that need no PHP conversion: strings that stay strings and safe integers. */
export function hasOnlyPlainKeys(map: Map<unknown, unknown>): boolean {
  for (const key of map.keys()) {
    if (typeof key === "string") {
      if (isCanonicalIntString(key)) return false;
    } else if (!Number.isSafeInteger(key)) {
      return false;
    }
  }
  return true;
}

/** The merge identity of a byte-string key: equal to a `string` key with the same UTF-8 bytes. */
export function binaryKeyId(key: Uint8Array): string {
  const buffer = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return isUtf8(buffer) ? `s${buffer.toString("utf8")}` : `b${buffer.toString("latin1")}`;
}
