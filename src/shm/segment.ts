/**
 * {@link SharedMemory}: one attached System V shared memory segment, reached only through
 * bounds-checked copies ({@link SharedMemory.read}, {@link SharedMemory.write}) or guarded views
 * ({@link SharedMemory.view}). Using a detached handle throws {@link ClosedError}, never a segfault.
 *
 * @example
 * ```ts
 * import { SharedMemory, ftok } from "bun-sysv";
 * using shm = SharedMemory.create(ftok("/tmp/app.key", "A"), 4096); // mode 0600
 * shm.write("hello");            // 5 (UTF-8 bytes written at offset 0)
 * shm.read(0, 5);                // Uint8Array [104, 101, 108, 108, 111] (a copy)
 * shm.remove();                  // gone once every process has detached
 * ```
 * @module
 */
import { ClosedError, ExistsError, formatKey, NotFoundError } from "../errors.ts";
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { IPC_PRIVATE } from "../ffi/constants.ts";
import { toKey, type KeyLike } from "../keys/key.ts";
import {
  attachSegment, detachAddress, getSegment, mapBytes, MAX_MAPPED_SIZE, OPEN_FLAGS, removeSegment, statSegment, tooBigToMap,
  type SegmentStat,
} from "./native.ts";

/** Options of {@link SharedMemory.open} and {@link SharedMemory.openId}. */
export interface OpenOptions {
  /** Attach with SHM_RDONLY: writes throw {@link PermissionError}, `view()` is refused. Default false. */
  readOnly?: boolean;
}

/** Options of {@link SharedMemory.create}, {@link SharedMemory.createNew} and {@link SharedMemory.createPrivate}. */
export interface CreateOptions extends OpenOptions {
  /**
   * Permission bits of a new segment, default `0o600`. Also the access asked of an existing
   * segment (`create` on a segment whose mode does not grant it fails with EACCES).
   */
  mode?: number;
}

const encoder = new TextEncoder();

// Safety net: a handle that is garbage-collected while attached is detached (its private view dies with it).
const forgotten = new FinalizationRegistry<number>(detachAddress);

function checkSize(call: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`${call}: size must be an integer >= 1, got ${size}`);
}

function checkMode(call: string, mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`${call}: mode must be permission bits 0..0o777, got ${mode}`);
  }
}

/** Hooks for `internal.ts` (library modules only; not re-exported). */
export const shmInternal = {} as {
  bytes: (shm: SharedMemory, call: string) => Uint8Array;
  open: (key: KeyLike, size: number, flags: number, readOnly: boolean) => SharedMemory;
  construct: (key: number, id: number, size: number, readOnly: boolean, address: number) => SharedMemory;
};

/** One attached System V shared memory segment. Create one with the static constructors. */
export class SharedMemory {
  /** The key it was opened with (int32; 0 = IPC_PRIVATE). */
  readonly key: number;
  /** The kernel id (shmid). */
  readonly id: number;
  /** Size in bytes, as the kernel reports it (`shm_segsz`), which may exceed the size asked of `create`. */
  readonly size: number;
  /** Attached with SHM_RDONLY. */
  readonly readOnly: boolean;
  // The one Uint8Array over this handle's own attach. Never handed out; null once detached.
  #bytes: Uint8Array | null;
  #address: number;

  private constructor(key: number, id: number, size: number, readOnly: boolean, address: number) {
    this.key = key;
    this.id = id;
    this.size = size;
    this.readOnly = readOnly;
    this.#address = address;
    this.#bytes = mapBytes(address, size, false);
    forgotten.register(this, address, this);
  }

  /**
   * Opens the segment that `key` names; {@link NotFoundError} if there is none.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.open(0x5eed0001, { readOnly: true });
   * ```
   */
  static open(key: KeyLike, options: OpenOptions = {}): SharedMemory {
    const readOnly = options.readOnly ?? false;
    return attach(toKey(key), 0, OPEN_FLAGS.open(readOnly), readOnly, false);
  }

  /**
   * Opens the segment of `key`, creating it with `size` bytes and `mode` (default 0600) if there is none.
   * An existing segment keeps its size (see {@link SharedMemory.size}); one smaller than `size` fails with EINVAL.
   * A segment this call created and then could not attach is removed again.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.create(ftok("/tmp/app.key", "A"), 1024, { mode: 0o660 });
   * ```
   */
  static create(key: KeyLike, size: number, options: CreateOptions = {}): SharedMemory {
    const mode = options.mode ?? 0o600;
    checkSize("SharedMemory.create", size);
    checkMode("SharedMemory.create", mode);
    const k = toKey(key), readOnly = options.readOnly ?? false;
    // Create-new first, then open the existing one (with the same size and access checks as IPC_CREAT
    // alone), so we know whether this call made the segment: then a failure after shmget removes it.
    for (;;) {
      try {
        return attach(k, size, OPEN_FLAGS.createNew(mode), readOnly, true);
      } catch (e) {
        if (!(e instanceof ExistsError) || e.syscall !== "shmget" || k === IPC_PRIVATE) throw e;
      }
      try {
        return attach(k, size, OPEN_FLAGS.existing(mode), readOnly, false);
      } catch (e) {
        if (!(e instanceof NotFoundError) || e.syscall !== "shmget") throw e; // removed in between: create again
      }
    }
  }

