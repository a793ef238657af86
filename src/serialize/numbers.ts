/**
 * Numbers of PHP's serialize grammar, read straight from the bytes: `i:` ints, `d:` floats, and
 * the unsigned lengths and signed counts of headers, each with PHP 8.2's exact acceptance rules and
 * overflow behaviour. The token readers return the value and move the cursor past the token
 * (`p` = -1: not a valid token), so no result object is allocated per number.
 * @module
 */

import { latin1 } from "./utf8.ts";

const INT64_MAX = 9223372036854775807n;
const TWO_64 = 18446744073709551616n;
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** The decoder's position: readers set `p` after their token (or -1), and `clamped` when they clamped to int64. */
export interface NumberCursor {
  readonly b: Uint8Array;
  readonly n: number;
  p: number;
  /** Set when the last int or count was beyond int64 (PHP warns "Numerical result out of range"). */
  clamped: boolean;
}

/**
 * `i:[+-]?[0-9]+;` at `start`: a `number`, or a `bigint` beyond 2^53; out of int64 range clamps.
 * `-0` is `0`.
 */
export function readIntToken(cursor: NumberCursor, start: number): number | bigint {
  const b = cursor.b;
  cursor.clamped = false;
  let p = start + 2;
  const sign = b[p];
  if (sign === 0x2d || sign === 0x2b) p++;
  const digitsStart = p;
  let value = 0;
  let c = b[p]!;
  while (c >= 0x30 && c <= 0x39) {
    value = value * 10 + (c - 0x30);
    c = b[++p]!;
  }
  if (b[start + 1] !== 0x3a || p === digitsStart || c !== 0x3b || p >= cursor.n) {
    cursor.p = -1;
    return 0;
  }
  cursor.p = p + 1;
  if (p - digitsStart <= 15) return sign === 0x2d ? 0 - value : value;
  return bigDecimal(cursor, digitsStart, p, sign === 0x2d);
}

