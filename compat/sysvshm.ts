/**
 * PHP 8.2's sysvshm functions: `shm_attach`, `shm_detach`, `shm_remove`, `shm_put_var`, `shm_get_var`,
 * `shm_has_var`, `shm_remove_var`, with PHP's warnings, `false` returns, thrown `Error`s and 0666 default
 * permissions. The bytes are written by `src/vars` (PHP's exact layout), so PHP and Bun share segments.
 *
 * Where PHP 8.2 loses data or crashes we do not (same layout): a put that does not fit warns
 * "Not enough shared memory left" and keeps the old value; a corrupt header or chunk gives a warning
 * and `false` instead of a segfault; a segment smaller than the header is refused; a header is never
 * given a `total` beyond the kernel's segment size; a segment created but not attachable is removed.
 *
 * @example
 * ```ts
 * import { shm_attach, shm_get_var, shm_put_var } from "bun-sysv/compat";
 * const shm = shm_attach(0x5eed0001);          // 10000 bytes, 0666
 * if (shm) {
 *   shm_put_var(shm, 1, { a: 1 });             // any serializable value
 *   shm_get_var(shm, 1);
 * }
 * ```
 * @module
 */
import { CorruptError, IpcError, UnserializeError } from "../src/errors.ts";
import { IPC_CREAT, IPC_EXCL } from "../src/ffi/constants.ts";
import { strerror } from "../src/ffi/libc.ts";
import { removeIpc } from "../src/inspect/sysvipc.ts";
import { toKey } from "../src/keys/key.ts";
import type { PhpValue } from "../src/serialize/index.ts";
import { openSegmentWithFlags } from "../src/shm/internal.ts";
import { MAX_MAPPED_SIZE } from "../src/shm/native.ts";
import { DEFAULT_SIZE, HEADER_SIZE } from "../src/vars/layout.ts";
import { SharedVariables } from "../src/vars/variables.ts";
import { emit, PhpError, ValueError, warn } from "./diagnostics.ts";
import { hexKey, hexKeyT, intArg, phpTypeName, type PhpIntArg, type PhpMixed } from "./types.ts";

const constructing = Symbol("shm_attach");

/**
 * PHP's `SysvSharedMemory`: the handle `shm_attach()` returns. Not constructible directly.
 *
 * @example
 * ```ts
 * const shm = shm_attach(0x5eed0001);
 * shm instanceof SysvSharedMemory; // true
 * ```
 */
export class SysvSharedMemory {
  /** The idiomatic store underneath. */
  readonly variables: SharedVariables;

  /** @internal Only `shm_attach()` makes these. */
  constructor(token: symbol, variables: SharedVariables) {
    if (token !== constructing) throw new PhpError("Cannot directly construct SysvSharedMemory, use shm_attach() instead");
    this.variables = variables;
  }
}

/** The store of a live handle; PHP's Error for a detached one, TypeError for anything else. */
function store(fn: string, shm: unknown): SharedVariables {
  if (!(shm instanceof SysvSharedMemory)) {
    throw new TypeError(`${fn}(): Argument #1 ($shm) must be of type SysvSharedMemory, ${phpTypeName(shm)} given`);
  }
  if (!shm.variables.attached) throw new PhpError("Shared memory block has already been destroyed");
  return shm.variables;
}

/** Runs a store operation; a corrupt segment becomes a warning and `false`. */
function guarded<T>(fn: string, run: () => T): T | false {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof CorruptError)) throw e;
    warn(fn, `Shared memory segment is corrupted: ${e.message}`);
    return false;
  }
}

/**
 * `shm_attach(int $key, ?int $size = null, int $permissions = 0666)`: PHP's sequence — attach the key's
 * segment if it exists (size and permissions ignored), else create it with `IPC_CREAT|IPC_EXCL`; write
 * the header if the segment has none.
 *
 * @example
 * ```ts
 * const shm = shm_attach(ftok("/tmp/app.key", "A"), 1 << 16);
 * ```
 */
export function shm_attach(key: PhpIntArg, size: PhpIntArg | null = null, permissions: PhpIntArg = 0o666): SysvSharedMemory | false {
  key = intArg("shm_attach", 1, "key", key);
  size = size === null || size === undefined ? null : Number(intArg("shm_attach", 2, "size", size)); // ?int: null is no size
  permissions = intArg("shm_attach", 3, "permissions", permissions);
  if (size !== null && size < 1) throw new ValueError("shm_attach(): Argument #2 ($size) must be greater than 0");
  const wanted = size ?? DEFAULT_SIZE;
  const keyT = toKey(key);
  let segment, created = false;
  try {
    segment = openSegmentWithFlags(keyT, 0, 0, false);
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    if (e.syscall !== "shmget") return attachFailed(key, e);
    if (wanted < HEADER_SIZE) {
      warn("shm_attach", `Failed for key 0x${hexKey(key)}: memorysize too small`);
      return false;
    }
    try {
      const flags = Number(BigInt.asIntN(32, BigInt(permissions))) | IPC_CREAT | IPC_EXCL; // as PHP: OR-ed in unmasked
      segment = openSegmentWithFlags(keyT, wanted, flags, false);
      created = true;
    } catch (e2) {
      if (!(e2 instanceof IpcError)) throw e2;
      // Created but not attachable (e.g. permissions 0): remove it rather than leak it, as php-src master does.
      if (e2.syscall !== "shmget" && e2.id !== undefined) removeIpc("shm", e2.id);
      return attachFailed(key, e2);
    }
  }
  if (segment.size < HEADER_SIZE) {
    segment.detach();
    warn("shm_attach", `Failed for key 0x${hexKey(key)}: segment too small`);
    return false;
  }
  const unserialize = { onWarning: (w: { level: "Warning" | "Notice"; message: string }) => emit(w.level, "shm_get_var", w.message) };
  let variables;
  try {
    variables = SharedVariables.fromSegment(segment, { size: wanted, unserialize }, false);
  } catch (e) {
    if (created) {
      try { segment.remove(); } catch { /* what this call created, a failure removes */ }
    }
    segment.detach();
    throw e;
  }
  return new SysvSharedMemory(constructing, variables);
}

