/**
 * {@link SharedVariables}: PHP's `shm_put_var`/`shm_get_var` store over one System V segment, byte for
 * byte (see `layout.ts`), with what PHP 8.2 lacks: an update that does not fit fails and keeps the old
 * value, corrupt or out-of-segment headers and chunks throw {@link CorruptError} instead of crashing,
 * the kernel's segment size bounds every access, and `update()` does a read-modify-write under a lock
 * that PHP code can take too.
 *
 * @example
 * ```ts
 * import { SharedVariables } from "bun-sysv";
 * using vars = SharedVariables.create(0x5eed0001); // 10000 bytes, mode 0600
 * vars.set(1, { hits: 0, tags: ["a"] });
 * vars.get(1);                                     // { hits: 0, tags: ["a"] }
 * await vars.update(1, (v) => ({ ...v, hits: v.hits + 1 })); // under the lock of key 0x5eed0001
 * ```
 * @module
 */
import { type CorruptError, IpcError, NotFoundError, UnserializeError } from "../errors.ts";
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { toKey, type KeyLike } from "../keys/key.ts";
import type { PhpValue, UnserializeOptions } from "../serialize/index.ts";
import { unserializeWith } from "../serialize/decode.ts";
import { serializeToScratch } from "../serialize/encode.ts";
import { decodeSettings, type DecodeSettings } from "../serialize/options.ts";
import type { AcquireOptions } from "../sem/semaphore.ts";
import { Mutex } from "../sem/mutex.ts";
import { SharedMemory } from "../shm/segment.ts";
import { segmentBytes } from "../shm/internal.ts";
import { FloatMemory, type FloatShape, restoreFloats } from "./floats.ts";
import {
  appendChunk, checkKey, CHUNK_HEADER_SIZE, chunkKeys, chunkSize, chunkSizeAt, DEFAULT_SIZE, findChunk, hasMagic,
  HEADER_SIZE, initialiseHeader, keyHigh, keyLow, newHeader, payloadLength, readHeader, removeAll, removeChunk, room, sizeOfAll, wordsOf,
  type Header, type Site,
} from "./layout.ts";

/** The calls whose errors name a {@link Site}. */
type Call = "get" | "has" | "set" | "delete" | "keys" | "stat";

/** A variable key: a PHP int (int64), as a number (safe integer) or a bigint. */
export type VariableKey = number | bigint;

/** How to open a variable store. */
export interface SharedVariablesOptions {
  /**
   * Size of a new segment (default 10000, PHP's `sysvshm.init_mem`; at least 40), and the `total` written
   * into a segment found without the `PHP_SM` header (bounded by the kernel's size).
   */
  size?: number;
  /** Permission bits of a new segment and of the update lock's semaphore. Default 0o600. */
  mode?: number;
  /** Attach read-only: `get`/`has`/`keys`/`stat` only. Default false. */
  readOnly?: boolean;
  /** Key of the semaphore that `update()` locks. Default: the segment's key (see {@link SharedVariables.lock}). */
  lockKey?: KeyLike;
  /** Options for decoding values (`mapArrays`, `allowedClasses`, `exact`, ...), read and checked on the first `get`. */
  unserialize?: UnserializeOptions;
}

/** Bytes used and left in a store. */
export interface SharedVariablesStat {
  /** The segment's size according to the kernel. */
  size: number;
  /** The header's `total` (the size its initialiser asked for). */
  total: number;
  /**
   * Bytes in use: the 40-byte header and the chunks (the header's `end`). `used + free` is the store's
   * capacity, `min(total, size)`: `total` for every store whose header was written by Bun, or by PHP on a
   * segment at least that big. The chunks alone take `used - 40`.
   */
  used: number;
  /** Bytes a new chunk can still take (`free`, bounded by the kernel's size). */
  free: number;
  /** Number of variables (distinct keys). */
  count: number;
  /**
   * Chunks hidden behind an earlier chunk of the same key (0 in a sound store; PHP's API never makes
   * them, a hand-written or racing writer can). `get` reads the first; `set` and `delete` remove them all.
   */
  duplicates: number;
}

/** A new segment cannot be attached read-only: its header could not be written. Refused before creating it. */
function refuseReadOnlyCreate(call: string, readOnly: boolean): void {
  if (readOnly) throw new TypeError(`${call}: readOnly cannot create a segment (a read-only attach cannot write the PHP_SM header); use open()`);
}

function checkSize(call: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < HEADER_SIZE) {
    throw new RangeError(`${call}: size must be an integer >= ${HEADER_SIZE} (the header), got ${size}`);
  }
}

