/**
 * PHP 8.2 sysvshm's segment layout and algorithms, on the bytes of one segment, with every offset
 * checked against the kernel's segment size.
 *
 * Header (40 bytes, int64 LE): magic `PHP_SM\0` @0, start @8 (40), end @16, free @24, total @32.
 * Chunk: key i64 @0, length i64 @8, next i64 @16 (= align8(length + 32)), payload @24, stale padding.
 * Lookup is a linear scan from `start`; put removes an old chunk (memmove compaction) and appends at
 * `end`. PHP trusts every field; here a field that points outside the segment, or disagrees with
 * PHP's invariants, throws {@link CorruptError} naming the variable key and the offset.
 *
 * Functions take the segment's bytes fresh for each operation (never kept) and a {@link Site} for errors.
 *
 * @example
 * ```ts
 * const site = { call: "SharedVariables.get", context: { key, id } };
 * const header = readHeader(bytes, site);
 * const at = findChunk(bytes, header, varKey(5), site);
 * if (at >= 0) unserialize(chunkPayload(bytes, at));
 * ```
 * @module
 */
import { CorruptError, type IpcErrorContext } from "../errors.ts";
import { ERRNO } from "../ffi/errno.ts";

/** Size of the header (`sizeof(sysvshm_chunk_head)`) and offset of the first chunk. */
export const HEADER_SIZE = 40;
/** Size of a chunk's fixed part before the payload. */
export const CHUNK_HEADER_SIZE = 24;
/** Default segment size of `shm_attach` (`sysvshm.init_mem`). */
export const DEFAULT_SIZE = 10000;
/** `PHP_SM` and its NUL: bytes 0..6 of an initialised segment. */
const MAGIC = [0x50, 0x48, 0x50, 0x5f, 0x53, 0x4d, 0x00];
/** The same as little-endian words: "PHP_" and "SM\0" (byte 7 is never written, so it is not compared). */
const MAGIC_WORD_0 = 0x5f504850;
const MAGIC_WORD_1 = 0x004d53;
const TWO_32 = 2 ** 32;

/** Bytes a chunk with a `length`-byte payload occupies: PHP's `((len + 31) / 8) * 8 + 8`. */
export function chunkSize(length: number): number {
  return Math.floor((length + 31) / 8) * 8 + 8;
}

/** A variable key (PHP int, int64) split into 32-bit halves for fast compares. */
export interface VarKey {
  /** The key as given back to callers: a number when it is a safe integer, else a bigint. */
  readonly value: number | bigint;
  readonly low: number;
  readonly high: number;
}

/** Checks and splits a variable key: an integer number (safe range) or a bigint within int64. */
export function varKey(key: number | bigint): VarKey {
  if (typeof key === "number") {
    if (!Number.isSafeInteger(key)) {
      throw new RangeError(`a variable key must be an integer (a bigint beyond 2^53), got ${key}`);
    }
    const high = Math.floor(key / TWO_32);
    return { value: key, low: (key - high * TWO_32) | 0, high };
  }
  if (typeof key !== "bigint" || BigInt.asIntN(64, key) !== key) {
    throw new RangeError(`a variable key must be an int64 (number or bigint), got ${String(key)}`);
  }
  const value = Number.isSafeInteger(Number(key)) ? Number(key) : key;
  return { value, low: Number(BigInt.asIntN(32, key)), high: Number(BigInt.asIntN(32, key >> 32n)) };
}

/** Where an operation runs, for error messages: the call and the segment's key and id. */
export interface Site {
  call: string;
  context: IpcErrorContext;
}

/** The header fields, checked. `limit` is where chunks may end: `total`, or the kernel's size if smaller. */
export interface Header {
  start: number;
  end: number;
  free: number;
  total: number;
  limit: number;
}

const words = new WeakMap<Uint8Array, Int32Array>();

/**
 * The segment as 32-bit words, made once per mapping (held only while `bytes` is alive). Every int64 field
 * is 8-byte aligned (the header's, and chunks at 40 + multiples of 8, which the checks enforce), so a field
 * is words[at >> 2] (low, unsigned) and words[(at >> 2) + 1] (high): typed-array indexing is what the JIT
 * makes fastest.
 */
function wordsOf(bytes: Uint8Array): Int32Array {
  let view = words.get(bytes);
  if (!view) words.set(bytes, (view = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)));
  return view;
}

/** The int64 at byte offset `at` (8-aligned); exact below 2^53, anything larger fails the bounds checks anyway. */
function readInt64(view: Int32Array, at: number): number {
  const i = at >> 2;
  return view[i + 1]! * TWO_32 + (view[i]! >>> 0);
}

/** Writes a non-negative integer below 2^53 as an int64 at byte offset `at` (8-aligned). */
function writeInt64(view: Int32Array, at: number, value: number): void {
  const i = at >> 2;
  const high = Math.floor(value / TWO_32);
  view[i] = value - high * TWO_32;
  view[i + 1] = high;
}

/** True if bytes 0..6 are `PHP_SM\0`. */
export function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_SIZE) return false;
  const view = wordsOf(bytes);
  return view[0] === MAGIC_WORD_0 && (view[1]! & 0xffffff) === MAGIC_WORD_1;
}

/** Writes a fresh header (PHP's `shm_attach` on a segment without the magic). Other bytes are left as they are. */
export function initialiseHeader(bytes: Uint8Array, total: number): void {
  bytes.set(MAGIC, 0);
  const view = wordsOf(bytes);
  writeInt64(view, 8, HEADER_SIZE);
  writeInt64(view, 16, HEADER_SIZE);
  writeInt64(view, 24, total - HEADER_SIZE);
  writeInt64(view, 32, total);
}

