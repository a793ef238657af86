/**
 * Bytes to JS strings for the decoder, following the library's one rule: valid UTF-8 becomes a
 * `string` (a BOM is kept, NUL bytes are kept), anything else stays a `Uint8Array` with the exact
 * bytes. Short ASCII strings (array keys, small values) are interned in a small cache keyed by a
 * hash of their bytes, so a payload with 1000 rows of the same keys builds each key once.
 *
 * Class and enum names use a reversible variant ({@link decodeName} / {@link encodeName}): a byte
 * that is not part of valid UTF-8 maps to the lone surrogate U+DC80..U+DCFF and back, so a name is
 * always a `string`.
 * @module
 */

import type { PhpString } from "./types.ts";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Longest string the intern cache holds, in bytes. */
const MAX_INTERNED = 24;
const CACHE_SLOTS = 4096;
const cache: string[] = new Array<string>(CACHE_SLOTS).fill("");
/**
 * Longest string whose bytes are their own cache key: the length and up to 7 ASCII bytes as
 * base-128 digits fit the 53 bits a double holds exactly, so a hit needs no comparison of chars.
 */
const MAX_PACKED = 7;
/** Per cache slot, the packed bytes of its string if it is that short, else -1. */
const packedKeys = new Float64Array(CACHE_SLOTS).fill(-1);

/** A `Buffer` with Bun's (and Node's) native, untyped slicer: one call, no argument parsing. */
export type ByteView = Buffer & { latin1Slice(start: number, end: number): string };

/** A {@link ByteView} of `bytes` (no copy). */
export function bufferView(bytes: Uint8Array): ByteView {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ByteView;
}

// One view, made on first need for the bytes being decoded (many decodes never need one).
let viewedBytes: Uint8Array | null = null;
let view: ByteView | null = null;

/** `bytes[start, end)` as a latin1 string (each byte one char), by Bun's native slicer. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (viewedBytes !== bytes) {
    view = bufferView(bytes);
    viewedBytes = bytes;
  }
  return view!.latin1Slice(start, end);
}

/** Drops the cached view so the decoded input is not kept alive. */
export function releaseView(): void {
  viewedBytes = null;
  view = null;
}

/**
 * The PHP string in `bytes[start, end)`: a `string` if valid UTF-8, otherwise a copy of the bytes.
 */
export function decodeString(bytes: Uint8Array, start: number, end: number): PhpString {
  const length = end - start;
  if (length <= MAX_INTERNED) {
    if (length === 0) return "";
    if (length <= MAX_PACKED) {
      const text = shortAscii(bytes, start, end);
      if (text !== null) return text;
      return decodeUtf8(bytes, start, end);
    }
    let hash = length;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (ascii) return internAscii(bytes, start, length, hash);
  }
  return decodeUtf8(bytes, start, end);
}

/** The interned string of `bytes[start, end)` (1 to {@link MAX_PACKED} bytes), or `null` if not ASCII. */
function shortAscii(bytes: Uint8Array, start: number, end: number): string | null {
  const length = end - start;
  let hash = length;
  let packed = length;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) return null;
    hash = (Math.imul(hash, 31) + c) | 0;
    packed = packed * 128 + c;
  }
  const slot = cacheSlot(hash);
  if (packedKeys[slot] === packed) return cache[slot]!;
  const text = latin1(bytes, start, end);
  cache[slot] = text;
  packedKeys[slot] = packed;
  return text;
}

function cacheSlot(hash: number): number {
  return (hash ^ (hash >>> 12)) & (CACHE_SLOTS - 1);
}

function internAscii(bytes: Uint8Array, start: number, length: number, hash: number): string {
  const slot = cacheSlot(hash);
  const cached = cache[slot]!;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === bytes[start + i]) i++;
    if (i === length) return cached;
  }
  const text = latin1(bytes, start, start + length);
  cache[slot] = text;
  packedKeys[slot] = -1;
  return text;
}

function decodeUtf8(bytes: Uint8Array, start: number, end: number): PhpString {
  if (isAscii(bytes, start, end)) return latin1(bytes, start, end);
  try {
    return fatalDecoder.decode(bytes.subarray(start, end));
  } catch {
    return bytes.slice(start, end);
  }
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  // Checked in chunks the JIT keeps tight; long texts are usually ASCII keys and values.
  if (end - start > 256) return false;
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Whether `bytes[start, end)` is valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  if (isAscii(bytes, start, end)) return true;
  try {
    fatalDecoder.decode(bytes.subarray(start, end));
    return true;
  } catch {
    return false;
  }
}

/** A class or enum name from bytes: UTF-8 text, with each stray byte b mapped to U+DC00+b. */
export function decodeName(bytes: Uint8Array, start: number, end: number): string {
  const text = decodeString(bytes, start, end);
  if (typeof text === "string") return text;
  let out = "";
  let i = start;
  while (i < end) {
    const length = utf8SequenceLength(bytes, i, end);
    if (length > 0) {
      out += fatalDecoder.decode(bytes.subarray(i, i + length));
      i += length;
    } else {
      out += String.fromCharCode(0xdc00 + bytes[i]!);
      i++;
    }
  }
  return out;
}

/** The bytes of a class or enum name: UTF-8, with lone U+DC80..U+DCFF written back as single bytes. */
export function encodeName(name: string): Uint8Array {
  let plain = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      plain = false;
      break;
    }
  }
  if (plain) return encoder.encode(name);
  const parts: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const next = name.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      parts.push(...encoder.encode(name.slice(i, i + 2)));
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(c - 0xdc00);
    } else {
      parts.push(...encoder.encode(name[i]!));
    }
  }
  return new Uint8Array(parts);
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 if the byte there does not start one. */
function utf8SequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const c = bytes[i]!;
  const length = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (length === 0 || i + length > end) return 0;
  try {
    fatalDecoder.decode(bytes.subarray(i, i + length));
    return length;
  } catch {
    return 0;
  }
}
