/**
 * Low-level byte writers of the encoder. Each writes at `p` into `b` (the caller has made room)
 * and returns the position after what it wrote: positions stay in registers instead of being
 * read and written back through an object for every byte, which is what makes them fast in JSC.
 * @module
 */

import { formatPhpFloat } from "./float.ts";

/** "000102...99" as bytes: two digits per lookup. */
const DIGIT_PAIRS = new TextEncoder().encode(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""));
const POW10 = [1, 10, 100, 1000];

/** Decimal digits of a safe integer. Small ones (the usual lengths, counts, keys) avoid division. */
export function writeInt(b: Uint8Array, p: number, n: number): number {
  if (n >= 0 && n < 10) {
    b[p] = 0x30 + n;
    return p + 1;
  }
  if (n > 0 && n < 100) {
    b[p] = DIGIT_PAIRS[n * 2]!;
    b[p + 1] = DIGIT_PAIRS[n * 2 + 1]!;
    return p + 2;
  }
  if (n > 0 && n < 10000) {
    const high = (n * 5243) >>> 19; // n / 100 for n < 43699
    const low = (n - high * 100) * 2;
    if (high < 10) {
      b[p] = 0x30 + high;
      p++;
    } else {
      b[p] = DIGIT_PAIRS[high * 2]!;
      b[p + 1] = DIGIT_PAIRS[high * 2 + 1]!;
      p += 2;
    }
    b[p] = DIGIT_PAIRS[low]!;
    b[p + 1] = DIGIT_PAIRS[low + 1]!;
    return p + 2;
  }
  if (n < 0 || n > 0x7fffffff) return writeAscii(b, p, String(n));
  const end = p + (n < 100000 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10);
  let q = end;
  let t = n;
  while (t >= 100) {
    const pair = (t % 100) * 2;
    t = (t / 100) | 0;
    b[--q] = DIGIT_PAIRS[pair + 1]!;
    b[--q] = DIGIT_PAIRS[pair]!;
  }
  if (t >= 10) {
    b[--q] = DIGIT_PAIRS[t * 2 + 1]!;
    b[--q] = DIGIT_PAIRS[t * 2]!;
  } else {
    b[--q] = 0x30 + t;
  }
  return end;
}

/** ASCII text, one byte per character. */
export function writeAscii(b: Uint8Array, p: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[p++] = text.charCodeAt(i);
  return p;
}

/** The bytes of `bytes` (a short loop beats a native `set()` call for small arrays). */
export function writeBytes(b: Uint8Array, p: number, bytes: Uint8Array): number {
  const length = bytes.length;
  if (length > 32) {
    b.set(bytes, p);
    return p + length;
  }
  for (let i = 0; i < length; i++) b[p++] = bytes[i]!;
  return p;
}

/** A float as PHP's `serialize()` prints it (at most 25 bytes). */
export function writeFloat(b: Uint8Array, p: number, v: number): number {
  const q = writeShortFloat(b, p, v);
  return q !== -1 ? q : writeAscii(b, p, formatPhpFloat(v));
}

/**
 * Writes `v` if it has at most 3 decimals and 1e-3 <= |v| < 1e12, without building a string;
 * returns -1 otherwise. There the decimal m / 10^k that divides back to exactly `v` is the only
 * one with k decimals within half an ulp of `v` (an ulp is below 10^-3), so it is the shortest
 * round-trip form, which PHP prints too.
 */
function writeShortFloat(b: Uint8Array, p: number, v: number): number {
  const abs = v < 0 ? -v : v;
  if (!(abs < 1e12 && abs >= 1e-3)) return -1;
  let k = 0;
  let m = abs;
  while (m !== Math.floor(m) || m / POW10[k]! !== abs) {
    if (++k > 3) return -1;
    m = Math.round(abs * POW10[k]!);
  }
  if (v < 0) b[p++] = 0x2d;
  if (k === 0) return writeInt(b, p, m);
  const scale = POW10[k]!;
  const whole = Math.floor(m / scale);
  let fraction = m - whole * scale;
  while (fraction % 10 === 0) {
    fraction /= 10;
    k--;
  }
  p = writeInt(b, p, whole);
  b[p++] = 0x2e;
  for (let digits = fraction; digits < POW10[k - 1]!; digits *= 10) b[p++] = 0x30;
  return writeInt(b, p, fraction);
}

/** `i:0;` ... `i:1023;` as two little-endian words each (zero-padded), and their lengths. */
export const SMALL_INTS = 1024;
const SMALL_INT_WORDS = new Uint32Array(SMALL_INTS * 2);
const SMALL_INT_LENGTHS = new Uint8Array(SMALL_INTS);
for (let n = 0; n < SMALL_INTS; n++) {
  const token = new TextEncoder().encode(`i:${n};`);
  const padded = new Uint8Array(8);
  padded.set(token);
  const words = new DataView(padded.buffer);
  SMALL_INT_WORDS[n * 2] = words.getUint32(0, true);
  SMALL_INT_WORDS[n * 2 + 1] = words.getUint32(4, true);
  SMALL_INT_LENGTHS[n] = token.length;
}

/** `i:<n>;` for 0 <= n < {@link SMALL_INTS}: two word stores (up to 3 bytes past the token are scribbled on; the caller made room). */
export function writeSmallIntToken(view: DataView, p: number, n: number): number {
  view.setUint32(p, SMALL_INT_WORDS[n * 2]!, true);
  view.setUint32(p + 4, SMALL_INT_WORDS[n * 2 + 1]!, true);
  return p + SMALL_INT_LENGTHS[n]!;
}

/** Bytes [start, end) of `b` as little-endian 32-bit words, zero-padded. */
export function toWords(b: Uint8Array, start: number, end: number): number[] {
  const words: number[] = [];
  for (let p = start; p < end; p += 4) {
    words.push(((b[p] ?? 0) | ((p + 1 < end ? b[p + 1]! : 0) << 8) | ((p + 2 < end ? b[p + 2]! : 0) << 16) | ((p + 3 < end ? b[p + 3]! : 0) << 24)) >>> 0);
  }
  return words;
}

/** UTF-8 byte length of `s` as TextEncoder writes it (a lone surrogate becomes 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let length = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      length += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 2; // a pair: 2 UTF-16 units, 4 bytes
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}
