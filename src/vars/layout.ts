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
 * Functions take the segment's bytes and their {@link wordsOf} view, fetched for each operation (never
 * used after it: see `src/shm/internal.ts`), a {@link Header} to fill, and a {@link Site} for errors.
 * Variable keys come as their 32-bit halves ({@link keyLow}, {@link keyHigh}), so no call allocates.
 *
 * @example
 * ```ts
 * const site = { call: "SharedVariables.get", context: { key, id } };
 * const words = wordsOf(bytes);
 * const header = readHeader(bytes, words, site, newHeader());
 * const at = findChunk(words, header, keyLow(5), keyHigh(5), 5, site);
 * const from = at + CHUNK_HEADER_SIZE;
 * if (at >= 0) unserialize(bytes.subarray(from, from + payloadLength(words, at)));
 * ```
 * @module
 */
import type { CorruptError, IpcErrorContext } from "../errors.ts";
import { ERRNO, errorFor } from "../ffi/errno.ts";

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
  if ((length | 0) === length && length >= 0 && length <= 0x7fffff00) return (((length + 31) >> 3) << 3) + 8; // int arithmetic
  return Math.floor((length + 31) / 8) * 8 + 8;
}

/**
 * Checks a variable key: an integer number (safe range) or a bigint within int64 (RangeError otherwise).
 *
 * @example
 * ```ts
 * checkKey(5); checkKey(-(2n ** 63n)); // fine
 * checkKey(1.5);                       // RangeError
 * ```
 */
export function checkKey(key: number | bigint): void {
  if (typeof key === "number") {
    if (!Number.isSafeInteger(key)) throw new RangeError(`a variable key must be an integer (a bigint beyond 2^53), got ${key}`);
  } else if (typeof key !== "bigint" || BigInt.asIntN(64, key) !== key) {
    throw new RangeError(`a variable key must be an int64 (number or bigint), got ${String(key)}`);
  }
}

/** Low 32 bits of a {@link checkKey checked} key, as stored in a chunk's first word (signed). */
export function keyLow(key: number | bigint): number {
  if (typeof key === "number") return (key - Math.floor(key / TWO_32) * TWO_32) | 0;
  return Number(BigInt.asIntN(32, key));
}