function attachFailed(key: number | bigint, e: IpcError): false {
  // EFBIG: a segment over 4 GiB, which PHP attaches and Bun cannot map (src/shm MAX_MAPPED_SIZE): say so.
  const why = e.code === "EFBIG" ? `${strerror(e.errno)} (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)` : strerror(e.errno);
  warn("shm_attach", `Failed for key 0x${hexKey(key)}: ${why}`);
  return false;
}

/**
 * `shm_detach(SysvSharedMemory $shm): bool`: detaches; the data stays. Any later use of the handle
 * throws `Error: Shared memory block has already been destroyed`.
 *
 * @example
 * ```ts
 * shm_detach(shm); // true
 * ```
 */
export function shm_detach(shm: SysvSharedMemory): boolean {
  store("shm_detach", shm).detach();
  return true;
}

/**
 * `shm_remove(SysvSharedMemory $shm): bool`: removes the segment from the kernel (it stays attached here).
 *
 * @example
 * ```ts
 * shm_remove(shm); // true, or a warning and false
 * ```
 */
export function shm_remove(shm: SysvSharedMemory): boolean {
  const vars = store("shm_remove", shm);
  try {
    vars.remove();
    return true;
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("shm_remove", `Failed for key 0x${hexKeyT(vars.key)}, id ${vars.id}: ${strerror(e.errno)}`);
    return false;
  }
}

/**
 * `shm_put_var(SysvSharedMemory $shm, int $key, mixed $value): bool`. When the value does not fit:
 * warning "Not enough shared memory left" and false, with the old value kept (PHP 8.2 loses it).
 *
 * @example
 * ```ts
 * shm_put_var(shm, 1, { a: 1 }); // true
 * ```
 */
export function shm_put_var(shm: SysvSharedMemory, key: PhpIntArg, value: unknown): boolean {
  const vars = store("shm_put_var", shm);
  key = intArg("shm_put_var", 2, "key", key);
  const result = guarded("shm_put_var", () => {
    try {
      vars.set(key, value);
      return true;
    } catch (e) {
      if (e instanceof IpcError && e.code === "ENOSPC") {
        warn("shm_put_var", "Not enough shared memory left");
        return false;
      }
      if (e instanceof IpcError && e.code === "EBADF") {
        throw new PhpError("Shared memory block has been destroyed by the serialization function");
      }
      throw e;
    }
  });
  return result;
}

/**
 * `shm_get_var(SysvSharedMemory $shm, int $key): mixed`: the value, or a warning and false.
 *
 * @example
 * ```ts
 * shm_get_var(shm, 1);  // the value; missing: "Variable key 1 doesn't exist", false
 * ```
 */
export function shm_get_var(shm: SysvSharedMemory, key: PhpIntArg): PhpMixed {
  const vars = store("shm_get_var", shm);
  key = intArg("shm_get_var", 2, "key", key);
  const got = guarded("shm_get_var", () => {
    if (!vars.has(key)) {
      warn("shm_get_var", `Variable key ${key} doesn't exist`);
      return false as const;
    }
    try {
      return { value: vars.get(key) as PhpValue };
    } catch (e) {
      if (e instanceof CorruptError && e.cause instanceof UnserializeError) {
        warn("shm_get_var", "Variable data in shared memory is corrupted");
        return false as const;
      }
      throw e;
    }
  });
  return got === false ? false : got.value;
}

/**
 * `shm_has_var(SysvSharedMemory $shm, int $key): bool`.
 *
 * @example
 * ```ts
 * shm_has_var(shm, 1); // true or false
 * ```
 */
export function shm_has_var(shm: SysvSharedMemory, key: PhpIntArg): boolean {
  const vars = store("shm_has_var", shm);
  key = intArg("shm_has_var", 2, "key", key);
  return guarded("shm_has_var", () => vars.has(key));
}

/**
 * `shm_remove_var(SysvSharedMemory $shm, int $key): bool`: false and a warning if the key is missing.
 *
 * @example
 * ```ts
 * shm_remove_var(shm, 1); // true
 * ```
 */
export function shm_remove_var(shm: SysvSharedMemory, key: PhpIntArg): boolean {
  const vars = store("shm_remove_var", shm);
  key = intArg("shm_remove_var", 2, "key", key);
  return guarded("shm_remove_var", () => {
    if (vars.delete(key)) return true;
    warn("shm_remove_var", `Variable key ${key} doesn't exist`);
    return false;
  });
}