/**
 * PHP's variable store over a segment. Open with {@link SharedVariables.open} (segment must exist),
 * {@link SharedVariables.create} (PHP's `shm_attach`: attach the key's segment whatever its size, or
 * create it) or {@link SharedVariables.createNew}; or wrap a segment with {@link SharedVariables.fromSegment}.
 *
 * @example
 * ```ts
 * const vars = SharedVariables.open(key, { readOnly: true });
 * for (const k of vars.keys()) console.log(k, vars.get(k));
 * vars.detach();
 * ```
 */
export class SharedVariables implements Disposable {
  /** The segment underneath. */
  readonly segment: SharedMemory;
  readonly #lockKey: number;
  readonly #mode: number;
  readonly #decode: UnserializeOptions | undefined;
  /** `#decode` checked, on the first `get`. */
  #settings: DecodeSettings | null = null;
  readonly #sites: Record<Call, Site>;
  #lock: Mutex | null = null;
  /** Filled by each operation's {@link readHeader} (nothing reads it once the operation is over). */
  readonly #header: Header = newHeader();
  /**
   * The words view of the segment bytes it was made for, reused while {@link segmentBytes} (called by every
   * operation, which throws once detached) returns the same array; never read without that fresh check.
   */
  #words: Int32Array = new Int32Array(0);
  #wordsOf: Uint8Array | null = null;
  /** Per key, the whole-number floats of the last value `get` read (see `floats.ts`); cleared by `detach`. */
  readonly #floats = new FloatMemory();

  /** Attaches the existing segment of `key` (NotFoundError if none), initialising the header if it has none. */
  static open(key: KeyLike, options: SharedVariablesOptions = {}): SharedVariables {
    return SharedVariables.#over(SharedMemory.open(key, { readOnly: options.readOnly ?? false }), options, false);
  }

  /**
   * PHP's `shm_attach`: attaches the key's segment whatever its size, or creates one of `size` bytes
   * (default 10000) with `mode` (default 0600). With `readOnly`, only an existing segment is attached
   * (NotFoundError otherwise: a read-only attach cannot write the header of a new one).
   */
  static create(key: KeyLike, options: SharedVariablesOptions = {}): SharedVariables {
    const size = options.size ?? DEFAULT_SIZE;
    checkSize("SharedVariables.create", size);
    const k = toKey(key);
    const readOnly = options.readOnly ?? false;
    const shmOptions = { mode: options.mode ?? 0o600, readOnly };
    if (k === 0) {
      refuseReadOnlyCreate("SharedVariables.create", readOnly);
      return SharedVariables.#over(SharedMemory.createPrivate(size, shmOptions), options, true);
    }
    for (;;) {
      try {
        return SharedVariables.#over(SharedMemory.open(k, { readOnly }), options, false);
      } catch (e) {
        if (!(e instanceof NotFoundError) || readOnly) throw e;
      }
      try {
        return SharedVariables.#over(SharedMemory.createNew(k, size, shmOptions), options, true);
      } catch (e) {
        if (!(e instanceof IpcError) || e.code !== "EEXIST" || e.syscall !== "shmget") throw e; // lost a creation race: attach theirs
      }
    }
  }

  /** Creates a new segment of `size` bytes (default 10000); ExistsError if the key has one. */
  static createNew(key: KeyLike, options: SharedVariablesOptions = {}): SharedVariables {
    const size = options.size ?? DEFAULT_SIZE;
    checkSize("SharedVariables.createNew", size);
    refuseReadOnlyCreate("SharedVariables.createNew", options.readOnly ?? false);
    const shm = SharedMemory.createNew(key, size, { mode: options.mode ?? 0o600 });
    return SharedVariables.#over(shm, options, true);
  }

  /**
   * A store over an attached segment (which it then owns: `detach()` detaches it). A segment without the
   * `PHP_SM` header gets one, with `total = min(options.size ?? segment size, segment size)`.
   * On failure the segment is detached if `detachOnFailure`.
   */
  static fromSegment(segment: SharedMemory, options: SharedVariablesOptions = {}, detachOnFailure = false): SharedVariables {
    try {
      return new SharedVariables(segment, options);
    } catch (e) {
      if (detachOnFailure) segment.detach();
      throw e;
    }
  }