/** High 32 bits of a {@link checkKey checked} key (signed), the chunk's second word. */
export function keyHigh(key: number | bigint): number {
  if (typeof key === "number") return Math.floor(key / TWO_32);
  return Number(BigInt.asIntN(32, key >> 32n));
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

/** A {@link Header} to fill with {@link readHeader} (one per store is reused: reading it allocates nothing). */
export function newHeader(): Header {
  return { start: 0, end: 0, free: 0, total: 0, limit: 0 };
}

/**
 * The segment as 32-bit words. Every int64 field is 8-byte aligned (the header's, and chunks at 40 +
 * multiples of 8, which the checks enforce), so a field is words[at >>> 2] (low, unsigned) and
 * words[(at >>> 2) + 1] (high): typed-array indexing is what the JIT makes fastest. Offsets reach 2^32
 * (the largest segment a JS ArrayBuffer maps, `MAX_MAPPED_SIZE`), hence `>>>` (`>>` turns offsets from
 * 2^31 on negative) and never `| 0` on an offset. Same rule as `bytes`: used only within the operation
 * that fetched `bytes`.
 */
export function wordsOf(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

/** The int64 at byte offset `at` (8-aligned); exact below 2^53, anything larger fails the bounds checks anyway. */
function readInt64(view: Int32Array, at: number): number {
  const i = at >>> 2;
  const low = view[i]!, high = view[i + 1]!;
  // Below 2^31 (every field of a sane segment) the value stays an int32: offsets computed from it stay
  // integers in the JIT instead of doubles, which makes everything that indexes with them slower.
  if (high === 0 && low >= 0) return low;
  return high * TWO_32 + (low >>> 0);
}

/** Writes a non-negative integer below 2^53 as an int64 at byte offset `at` (8-aligned). */
function writeInt64(view: Int32Array, at: number, value: number): void {
  const i = at >>> 2;
  if (value <= 0x7fffffff) {
    view[i] = value;
    view[i + 1] = 0;
    return;
  }
  const high = Math.floor(value / TWO_32);
  view[i] = value - high * TWO_32;
  view[i + 1] = high;
}

/** True if bytes 0..6 are `PHP_SM\0`. */
export function hasMagic(bytes: Uint8Array, words: Int32Array): boolean {
  return bytes.length >= HEADER_SIZE && words[0] === MAGIC_WORD_0 && (words[1]! & 0xffffff) === MAGIC_WORD_1;
}

/** Writes a fresh header (PHP's `shm_attach` on a segment without the magic). Other bytes are left as they are. */
export function initialiseHeader(bytes: Uint8Array, total: number): void {
  bytes.set(MAGIC, 0);
  const words = wordsOf(bytes);
  writeInt64(words, 8, HEADER_SIZE);
  writeInt64(words, 16, HEADER_SIZE);
  writeInt64(words, 24, total - HEADER_SIZE);
  writeInt64(words, 32, total);
}

/**
 * Reads and checks the header into `header`: magic, `start == 40`, `40 <= end <= min(total, kernel size)`,
 * `end` 8-aligned, `free == total - end`.
 */
export function readHeader(bytes: Uint8Array, words: Int32Array, site: Site, header: Header): Header {
  if (!hasMagic(bytes, words)) {
    if (bytes.length < HEADER_SIZE) corrupt(site, undefined, `the segment (${bytes.length} bytes) is smaller than the 40-byte header`);
    corrupt(site, undefined, "no PHP_SM header at offset 0");
  }
  const start = readInt64(words, 8), end = readInt64(words, 16), free = readInt64(words, 24), total = readInt64(words, 32);
  const limit = Math.min(total, bytes.length);
  if (start !== HEADER_SIZE || total < HEADER_SIZE || end < start || end > limit || end % 8 !== 0 || free !== total - end) {
    badHeader(bytes, site, start, end, free, total);
  }
  header.start = start;
  header.end = end;
  header.free = free;
  header.total = total;
  header.limit = limit;
  return header;
}

/** Bytes a new chunk can take at the end: `free`, bounded by the kernel's size. */
export function room(header: Header): number {
  return Math.min(header.free, header.limit - header.end);
}

/**
 * Offset of the chunk whose key has the halves `low`/`high`, or -1. Every chunk passed on the way is
 * checked (`key` is only for error messages). PHP's lookup: first match wins.
 */
export function findChunk(words: Int32Array, header: Header, low: number, high: number, key: number | bigint, site: Site): number {
  return findChunkFrom(words, header, low, high, key, site, header.start);
}

/** {@link findChunk} from the chunk boundary `from` on: from past a match, it finds the key's duplicates. */
function findChunkFrom(words: Int32Array, header: Header, low: number, high: number, key: number | bigint, site: Site, from: number): number {
  const end = header.end;
  for (let at = from; at < end;) {
    const size = checkedChunkSize(words, at, end, site, key);
    const i = at >>> 2;
    if (words[i] === low && words[i + 1] === high) return at;
    at += size;
  }
  return -1;
}

/**
 * Bytes taken by the key's chunk at `first` and by every later chunk of the same key (duplicates, which
 * PHP's own API never makes but a hand-written or racing writer can): what removing them all frees.
 */
export function sizeOfAll(words: Int32Array, header: Header, first: number, low: number, high: number, key: number | bigint, site: Site): number {
  let total = 0;
  for (let at = first; at >= 0; at = findChunkFrom(words, header, low, high, key, site, at + chunkSizeAt(words, at))) {
    total += chunkSizeAt(words, at);
  }
  return total;
}

/**
 * Removes the key's chunk at `first` and every later duplicate of it (each with PHP's memmove; the chunks
 * after a removed one move down to its offset, so the scan goes on from there).
 */
export function removeAll(
  bytes: Uint8Array, words: Int32Array, header: Header, first: number, low: number, high: number, key: number | bigint, site: Site,
): void {
  for (let at = first; at >= 0; at = findChunkFrom(words, header, low, high, key, site, at)) removeChunk(bytes, words, header, at);
}

/** Keys of every chunk, in storage order (numbers, or bigints beyond 2^53); a duplicated key appears twice. */
export function chunkKeys(words: Int32Array, header: Header, site: Site): Array<number | bigint> {
  const out: Array<number | bigint> = [];
  for (let at = header.start; at < header.end;) {
    const size = checkedChunkSize(words, at, header.end, site, undefined);
    const key = (BigInt(words[(at >>> 2) + 1]!) << 32n) | BigInt(words[at >>> 2]! >>> 0);
    out.push(Number.isSafeInteger(Number(key)) ? Number(key) : key);
    at += size;
  }
  return out;
}

/** The size (`next`) of a chunk {@link findChunk} returned. */
export function chunkSizeAt(words: Int32Array, at: number): number {
  return readInt64(words, at + 16);
}

/** The payload length of a chunk {@link findChunk} returned (checked: it fits the chunk). Its bytes start at `at + 24`. */
export function payloadLength(words: Int32Array, at: number): number {
  return readInt64(words, at + 8);
}

/** PHP's remove: memmove the chunks after the one at `at` down over it; `end -= size`, `free += size`. */
export function removeChunk(bytes: Uint8Array, words: Int32Array, header: Header, at: number): void {
  const size = chunkSizeAt(words, at);
  if (at + size < header.end) bytes.copyWithin(at, at + size, header.end);
  setUsed(words, header, header.end - size, header.free + size);
}

/** Serialized bytes to store: `bytes[0, length)`, with `words` the same buffer as 32-bit words from offset 0. */
export interface Payload {
  bytes: Uint8Array;
  words: Int32Array;
  length: number;
}

/**
 * PHP's append: a chunk at `end` for the key with halves `low`/`high` and the bytes of `payload`.
 * The caller checked {@link room}.
 */
export function appendChunk(bytes: Uint8Array, words: Int32Array, header: Header, low: number, high: number, payload: Payload): void {
  const at = header.end, length = payload.length, size = chunkSize(length);
  words[at >>> 2] = low;
  words[(at >>> 2) + 1] = high;
  writeInt64(words, at + 8, length);
  writeInt64(words, at + 16, size);
  const to = at + CHUNK_HEADER_SIZE;
  if (length > 512) {
    bytes.set(payload.bytes.subarray(0, length), to);
  } else {
    // Small ones a word at a time (both sides are 4-aligned), then the last bytes: the padding after
    // the payload keeps its stale bytes, as PHP leaves them.
    const source = payload.words, whole = length >> 2, w = to >>> 2;
    for (let i = 0; i < whole; i++) words[w + i] = source[i]!;
    const tail = payload.bytes;
    for (let i = whole << 2; i < length; i++) bytes[to + i] = tail[i]!;
  }
  setUsed(words, header, at + size, header.free - size);
}

function setUsed(words: Int32Array, header: Header, end: number, free: number): void {
  writeInt64(words, 16, end);
  writeInt64(words, 24, free);
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
  throw errorFor(ERRNO.EBADMSG, site.call, { ...site.context, detail: `${about}${what}` });
}