/** Reads and checks the header: magic, `start == 40`, `40 <= end <= min(total, kernel size)`, `end` 8-aligned, `free == total - end`. */
export function readHeader(bytes: Uint8Array, site: Site): Header {
  if (!hasMagic(bytes)) {
    if (bytes.length < HEADER_SIZE) corrupt(site, undefined, `the segment (${bytes.length} bytes) is smaller than the 40-byte header`);
    corrupt(site, undefined, "no PHP_SM header at offset 0");
  }
  const view = wordsOf(bytes);
  const start = readInt64(view, 8), end = readInt64(view, 16), free = readInt64(view, 24), total = readInt64(view, 32);
  const limit = Math.min(total, bytes.length);
  if (start !== HEADER_SIZE || total < HEADER_SIZE || end < start || end > limit || end % 8 !== 0 || free !== total - end) {
    badHeader(bytes, site, start, end, free, total);
  }
  return { start, end, free, total, limit };
}

/** Bytes a new chunk can take at the end: `free`, bounded by the kernel's size. */
export function room(header: Header): number {
  return Math.min(header.free, header.limit - header.end);
}

/** Offset of the chunk of `key`, or -1. Every chunk passed on the way is checked. */
export function findChunk(bytes: Uint8Array, header: Header, key: VarKey, site: Site): number {
  const view = wordsOf(bytes);
  const end = header.end;
  for (let at = header.start; at < end;) {
    const size = checkedChunkSize(view, at, end, site, key.value);
    const i = at >> 2;
    if (view[i] === key.low && view[i + 1] === key.high) return at;
    at += size;
  }
  return -1;
}

/** Keys of every chunk, in storage order (numbers, or bigints beyond 2^53). */
export function chunkKeys(bytes: Uint8Array, header: Header, site: Site): Array<number | bigint> {
  const view = wordsOf(bytes);
  const out: Array<number | bigint> = [];
  for (let at = header.start; at < header.end;) {
    const size = checkedChunkSize(view, at, header.end, site, undefined);
    const key = (BigInt(view[(at >> 2) + 1]!) << 32n) | BigInt(view[at >> 2]! >>> 0);
    out.push(Number.isSafeInteger(Number(key)) ? Number(key) : key);
    at += size;
  }
  return out;
}

/** The size (`next`) of a chunk {@link findChunk} returned. */
export function chunkSizeAt(bytes: Uint8Array, at: number): number {
  return readInt64(wordsOf(bytes), at + 16);
}

/** The payload of the chunk at `at` (a view: decode it at once, never keep it). */
export function chunkPayload(bytes: Uint8Array, at: number): Uint8Array {
  const from = at + CHUNK_HEADER_SIZE;
  return bytes.subarray(from, from + readInt64(wordsOf(bytes), at + 8));
}

/** PHP's remove: memmove the chunks after the one at `at` down over it; `end -= size`, `free += size`. */
export function removeChunk(bytes: Uint8Array, header: Header, at: number): void {
  const size = chunkSizeAt(bytes, at);
  if (at + size < header.end) bytes.copyWithin(at, at + size, header.end);
  setUsed(bytes, header, header.end - size, header.free + size);
}

/** PHP's append: a chunk for `payload` at `end`. The caller checked {@link room}. */
export function appendChunk(bytes: Uint8Array, header: Header, key: VarKey, payload: Uint8Array): void {
  const view = wordsOf(bytes);
  const at = header.end, size = chunkSize(payload.length);
  view[at >> 2] = key.low;
  view[(at >> 2) + 1] = key.high;
  writeInt64(view, at + 8, payload.length);
  writeInt64(view, at + 16, size);
  bytes.set(payload, at + CHUNK_HEADER_SIZE);
  setUsed(bytes, header, at + size, header.free - size);
}

function setUsed(bytes: Uint8Array, header: Header, end: number, free: number): void {
  const view = wordsOf(bytes);
  writeInt64(view, 16, end);
  writeInt64(view, 24, free);
  header.end = end;
  header.free = free;
}

/** The size (`next`) of the chunk at `at`, after checking it against its length and the used area. */
function checkedChunkSize(view: Int32Array, at: number, end: number, site: Site, key: number | bigint | undefined): number {
  if (at + CHUNK_HEADER_SIZE > end) corrupt(site, key, `chunk at offset ${at} runs past end=${end}`);
  const length = readInt64(view, at + 8), size = readInt64(view, at + 16);
  if (length < 0 || size !== chunkSize(length) || at + size > end) {
    corrupt(site, key, `chunk at offset ${at} has length=${length} next=${size} (used area ends at ${end})`);
  }
  return size;
}

function badHeader(bytes: Uint8Array, site: Site, start: number, end: number, free: number, total: number): never {
  const fields = `start=${start} end=${end} free=${free} total=${total}`;
  if (start !== HEADER_SIZE) corrupt(site, undefined, `header at offset 8: start must be 40 (${fields})`);
  if (total < HEADER_SIZE) corrupt(site, undefined, `header at offset 32: total below 40 (${fields})`);
  if (end >= start && end <= total && end <= bytes.length && end % 8 === 0) {
    corrupt(site, undefined, `header at offset 24: free != total - end (${fields})`);
  }
  corrupt(site, undefined, `header at offset 16: end is not a chunk boundary inside the ${bytes.length}-byte segment (${fields})`);
}

function corrupt(site: Site, key: number | bigint | undefined, what: string): never {
  const about = key === undefined ? "" : `looking up variable ${key}: `;
  throw new CorruptError({
    ...site.context, syscall: site.call, code: "EBADMSG", errno: ERRNO.EBADMSG, text: "Bad message",
    detail: `${about}${what}`,
  });
}