  /**
   * Creates a new segment of `size` bytes; {@link ExistsError} if `key` already names one.
   * If the new segment cannot be attached (e.g. a mode without read permission), it is removed again.
   * Sizes over {@link MAX_MAPPED_SIZE} (4 GiB) are refused with {@link TooBigError} before anything is created.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.createNew(key, 64 * 1024);
   * ```
   */
  static createNew(key: KeyLike, size: number, options: CreateOptions = {}): SharedMemory {
    const mode = options.mode ?? 0o600;
    checkSize("SharedMemory.createNew", size);
    checkMode("SharedMemory.createNew", mode);
    return attach(toKey(key), size, OPEN_FLAGS.createNew(mode), options.readOnly ?? false, true);
  }

  /**
   * Creates a private segment (key IPC_PRIVATE): no other process can find it by key, only by
   * {@link SharedMemory.id} (see {@link SharedMemory.openId}).
   *
   * @example
   * ```ts
   * using shm = SharedMemory.createPrivate(4096);
   * child.send({ shmid: shm.id });
   * ```
   */
  static createPrivate(size: number, options: CreateOptions = {}): SharedMemory {
    return SharedMemory.createNew(IPC_PRIVATE, size, options);
  }

  /**
   * Attaches an existing segment by kernel id (e.g. a private one whose id was passed along).
   * `key` is then the segment's current key from IPC_STAT.
   *
   * @example
   * ```ts
   * const shm = SharedMemory.openId(Number(process.env.SHMID));
   * ```
   */
  static openId(id: number, options: OpenOptions = {}): SharedMemory {
    return attachId(undefined, id, options.readOnly ?? false, false);
  }

  /** True until {@link SharedMemory.detach}. */
  get attached(): boolean {
    return this.#bytes !== null;
  }

  /**
   * Copies `length` bytes from `offset` (default: all bytes from `offset` to the end).
   * RangeError if the range leaves the segment.
   *
   * @example
   * ```ts
   * const header = shm.read(0, 40);
   * ```
   */
  read(offset = 0, length = this.size - offset): Uint8Array {
    const bytes = this.#bytes;
    if (bytes === null) throw closed("SharedMemory.read", this);
    if (!isRange(offset, length, this.size)) throw outOfRange("SharedMemory.read", this, offset, length);
    return bytes.slice(offset, offset + length);
  }

  /**
   * Copies `target.length` bytes from `offset` into `target` and returns that count: the
   * allocation-free form of {@link SharedMemory.read} for hot loops and big segments (a fresh
   * 1 MiB copy per call costs more than the copy itself: new memory is cold in the CPU cache).
   * RangeError if the range leaves the segment.
   *
   * @example
   * ```ts
   * const frame = new Uint8Array(4096);
   * shm.readInto(frame, 8192); // 4096
   * ```
   */
  readInto(target: Uint8Array, offset = 0): number {
    const bytes = this.#bytes;
    if (bytes === null) throw closed("SharedMemory.readInto", this);
    if (!(target instanceof Uint8Array)) throw new TypeError("SharedMemory.readInto: target must be a Uint8Array");
    const length = target.length;
    if (!isRange(offset, length, this.size)) throw outOfRange("SharedMemory.readInto", this, offset, length);
    target.set(length === bytes.length ? bytes : bytes.subarray(offset, offset + length));
    return length;
  }

  /**
   * Writes `data` at `offset` (a string as UTF-8) and returns the number of bytes written.
   * Never truncates: RangeError, with nothing written, if `data` does not fit.
   * {@link PermissionError} on a read-only attach.
   *
   * @example
   * ```ts
   * shm.write(new Uint8Array([1, 2, 3]), 8); // 3
   * shm.write("päivää", 100);                // 8
   * ```
   */
  write(data: Uint8Array | string, offset = 0): number {
    const bytes = this.#bytes;
    if (bytes === null) throw closed("SharedMemory.write", this);
    if (this.readOnly) throw readOnlyError("SharedMemory.write", this);
    const size = this.size;
    if (typeof data === "string") {
      if (!isRange(offset, 0, size)) throw outOfRange("SharedMemory.write", this, offset, 0);
      // A UTF-16 unit is at most 3 UTF-8 bytes: only count bytes when the string might not fit.
      if (data.length * 3 > size - offset) {
        const length = Buffer.byteLength(data, "utf8");
        if (length > size - offset) throw outOfRange("SharedMemory.write", this, offset, length);
      }
      return encoder.encodeInto(data, offset === 0 ? bytes : bytes.subarray(offset)).written;
    }
    if (!(data instanceof Uint8Array)) throw new TypeError("SharedMemory.write: data must be a Uint8Array or a string");
    if (!isRange(offset, data.length, size)) throw outOfRange("SharedMemory.write", this, offset, data.length);
    bytes.set(data, offset);
    return data.length;
  }