/** Digits [from, to) of a long int: exact, clamped to int64 like PHP's parse_iv2. */
function bigDecimal(cursor: NumberCursor, from: number, to: number, negative: boolean): number | bigint {
  const b = cursor.b;
  while (from < to && b[from] === 0x30) from++;
  if (to - from <= 15) {
    let value = 0;
    for (let i = from; i < to; i++) value = value * 10 + (b[i]! - 0x30);
    return negative ? 0 - value : value;
  }
  let magnitude = to - from > 19 ? TWO_64 : BigInt(latin1(b, from, to));
  const limit = negative ? INT64_MAX + 1n : INT64_MAX;
  if (magnitude > limit) {
    cursor.clamped = true;
    magnitude = limit;
  }
  const value = negative ? -magnitude : magnitude;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

/**
 * `d:` at `start` with PHP's grammar: `[+-]?` then digits, `digits.`, `.digits` or `digits.digits`,
 * optionally `[eE][+-]?digits`; or exactly `NAN`, `INF`, `-INF`. Short decimals are converted with
 * one correctly rounded operation (both operands exact: Clinger's fast path), the rest by `Number()`.
 */
export function readFloatToken(cursor: NumberCursor, start: number): number {
  const b = cursor.b;
  const n = cursor.n;
  cursor.p = -1;
  if (b[start + 1] !== 0x3a) return 0;
  let p = start + 2;
  const first = b[p]!;
  if (first === 0x4e || first === 0x49 || (first === 0x2d && b[p + 1] === 0x49)) return specialFloat(cursor, p);
  const negative = first === 0x2d;
  if (negative || first === 0x2b) p++;
  let mantissa = 0;
  let significant = 0;
  let scale = 0;
  let digits = 0;
  let c = b[p]!;
  while (c >= 0x30 && c <= 0x39) {
    if (significant > 0 || c !== 0x30) {
      mantissa = mantissa * 10 + (c - 0x30);
      significant++;
    }
    digits++;
    c = b[++p]!;
  }
  if (c === 0x2e) {
    c = b[++p]!;
    while (c >= 0x30 && c <= 0x39) {
      if (significant > 0 || c !== 0x30) {
        mantissa = mantissa * 10 + (c - 0x30);
        significant++;
      }
      scale--;
      digits++;
      c = b[++p]!;
    }
  }
  if (digits === 0) return 0;
  let exponent = 0;
  if (c === 0x65 || c === 0x45) {
    c = b[++p]!;
    const expNegative = c === 0x2d;
    if (expNegative || c === 0x2b) c = b[++p]!;
    const expStart = p;
    while (c >= 0x30 && c <= 0x39) {
      if (exponent < 100000) exponent = exponent * 10 + (c - 0x30);
      c = b[++p]!;
    }
    if (p === expStart) return 0;
    if (expNegative) exponent = -exponent;
  }
  if (c !== 0x3b || p >= n) return 0;
  cursor.p = p + 1;
  const power = scale + exponent;
  let value: number;
  if (significant <= 15 && power >= -22 && power <= 22) {
    value = power < 0 ? mantissa / POW10[-power]! : mantissa * POW10[power]!;
  } else {
    value = Number(latin1(b, negative || first === 0x2b ? start + 3 : start + 2, p));
  }
  return negative ? -value : value;
}

/** `NAN;`, `INF;` or `-INF;` at `p` (nothing else: `+INF`, `-NAN`, `inf` are invalid). */
function specialFloat(cursor: NumberCursor, p: number): number {
  const b = cursor.b;
  const n = cursor.n;
  const c = b[p];
  if (c === 0x4e && b[p + 1] === 0x41 && b[p + 2] === 0x4e && b[p + 3] === 0x3b && p + 3 < n) {
    cursor.p = p + 4;
    return NaN;
  }
  const q = c === 0x2d ? p + 1 : p;
  if (b[q] === 0x49 && b[q + 1] === 0x4e && b[q + 2] === 0x46 && b[q + 3] === 0x3b && q + 3 < n) {
    cursor.p = q + 4;
    return c === 0x2d ? -Infinity : Infinity;
  }
  return 0;
}

/** PHP's parse_uiv over digits [from, to): unsigned decimal wrapping modulo 2^64 (lengths, slot numbers). */
export function readUnsigned(b: Uint8Array, from: number, to: number): number {
  let value = 0;
  if (to - from <= 15) {
    for (let i = from; i < to; i++) value = value * 10 + (b[i]! - 0x30);
    return value;
  }
  return Number(BigInt(latin1(b, from, to)) % TWO_64);
}

/** End of PHP's parse_iv2 input at `p`: an optional sign, then any digits (maybe none). */
export function skipSignedDigits(b: Uint8Array, n: number, p: number): number {
  if (b[p] === 0x2d || b[p] === 0x2b) p++;
  while (b[p]! >= 0x30 && b[p]! <= 0x39) p++;
  return Math.min(p, n);
}

/** PHP's parse_iv2 over [from, to) for counts: no digits is 0; beyond int64 clamps (`cursor.clamped`). */
export function readCount(cursor: NumberCursor, from: number, to: number): number {
  const b = cursor.b;
  cursor.clamped = false;
  const negative = from < to && b[from] === 0x2d;
  if (negative || (from < to && b[from] === 0x2b)) from++;
  while (from < to && b[from] === 0x30) from++;
  let value = 0;
  for (let i = from; i < to; i++) value = value * 10 + (b[i]! - 0x30);
  if (to - from > 15) {
    const exact = to - from > 19 ? TWO_64 : BigInt(latin1(b, from, to));
    if (exact > (negative ? INT64_MAX + 1n : INT64_MAX)) {
      cursor.clamped = true;
      return negative ? -Number(INT64_MAX) : Number(INT64_MAX);
    }
  }
  return negative ? 0 - value : value;
}

/** A parse_iv2 input as PHP prints the parsed value (leading zeros and '+' dropped, clamped to int64). */
export function countText(text: string): string {
  const negative = text.startsWith("-");
  const digits = text.replace(/^[+-]/, "").replace(/^0+(?=.)/, "");
  const value = BigInt(digits === "" ? "0" : digits) * (negative ? -1n : 1n);
  if (value > INT64_MAX) return String(INT64_MAX);
  if (value < -INT64_MAX - 1n) return String(-INT64_MAX - 1n);
  return String(value);
}

/** The value of a hex digit byte, or -1. */
export function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
