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
 * @example
 * ```ts
 * const seg = segmentLayout(bytes, "SharedVariables.get", { key, id });
 * const chunk = seg.find(varKey(5));
 * if (chunk) unserialize(seg.payload(chunk));
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

/** A chunk found by {@link SegmentLayout.find}. */
export interface Chunk {
  /** Offset of the chunk in the segment. */
  offset: number;
  /** Payload length. */
  length: number;
  /** Total chunk size. */
  size: number;
}

/** The header fields, checked. */
export interface Header {
  start: number;
  end: number;
  free: number;
  total: number;
  /** Where chunks may end: `total`, or the kernel's size if smaller (a header written by a bigger attach). */
  limit: number;
}

const views = new WeakMap<Uint8Array, DataView>();

/** A DataView of `bytes`, made once per mapping (the map holds it only while `bytes` is alive). */
function viewOf(bytes: Uint8Array): DataView {
  let view = views.get(bytes);
  if (!view) views.set(bytes, (view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  return view;
}

/** True if bytes 0..6 are `PHP_SM\0`. */
export function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_SIZE) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/** Writes a fresh header (PHP's `shm_attach` on a segment without the magic). Other bytes are left as they are. */
export function initialiseHeader(bytes: Uint8Array, total: number): void {
  bytes.set(MAGIC, 0);
  const view = viewOf(bytes);
  writeInt64(view, 8, HEADER_SIZE);
  writeInt64(view, 16, HEADER_SIZE);
  writeInt64(view, 24, total - HEADER_SIZE);
  writeInt64(view, 32, total);
}

function readInt64(view: DataView, at: number): number {
  // Exact below 2^53; anything larger fails the bounds checks anyway.
  return view.getInt32(at + 4, true) * TWO_32 + view.getUint32(at, true);
}

function writeInt64(view: DataView, at: number, value: number): void {
  view.setBigInt64(at, BigInt(value), true);
}

/**
 * The variables of one segment: `bytes` is the whole mapping (its length is the kernel's size).
 * Build one per operation (it reads and checks the header); never keep it across calls.
 */
export class SegmentLayout {
  readonly #header: Header;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #call: string;
  readonly #context: IpcErrorContext;

  constructor(bytes: Uint8Array, call: string, context: IpcErrorContext) {
    this.#bytes = bytes;
    this.#view = viewOf(bytes);
    this.#call = call;
    this.#context = context;
    this.#header = this.#readHeader();
  }

  /** The checked header fields. */
  get header(): Readonly<Header> {
    return this.#header;
  }

  /** The chunk of `key`, or null. Every chunk passed on the way is checked. */
  find(key: VarKey): Chunk | null {
    const view = this.#view;
    const { start, end } = this.#header;
    for (let at = start; at < end;) {
      const size = this.#checkedChunkSize(at, key.value);
      if (view.getInt32(at, true) === key.low && view.getInt32(at + 4, true) === key.high) {
        return { offset: at, length: readInt64(view, at + 8), size };
      }
      at += size;
    }
    return null;
  }

  /** Keys of every chunk, in storage order. */
  keys(): Array<number | bigint> {
    const out: Array<number | bigint> = [];
    const { start, end } = this.#header;
    for (let at = start; at < end;) {
      const size = this.#checkedChunkSize(at, undefined);
      const key = this.#view.getBigInt64(at, true);
      out.push(Number.isSafeInteger(Number(key)) ? Number(key) : key);
      at += size;
    }
    return out;
  }

  /** The payload of `chunk` (a view: decode it at once, do not keep it). */
  payload(chunk: Chunk): Uint8Array {
    const from = chunk.offset + CHUNK_HEADER_SIZE;
    return this.#bytes.subarray(from, from + chunk.length);
  }

  /** Bytes a new chunk can take at the end: `free`, bounded by the kernel's size. */
  room(): number {
    const h = this.#header;
    return Math.min(h.free, h.limit - h.end);
  }

  /** PHP's remove: memmove the chunks after `chunk` down over it; `end -= size`, `free += size`. */
  remove(chunk: Chunk): void {
    const h = this.#header;
    const tailStart = chunk.offset + chunk.size;
    if (tailStart < h.end) this.#bytes.copyWithin(chunk.offset, tailStart, h.end);
    this.#setUsed(h.end - chunk.size, h.free + chunk.size);
  }

  /** PHP's append: a chunk for `payload` at `end`. The caller checked {@link room}. */
  append(key: VarKey, payload: Uint8Array): void {
    const h = this.#header;
    const size = chunkSize(payload.length);
    const view = this.#view;
    view.setInt32(h.end, key.low, true);
    view.setInt32(h.end + 4, key.high, true);
    writeInt64(view, h.end + 8, payload.length);
    writeInt64(view, h.end + 16, size);
    this.#bytes.set(payload, h.end + CHUNK_HEADER_SIZE);
    this.#setUsed(h.end + size, h.free - size);
  }

  #setUsed(end: number, free: number): void {
    writeInt64(this.#view, 16, end);
    writeInt64(this.#view, 24, free);
    this.#header.end = end;
    this.#header.free = free;
  }

  #readHeader(): Header {
    const bytes = this.#bytes;
    if (bytes.length < HEADER_SIZE) this.#corrupt(undefined, `the segment (${bytes.length} bytes) is smaller than the 40-byte header`);
    if (!hasMagic(bytes)) this.#corrupt(undefined, "no PHP_SM header at offset 0");
    const view = this.#view;
    const start = readInt64(view, 8), end = readInt64(view, 16), free = readInt64(view, 24), total = readInt64(view, 32);
    const limit = Math.min(total, bytes.length);
    const fieldsOk = start === HEADER_SIZE && total >= HEADER_SIZE && end >= start && end <= limit && free === total - end;
    if (!fieldsOk) this.#badHeader(start, end, free, total);
    return { start, end, free, total, limit };
  }

  #badHeader(start: number, end: number, free: number, total: number): never {
    const fields = `start=${start} end=${end} free=${free} total=${total}`;
    if (start !== HEADER_SIZE) this.#corrupt(undefined, `header at offset 8: start must be 40 (${fields})`);
    if (total < HEADER_SIZE) this.#corrupt(undefined, `header at offset 32: total below 40 (${fields})`);
    if (free !== total - end && end >= start && end <= total) {
      this.#corrupt(undefined, `header at offset 24: free != total - end (${fields})`);
    }
    this.#corrupt(undefined, `header at offset 16: end points outside the ${this.#bytes.length}-byte segment (${fields})`);
  }

  /** The size (`next`) of the chunk at `at`, after checking it against its length and the used area. */
  #checkedChunkSize(at: number, key: number | bigint | undefined): number {
    const end = this.#header.end;
    if (at + CHUNK_HEADER_SIZE > end) this.#corrupt(key, `chunk at offset ${at} runs past end=${end}`);
    const length = readInt64(this.#view, at + 8), size = readInt64(this.#view, at + 16);
    if (length < 0 || size !== chunkSize(length) || at + size > end) {
      this.#corrupt(key, `chunk at offset ${at} has length=${length} next=${size} (used area ends at ${end})`);
    }
    return size;
  }

  #corrupt(key: number | bigint | undefined, what: string): never {
    const about = key === undefined ? "" : `looking up variable ${key}: `;
    throw new CorruptError({
      ...this.#context, syscall: this.#call, code: "EBADMSG", errno: ERRNO.EBADMSG, text: "Bad message",
      detail: `${about}${what}`,
    });
  }
}