  /**
   * A zero-copy Uint8Array over the whole segment that cannot outlive its mapping: each call makes
   * its own attach (`shmat`) whose `shmdt` runs only when the returned array is garbage-collected.
   * So the view keeps working after {@link SharedMemory.detach} and {@link SharedMemory.remove}, and
   * while any view is alive the segment's attach count stays above 0 (a removed segment lingers until
   * GC). Atomics work on it (`new Int32Array(v.buffer)`; not `Atomics.wait`). Refused on a read-only
   * handle, because writing through a read-only mapping would kill the process.
   *
   * @example
   * ```ts
   * const counter = new Int32Array(shm.view().buffer, 0, 1);
   * Atomics.add(counter, 0, 1);
   * ```
   */
  view(): Uint8Array {
    if (this.#bytes === null) throw closed("SharedMemory.view", this);
    if (this.readOnly) throw readOnlyError("SharedMemory.view", this);
    return mapBytes(attachSegment(this.id, false, this.key), this.size, true);
  }

  /**
   * What the kernel says about the segment (IPC_STAT): owners, mode, size, attach count, times
   * (as `Date`, `null` for never), pids.
   *
   * @example
   * ```ts
   * const { attachCount, mode, creatorPid } = shm.stat();
   * ```
   */
  stat(): SegmentStat {
    if (this.#bytes === null) throw closed("SharedMemory.stat", this);
    return statSegment(this.id, this.key);
  }

  /**
   * Marks the segment for removal (IPC_RMID): the key is free at once, the memory stays usable
   * by everyone attached until they detach. Only the owner, creator or root may remove.
   *
   * @example
   * ```ts
   * shm.remove();
   * shm.read(0, 4); // still works until detach()
   * ```
   */
  remove(): void {
    if (this.#bytes === null) throw closed("SharedMemory.remove", this);
    removeSegment(this.id, this.key);
  }

  /**
   * Detaches this handle (shmdt). Idempotent. Views from {@link SharedMemory.view} stay valid.
   *
   * @example
   * ```ts
   * shm.detach();
   * shm.read(0, 1); // throws ClosedError
   * ```
   */
  detach(): void {
    if (this.#bytes === null) return;
    this.#bytes = null;
    forgotten.unregister(this);
    detachAddress(this.#address);
  }

  /** `using shm = ...` detaches at the end of the scope. */
  [Symbol.dispose](): void {
    this.detach();
  }

  static {
    shmInternal.bytes = (shm, call) => {
      const bytes = shm.#bytes;
      if (bytes === null) throw closed(call, shm);
      return bytes;
    };
    shmInternal.open = (key, size, flags, readOnly) => attach(toKey(key), size, flags, readOnly, false);
    shmInternal.construct = (key, id, size, readOnly, address) => new SharedMemory(key, id, size, readOnly, address);
  }
}

/**
 * shmget, then IPC_STAT (the real size), then shmat: PHP's order, so errors name the same step.
 * `created`: these flags create a new segment or fail (IPC_EXCL, or IPC_PRIVATE), so a failure after
 * the shmget removes the segment again. A size Bun cannot map is refused before anything is created.
 */
function attach(key: number, size: number, flags: number, readOnly: boolean, created: boolean): SharedMemory {
  if (size > MAX_MAPPED_SIZE) throw tooBigToMap(size, key, undefined);
  return attachId(key, getSegment(key, size, flags), readOnly, created);
}

/**
 * IPC_STAT, the size check, shmat and the handle, for the segment `id` (`key` undefined: take the one
 * IPC_STAT reports). On any failure nothing stays behind: the attach is undone, and the segment removed
 * if `created`.
 */
function attachId(key: number | undefined, id: number, readOnly: boolean, created: boolean): SharedMemory {
  let address: number | undefined;
  try {
    const stat = statSegment(id, key);
    const k = key ?? stat.key;
    if (stat.size > MAX_MAPPED_SIZE) throw tooBigToMap(stat.size, k, id);
    address = attachSegment(id, readOnly, k);
    return shmInternal.construct(k, id, stat.size, readOnly, address);
  } catch (e) {
    if (address !== undefined) detachAddress(address);
    if (created) {
      try { removeSegment(id, key ?? 0); } catch { /* not ours to remove after all */ }
    }
    throw e;
  }
}

function isRange(offset: number, length: number, size: number): boolean {
  return Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= size;
}

function outOfRange(call: string, shm: SharedMemory, offset: number, length: number): RangeError {
  return new RangeError(
    `${call}(key=${formatKey(shm.key)}, id=${shm.id}): offset ${offset} + length ${length} is outside the ${shm.size}-byte segment`,
  );
}

function closed(call: string, shm: SharedMemory): ClosedError {
  return new ClosedError({
    syscall: call, key: shm.key, id: shm.id, code: "EBADF", errno: ERRNO.EBADF,
    text: "the handle is detached", detail: "open the segment again to use it",
  });
}

function readOnlyError(call: string, shm: SharedMemory) {
  return errorFor(ERRNO.EACCES, call, { key: shm.key, id: shm.id, detail: "the segment is attached read-only" });
}
