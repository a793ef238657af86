/**
 * PHP 8.2's shmop extension: `shmop_open`, `shmop_read`, `shmop_write`, `shmop_size`,
 * `shmop_delete`, `shmop_close` and the `Shmop` class, with PHP's flags, checks, texts and returns
 * (warnings + `false`, `ValueError`s, silent truncation on write). Every byte goes through
 * {@link SharedMemory}. Strings follow the library's one rule: `shmop_read` gives a `string` for
 * valid UTF-8 and a `Uint8Array` of the exact bytes otherwise; `shmop_write` takes either.
 *
 * @example
 * ```ts
 * import { shmop_open, shmop_write, shmop_read, shmop_delete } from "bun-sysv/compat";
 * const shm = shmop_open(0xff3, "c", 0o644, 100);
 * if (shm) {
 *   shmop_write(shm, "test #1 of the shmop() extension", 0);
 *   shmop_read(shm, 0, 4); // "test"
 *   shmop_delete(shm);
 * }
 * ```
 * @module
 */
import { IPC_CREAT, IPC_EXCL } from "../src/ffi/constants.ts";
import { strerror } from "../src/ffi/libc.ts";
import { bytesToPhpString, phpStringToBytes, type PhpString } from "../src/bytes.ts";
import { IpcError } from "../src/errors.ts";
import { removeIpc } from "../src/inspect/sysvipc.ts";
import type { SharedMemory } from "../src/shm/segment.ts";
import { openSegmentWithFlags } from "../src/shm/internal.ts";
import { MAX_MAPPED_SIZE } from "../src/shm/native.ts";
import { emit, PhpError, ValueError, warn } from "./diagnostics.ts";
import { intArg as phpInt, phpTypeName, stringArg, type PhpIntArg, type PhpStringArg } from "./types.ts";

/** PHP `int` argument as a number (offsets, sizes, keys fit in 2^53). */
function intArg(fn: string, position: number, name: string, value: unknown): number {
  return Number(phpInt(fn, position, name, value));
}

const token = Symbol("Shmop");
let segmentOf: (shmop: Shmop) => SharedMemory;

/**
 * PHP's `Shmop` object (final, not constructible: use {@link shmop_open}). Letting it be
 * garbage-collected detaches it, as freeing it does in PHP.
 *
 * @example
 * ```ts
 * const shm = shmop_open(key, "a", 0, 0);
 * if (shm instanceof Shmop) shmop_size(shm);
 * ```
 */
export class Shmop {
  readonly #segment: SharedMemory;

  constructor(...args: unknown[]) {
    if (args[0] !== token) throw new PhpError("Cannot directly construct Shmop, use shmop_open() instead");
    this.#segment = args[1] as SharedMemory;
  }

  static {
    segmentOf = (shmop) => shmop.#segment;
  }
}

function segment(fn: string, shmop: Shmop): SharedMemory {
  if (!(shmop instanceof Shmop)) throw new TypeError(`${fn}(): Argument #1 ($shmop) must be of type Shmop, ${phpTypeName(shmop)} given`);
  return segmentOf(shmop);
}



/** The PHP-side key: PHP passes its int to key_t (low 32 bits), keep it whole for KeyLike. */
function keyArg(v: unknown): number | bigint {
  return phpInt("shmop_open", 1, "key", v);
}

const MODE_FLAGS: Record<string, { flags: number; readOnly: boolean; sized: boolean }> = {
  a: { flags: 0, readOnly: true, sized: false },
  w: { flags: 0, readOnly: false, sized: false },
  c: { flags: IPC_CREAT, readOnly: false, sized: true },
  n: { flags: IPC_CREAT | IPC_EXCL, readOnly: false, sized: true },
};

const FAILED_STEP: Record<string, string> = {
  shmget: "Unable to attach or create shared memory segment",
  shmctl: "Unable to get shared memory segment information",
  shmat: "Unable to attach to shared memory segment",
};

/**
 * `shmop_open(int $key, string $mode, int $permissions, int $size): Shmop|false`. Modes: `"a"`
 * (existing, read-only), `"w"` (existing, read-write), `"c"` (create or open), `"n"` (create new).
 * `$permissions` is OR-ed into shmget's flags (mode of a new segment and the access asked of an
 * existing one; pass 0 for "a"/"w"). `$size` counts only for "c"/"n". On failure: a Warning and `false`.
 *
 * @example
 * ```ts
 * const shm = shmop_open(key, "n", 0o600, 1024); // false + Warning '... "File exists"' if key is taken
 * ```
 */
