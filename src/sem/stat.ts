/**
 * Reading a semaphore set's state from the kernel (`semctl` GETVAL, GETNCNT, GETZCNT, GETPID): the one
 * reader behind {@link Semaphore}'s `value`, `waiters` and `users` and the CLI's `ls`/`show`/`watch`.
 *
 * @example
 * ```ts
 * import { readSemaphores, Semaphore } from "bun-sysv";
 * using sem = Semaphore.create(0, { maxCount: 2 });
 * readSemaphores(sem.id, 3)[0]; // { index: 0, value: 2, ncnt: 0, zcnt: 0, pid: <this pid> }
 * sem.remove();
 * ```
 * @module
 */
import { GETNCNT, GETPID, GETVAL, GETZCNT } from "../ffi/constants.ts";
import { errorFor } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";

/** One semaphore of a set: its value, the waiters for a decrement (ncnt) and for zero (zcnt), the last pid. */
export interface SemaphoreState {
  index: number;
  value: number;
  ncnt: number;
  zcnt: number;
  /** Pid of the last semop on it (0 if none). */
  pid: number;
}

/**
 * `semctl(id, index, cmd)` for a read command (GETVAL, GETNCNT, GETZCNT, GETPID): the value, or
 * `-errno` when it fails (every value these commands return is >= 0). Internal: callers map the errno.
 */
export function trySemRead(id: number, index: number, cmd: number): number {
  const value = libc.semctl(id, index, cmd, 0);
  return value === -1 ? -lastErrno() : value;
}

const READS = [["value", GETVAL, "GETVAL"], ["ncnt", GETNCNT, "GETNCNT"], ["zcnt", GETZCNT, "GETZCNT"], ["pid", GETPID, "GETPID"]] as const;

/**
 * The state of the first `count` semaphores of set `id`. Throws an IpcError naming the id and the
 * command if a `semctl` fails (PermissionError without read permission, EINVAL/EIDRM once removed).
 *
 * @example
 * ```ts
 * import { readSemaphores, Semaphore } from "bun-sysv";
 * using sem = Semaphore.create(0);
 * const [counter, users] = readSemaphores(sem.id, 2);
 * counter!.value; // 1 (free permits); users!.value: 1 (this handle)
 * sem.remove();
 * ```
 */
export function readSemaphores(id: number, count: number): SemaphoreState[] {
  const out: SemaphoreState[] = [];
  for (let index = 0; index < count; index++) {
    const state: SemaphoreState = { index, value: 0, ncnt: 0, zcnt: 0, pid: 0 };
    for (const [field, cmd, name] of READS) {
      const value = trySemRead(id, index, cmd);
      if (value < 0) throw errorFor(-value, "semctl", { id, detail: `${name} of semaphore ${index}` });
      state[field] = value;
    }
    out.push(state);
  }
  return out;
}