  /** A store over a segment this class attached: on failure it is detached, and removed if `created` (ours). */
  static #over(segment: SharedMemory, options: SharedVariablesOptions, created: boolean): SharedVariables {
    try {
      return new SharedVariables(segment, options);
    } catch (e) {
      if (created) {
        try { segment.remove(); } catch { /* already gone */ }
      }
      segment.detach();
      throw e;
    }
  }

  private constructor(segment: SharedMemory, options: SharedVariablesOptions) {
    this.segment = segment;
    this.#mode = options.mode ?? 0o600;
    this.#decode = options.unserialize;
    this.#lockKey = options.lockKey === undefined ? segment.key : toKey(options.lockKey);
    const context = { key: segment.key, id: segment.id };
    const site = (call: Call): Site => ({ call: `SharedVariables.${call}`, context });
    this.#sites = { get: site("get"), has: site("has"), set: site("set"), delete: site("delete"), keys: site("keys"), stat: site("stat") };
    const bytes = segmentBytes(segment, "SharedVariables");
    if (segment.size < HEADER_SIZE) {
      throw errorFor(ERRNO.EINVAL, "SharedVariables", {
        key: segment.key, id: segment.id, detail: `the segment (${segment.size} bytes) is smaller than the 40-byte header`,
      });
    }
    if (hasMagic(bytes, wordsOf(bytes))) return;
    if (segment.readOnly) throw this.#corrupt("SharedVariables", "no PHP_SM header, and a read-only attach cannot write one");
    if (options.size !== undefined) checkSize("SharedVariables", options.size);
    initialiseHeader(bytes, Math.min(options.size ?? segment.size, segment.size));
  }

  /** The segment's key (0 for a private one). */
  get key(): number {
    return this.segment.key;
  }

  /** The segment's kernel id. */
  get id(): number {
    return this.segment.id;
  }

  /** Attached read-only. */
  get readOnly(): boolean {
    return this.segment.readOnly;
  }

  /** True until {@link SharedVariables.detach}. */
  get attached(): boolean {
    return this.segment.attached;
  }

  /**
   * The value of `key`, or `undefined` if there is none. CorruptError if the segment's layout or the
   * value's bytes are broken.
   */
  get<T = PhpValue>(key: VariableKey): T | undefined {
    checkKey(key);
    const site = this.#sites.get;
    const bytes = segmentBytes(this.segment, site.call);
    const words = this.#wordsFor(bytes);
    const at = findChunk(words, readHeader(bytes, words, site, this.#header), keyLow(key), keyHigh(key), key, site);
    if (at < 0) {
      this.#floats.forget(key);
      return undefined;
    }
    const from = at + CHUNK_HEADER_SIZE, to = from + payloadLength(words, at);
    const settings = (this.#settings ??= decodeSettings(this.#decode));
    try {
      const value = unserializeWith(bytes, settings, from, to) as T; // (no view of the payload)
      this.#floats.read(key, bytes, settings, from, to, true); // (just decoded: no byte scan)
      return value;
    } catch (e) {
      if (!(e instanceof UnserializeError)) throw e;
      throw this.#corrupt(site.call, `variable ${key} (chunk at offset ${at}): ${e.message}`, e);
    }
  }

  /** True if `key` has a value. */
  has(key: VariableKey): boolean {
    checkKey(key);
    const site = this.#sites.has;
    const bytes = segmentBytes(this.segment, site.call);
    const words = this.#wordsFor(bytes);
    return findChunk(words, readHeader(bytes, words, site, this.#header), keyLow(key), keyHigh(key), key, site) >= 0;
  }

  /**
   * Stores `value` (PHP `serialize()` bytes) under `key`: the old chunk is removed and the new one
   * appended at the end, as PHP does. If it does not fit, TooBigError is thrown and the old value stays.
   */
  set(key: VariableKey, value: unknown): void {
    checkKey(key);
    this.#set(key, value, this.#floats.shape(key));
  }

  /** {@link SharedVariables.set} with the float shape of the value read (see `floats.ts`). */
  #set(key: VariableKey, value: unknown, floats: FloatShape | undefined): void {
    const site = this.#sites.set;
    this.#assertWritable(site.call);
    // Serialized into the encoder's scratch buffer (no copy yet): nothing may serialize until it is copied below.
    const payload = serializeToScratch(floats === undefined ? value : restoreFloats(value, floats));
    const length = payload.length;
    const bytes = segmentBytes(this.segment, site.call); // after serialize: it may have run code that detached
    const words = this.#wordsFor(bytes);
    const header = readHeader(bytes, words, site, this.#header);
    const low = keyLow(key), high = keyHigh(key);
    const old = findChunk(words, header, low, high, key, site);
    const taken = old >= 0 ? sizeOfAll(words, header, old, low, high, key, site) : 0;
    const available = room(header) + taken;
    const need = chunkSize(length);
    if (need > available) {
      throw errorFor(ERRNO.ENOSPC, site.call, {
        key: this.key, id: this.id,
        detail: `variable ${key}: ${length} serialized bytes need ${need}, ${available} available; ${old >= 0 ? "the old value is kept" : "nothing was stored"}`,
      });
    }
    // No duplicate (the walk above found none after it): remove the one chunk without walking again.
    if (old >= 0) {
      if (taken === chunkSizeAt(words, old)) removeChunk(bytes, words, header, old);
      else removeAll(bytes, words, header, old, low, high, key, site);
    }
    appendChunk(bytes, words, header, low, high, payload);
  }

  /** Removes `key`; false if it had no value. */
  delete(key: VariableKey): boolean {
    checkKey(key);
    const site = this.#sites.delete;
    this.#assertWritable(site.call);
    const bytes = segmentBytes(this.segment, site.call);
    const words = this.#wordsFor(bytes);
    const header = readHeader(bytes, words, site, this.#header);
    const low = keyLow(key), high = keyHigh(key);
    const at = findChunk(words, header, low, high, key, site);
    if (at < 0) return false;
    removeAll(bytes, words, header, at, low, high, key, site);
    this.#floats.forget(key);
    return true;
  }

  /** Every key once, in storage order of its first chunk (numbers, or bigints beyond 2^53). */
  keys(): VariableKey[] {
    const site = this.#sites.keys;
    const bytes = segmentBytes(this.segment, site.call);
    const words = this.#wordsFor(bytes);
    return [...new Set(chunkKeys(words, readHeader(bytes, words, site, this.#header), site))];
  }

  /** Bytes used and free, the number of variables, and of duplicate chunks. */
  stat(): SharedVariablesStat {
    const site = this.#sites.stat;
    const bytes = segmentBytes(this.segment, site.call);
    const words = this.#wordsFor(bytes);
    const header = readHeader(bytes, words, site, this.#header);
    const chunks = chunkKeys(words, header, site);
    const count = new Set(chunks).size;
    return {
      size: this.segment.size, total: header.total, used: header.end, free: room(header), count,
      duplicates: chunks.length - count,
    };
  }

  /**
   * The lock `update()` takes: a PHP-protocol {@link Mutex} on `lockKey` (default: the segment's key;
   * System V semaphore and segment keys are separate name spaces). PHP takes the same lock with
   * `sem_get($key)` + `sem_acquire()`. Opened on first use; closed by `detach()`.
   */
  get lock(): Mutex {
    if (this.#lock) return this.#lock;
    if (this.#lockKey === 0) {
      throw new RangeError("SharedVariables.lock: a private segment has no key to share a lock on; pass { lockKey }");
    }
    this.#lock = Mutex.create(this.#lockKey, { mode: this.#mode });
    return this.#lock;
  }

  /**
   * Read-modify-write under {@link SharedVariables.lock}, waiting for the lock off the main thread:
   * `fn` gets the current value (or `undefined`) and returns the new one (`undefined` deletes the key).
   * Concurrent updaters, in PHP or Bun, lose nothing. Resolves with what `fn` returned.
   */
  async update<T>(key: VariableKey, fn: (current: PhpValue | undefined) => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    using _permit = await this.lock.acquire(options);
    const current = this.get(key);
    const floats = this.#floats.shape(key); // what this read held, whatever other reads happen meanwhile
    return this.#apply(key, await fn(current), floats);
  }

  /** {@link SharedVariables.update} that waits for the lock synchronously (blocking, like PHP's `sem_acquire`). */
  updateSync<T>(key: VariableKey, fn: (current: PhpValue | undefined) => T, options: Omit<AcquireOptions, "signal"> = {}): T {
    using _permit = this.lock.acquireSync(options);
    const current = this.get(key);
    return this.#apply(key, fn(current), this.#floats.shape(key));
  }

  /** Removes the segment for everyone (the memory stays usable here until `detach()`). The lock's set is not removed. */
  remove(): void {
    this.segment.remove();
  }

  /** Detaches the segment and closes the lock handle (if opened). Idempotent. */
  detach(): void {
    this.#floats.clear();
    this.#lock?.close();
    this.#lock = null;
    this.segment.detach();
  }

  /** `using vars = ...` detaches at the end of the block. */
  [Symbol.dispose](): void {
    this.detach();
  }

  #apply<T>(key: VariableKey, next: T, floats: FloatShape | undefined): T {
    if (next === undefined) this.delete(key);
    else this.#set(key, next, floats);
    return next;
  }

  /** The words view of `bytes`, just fetched by {@link segmentBytes} for this operation (made again for a new mapping). */
  #wordsFor(bytes: Uint8Array): Int32Array {
    if (bytes !== this.#wordsOf) {
      this.#words = wordsOf(bytes);
      this.#wordsOf = bytes;
    }
    return this.#words;
  }

  #assertWritable(call: string): void {
    if (!this.segment.attached) segmentBytes(this.segment, call); // throws ClosedError
    if (this.segment.readOnly) throw errorFor(ERRNO.EACCES, call, { key: this.key, id: this.id, detail: "the segment is attached read-only" });
  }

  #corrupt(call: string, detail: string, cause?: unknown): CorruptError {
    const error = errorFor(ERRNO.EBADMSG, call, { key: this.key, id: this.id, detail });
    if (cause) error.cause = cause;
    return error;
  }
}