export function shmop_open(key: PhpIntArg, mode: PhpStringArg, permissions: PhpIntArg, size: PhpIntArg): Shmop | false {
  const k = keyArg(key);
  const modeArg = stringArg("shmop_open", 2, "mode", mode);
  mode = typeof modeArg === "string" ? modeArg : new TextDecoder("latin1").decode(modeArg);
  const perms = intArg("shmop_open", 3, "permissions", permissions);
  const wanted = intArg("shmop_open", 4, "size", size);
  const how = mode.length === 1 ? MODE_FLAGS[mode] : undefined;
  if (!how) throw new ValueError("shmop_open(): Argument #2 ($mode) must be a valid access mode");
  const flags = (perms | how.flags) | 0; // PHP's int shmflg
  const segmentSize = how.sized ? wanted : 0;
  if (flags & IPC_CREAT && segmentSize < 1) {
    throw new ValueError('shmop_open(): Argument #4 ($size) must be greater than 0 for the "c" and "n" access modes');
  }
  try {
    return new Shmop(token, openSegmentWithFlags(k, segmentSize, flags, how.readOnly));
  } catch (e) {
    if (!(e instanceof IpcError) || !(e.syscall in FAILED_STEP)) throw e;
    // "n" made the segment (IPC_EXCL) and a later step failed (e.g. permissions without read): remove it
    // rather than leak it (PHP 8.2 leaks it; the warning stays PHP's).
    if (how === MODE_FLAGS.n && e.syscall !== "shmget" && e.id !== undefined) removeIpc("shm", e.id);
    // EFBIG: a segment over 4 GiB, which PHP attaches and Bun cannot map (src/shm MAX_MAPPED_SIZE): say so.
    const why = e.code === "EFBIG" ? ` (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)` : "";
    warn("shmop_open", `${FAILED_STEP[e.syscall]} "${strerror(e.errno)}"${why}`);
    return false;
  }
}

/**
 * `shmop_read(Shmop $shmop, int $offset, int $size): string`; `$size` 0 reads to the end.
 * Returns a `string` for valid UTF-8, else a `Uint8Array` (see the module doc).
 *
 * @example
 * ```ts
 * shmop_read(shm, 0, 0); // the whole segment
 * ```
 */
export function shmop_read(shmop: Shmop, offset: PhpIntArg, size: PhpIntArg): PhpString {
  const shm = segment("shmop_read", shmop);
  const start = intArg("shmop_read", 2, "offset", offset);
  const count = intArg("shmop_read", 3, "size", size);
  if (start < 0 || start > shm.size) {
    throw new ValueError("shmop_read(): Argument #2 ($offset) must be between 0 and the segment size");
  }
  if (count < 0 || start + count > shm.size) throw new ValueError("shmop_read(): Argument #3 ($size) is out of range");
  return bytesToPhpString(shm.read(start, count === 0 ? shm.size - start : count));
}

/**
 * `shmop_write(Shmop $shmop, string $data, int $offset): int`: copies what fits and returns how many
 * bytes that was (PHP's silent truncation). A `string` is written as UTF-8.
 *
 * @example
 * ```ts
 * shmop_write(shm, "12345678", shmop_size(shm) - 5); // 5
 * ```
 */
export function shmop_write(shmop: Shmop, data: PhpStringArg, offset: PhpIntArg): number {
  const shm = segment("shmop_write", shmop);
  data = stringArg("shmop_write", 2, "data", data);
  const start = intArg("shmop_write", 3, "offset", offset);
  if (shm.readOnly) throw new PhpError("Read-only segment cannot be written");
  if (start < 0 || start > shm.size) throw new ValueError("shmop_write(): Argument #3 ($offset) is out of range");
  const bytes = phpStringToBytes(data);
  const fits = Math.min(bytes.length, shm.size - start);
  return shm.write(fits === bytes.length ? bytes : bytes.subarray(0, fits), start);
}

/**
 * `shmop_size(Shmop $shmop): int`: the segment's size from IPC_STAT at open time.
 *
 * @example
 * ```ts
 * shmop_size(shmop_open(key, "c", 0o644, 50) as Shmop); // 100 if the segment already had 100 bytes
 * ```
 */
export function shmop_size(shmop: Shmop): number {
  return segment("shmop_size", shmop).size;
}

/**
 * `shmop_delete(Shmop $shmop): bool`: IPC_RMID. The segment stays usable until detached.
 * Failure: Warning `Can't mark segment for deletion (are you the owner?)` and `false`.
 *
 * @example
 * ```ts
 * shmop_delete(shm); // true
 * ```
 */
export function shmop_delete(shmop: Shmop): boolean {
  const shm = segment("shmop_delete", shmop);
  try {
    shm.remove();
    return true;
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("shmop_delete", "Can't mark segment for deletion (are you the owner?)");
    return false;
  }
}

/**
 * `shmop_close(Shmop $shmop): void`: does nothing (deprecated since PHP 8.0; the segment is detached
 * when the object is collected). Emits PHP's Deprecated diagnostic `Function shmop_close() is deprecated`.
 *
 * @example
 * ```ts
 * shmop_close(shm); // Deprecated diagnostic, no effect
 * ```
 */
export function shmop_close(shmop: Shmop): void {
  emit("Deprecated", "", "Function shmop_close() is deprecated"); // PHP emits it before checking arguments
  segment("shmop_close", shmop);
}
