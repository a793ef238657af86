/**
 * The shm syscalls of the segment class, each turning failure into an {@link IpcError} through
 * the one mapper (`check` / `errorFor`), with the key, the id and a hint of what went wrong.
 *
 * @example
 * ```ts
 * const id = getSegment(key, 4096, 0o600 | IPC_CREAT);
 * const address = attachSegment(id, false, key);
 * const { size } = statSegment(id, key);
 * ```
 * @module
 */
import { IPC_CREAT, IPC_EXCL, IPC_RMID, IPC_STAT, SHM_RDONLY } from "../ffi/constants.ts";
import type { IpcError } from "../errors.ts";
import { check, ERRNO, errorFor } from "../ffi/errno.ts";
import { lastErrno, libc, mapMemory } from "../ffi/libc.ts";
import { IPC_PERM, newStruct, readStruct, SHMID_DS } from "../ffi/structs.ts";

/**
 * The largest segment Bun can map: a JS ArrayBuffer holds at most 2^32 bytes (JavaScriptCore's limit;
 * `toArrayBuffer` over more throws "RangeError: Out of memory"). The kernel allows far bigger segments
 * (`shmmax`), and PHP or C attach them; here they are refused before any attach (see {@link tooBigToMap}).
 */
export const MAX_MAPPED_SIZE = 2 ** 32;

/** `shm_perm.mode` bit set once the segment is marked for removal (SHM_DEST). */
const SHM_DEST = 0o1000;

/** What the kernel says about a segment (`shmctl(IPC_STAT)`). Times are `Date`s, `null` when it never happened. */
export interface SegmentStat {
  /** The key (0 once the segment is marked for removal, as the kernel reports it). */
  key: number;
  /** The kernel id. */
  id: number;
  /** Owner uid and gid. */
  ownerUid: number;
  ownerGid: number;
  /** Creator uid and gid. */
  creatorUid: number;
  creatorGid: number;
  /** Permission bits (`0o600`, ...). */
  mode: number;
  /** Marked for removal (IPC_RMID done, still attached somewhere). */
  removed: boolean;
  /** Size in bytes (`shm_segsz`). */
  size: number;
  /** Number of attaches, all processes (`shm_nattch`). */
  attachCount: number;
  /** Last shmat (`shm_atime`), or `null`. */
  lastAttach: Date | null;
  /** Last shmdt (`shm_dtime`), or `null`. */
  lastDetach: Date | null;
  /** Creation or last IPC_SET (`shm_ctime`). */
  changed: Date;
  /** Pid of the creator (`shm_cpid`). */
  creatorPid: number;
  /** Pid of the last shmat/shmdt (`shm_lpid`). */
  lastPid: number;
}

function shmgetHint(errno: number, size: number, flags: number): string {
  switch (errno) {
    case ERRNO.ENOENT: return "no segment has this key";
    case ERRNO.EEXIST: return "a segment already has this key";
    case ERRNO.EACCES: return `the segment's mode does not grant the access asked for (0o${(flags & 0o777).toString(8)})`;
    case ERRNO.EINVAL:
      if (flags & IPC_CREAT) return `size ${size} is outside the kernel's limits or larger than the existing segment`;
      return size > 0 ? `size ${size} is larger than the existing segment` : "no segment can be opened this way (IPC_PRIVATE needs a size)";
    default: return `size ${size}, flags 0o${flags.toString(8)}`;
  }
}

/** `shmget(key, size, flags)`: the id, or a thrown IpcError (NotFoundError, ExistsError, PermissionError, ...). */
export function getSegment(key: number, size: number, flags: number): number {
  const id = libc.shmget(key, size, flags);
  if (id === -1) {
    const errno = lastErrno();
    throw errorFor(errno, "shmget", { key, detail: shmgetHint(errno, size, flags) });
  }
  return id;
}

/**
 * The error for a segment of `size` bytes that Bun cannot map (over {@link MAX_MAPPED_SIZE}): a
 * {@link TooBigError} (EFBIG, which no shm syscall returns, so callers can tell it apart) from the
 * `shmat` step, naming the size and the limit. Thrown before anything is created or attached.
 */
export function tooBigToMap(size: number, key: number | undefined, id: number | undefined): IpcError {
  return errorFor(ERRNO.EFBIG, "shmat", {
    key, id,
    detail: `the segment has ${size} bytes; Bun can map at most ${MAX_MAPPED_SIZE} (2^32, the largest JS ArrayBuffer); nothing was ${id === undefined ? "created or " : ""}attached`,
  });
}

/** `shmat(id, NULL, readOnly ? SHM_RDONLY : 0)`: the address (failure `(void*)-1` arrives as a BigInt). */
export function attachSegment(id: number, readOnly: boolean, key: number | undefined): number {
  const address = libc.shmat(id, null, readOnly ? SHM_RDONLY : 0);
  check(typeof address === "number" ? 0 : -1, "shmat", { key, id, detail: readOnly ? "read-only attach" : "read-write attach" });
  return address as number;
}

/** `shmdt(address)`; errors are ignored (the address is ours, so only a double detach could fail). */
export function detachAddress(address: number): void {
  libc.shmdt(address as never);
}

/**
 * A Uint8Array over `size` bytes at `address`. With `detachOnCollect`, libc's `shmdt` is the
 * ArrayBuffer's deallocator: the attach at `address` ends when the array is garbage-collected,
 * so the memory cannot disappear under it. Without it, the caller must never let the array
 * outlive its own `shmdt(address)`.
 */
export function mapBytes(address: number, size: number, detachOnCollect: boolean): Uint8Array {
  return new Uint8Array(mapMemory(address, size, detachOnCollect));
}

function date(seconds: number): Date | null {
  return seconds === 0 ? null : new Date(seconds * 1000);
}

/** `shmctl(id, IPC_STAT)` read into a {@link SegmentStat}. */
export function statSegment(id: number, key: number | undefined): SegmentStat {
  const buf = newStruct(SHMID_DS);
  check(libc.shmctl(id, IPC_STAT, buf), "shmctl", { key, id, detail: "IPC_STAT" });
  const perm = readStruct(IPC_PERM, buf);
  const ds = readStruct(SHMID_DS, buf);
  return {
    key: perm.key, id,
    ownerUid: perm.uid, ownerGid: perm.gid, creatorUid: perm.cuid, creatorGid: perm.cgid,
    mode: perm.mode & 0o777, removed: (perm.mode & SHM_DEST) !== 0,
    size: ds.shm_segsz, attachCount: ds.shm_nattch,
    lastAttach: date(ds.shm_atime), lastDetach: date(ds.shm_dtime), changed: new Date(ds.shm_ctime * 1000),
    creatorPid: ds.shm_cpid, lastPid: ds.shm_lpid,
  };
}

/** `shmctl(id, IPC_RMID)`: marks the segment for removal (gone once nobody is attached). */
export function removeSegment(id: number, key: number): void {
  check(libc.shmctl(id, IPC_RMID, null), "shmctl", { key, id, detail: "IPC_RMID (only the owner, the creator or root may remove)" });
}

/** Flags of the three open modes. `requested` is the access asked of an existing segment. */
export const OPEN_FLAGS = {
  open: (readOnly: boolean) => (readOnly ? 0o400 : 0o600),
  /** An existing segment only, with `mode` as the access asked (what IPC_CREAT checks on one that exists). */
  existing: (mode: number) => mode & 0o777,
  createNew: (mode: number) => (mode & 0o777) | IPC_CREAT | IPC_EXCL,
} as const;
