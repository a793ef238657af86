/**
 * Internal access to a {@link SharedMemory}'s mapping for sibling library modules (`src/vars/`, ...)
 * that need fast in-place access (e.g. int64 fields of PHP's variable store). **Not re-exported**
 * from `src/index.ts`: applications use `read`/`write`/`view`.
 *
 * Rule for library code: never keep the array returned by {@link segmentBytes} beyond the current
 * synchronous call (no fields, closures or awaits). It is a view over this handle's own attach and
 * touching it after `detach()` kills the process; fetch it again each time, which also re-checks that
 * the handle is still attached.
 *
 * @example
 * ```ts
 * import { segmentBytes } from "../shm/internal.ts";
 * const bytes = segmentBytes(shm, "ShmVariables.get");
 * const used = new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(8, true);
 * ```
 * @module
 */
import type { KeyLike } from "../keys/key.ts";
import { shmInternal, type SharedMemory } from "./segment.ts";

/**
 * The Uint8Array over `shm`'s mapping (zero-copy, the whole segment). Throws {@link ClosedError}
 * naming `call` and the key if `shm` is detached. Do not retain it across calls.
 *
 * @example
 * ```ts
 * segmentBytes(shm, "ShmVariables.put").set(chunk, offset);
 * ```
 */
export function segmentBytes(shm: SharedMemory, call = "segmentBytes"): Uint8Array {
  return shmInternal.bytes(shm, call);
}

/**
 * Opens a segment with exact `shmget` flags (for PHP's open modes: `shmget(key, 0, perms)` for
 * "a"/"w", `perms | IPC_CREAT` for "c", ...), then IPC_STAT, then `shmat` (SHM_RDONLY if `readOnly`),
 * in PHP's order. Errors are {@link IpcError}s whose `syscall` says which step failed
 * (`"shmget"`, `"shmctl"`, `"shmat"`). Nothing is removed on failure (PHP does not either).
 *
 * @example
 * ```ts
 * const shm = openSegmentWithFlags(key, 100, 0o644 | IPC_CREAT | IPC_EXCL, false);
 * ```
 */
export function openSegmentWithFlags(key: KeyLike, size: number, flags: number, readOnly: boolean): SharedMemory {
  return shmInternal.open(key, size, flags, readOnly);
}
