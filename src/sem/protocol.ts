/**
 * PHP 8.2's sysvsem protocol: every "semaphore" is a System V set of 3 (the counter, the number of live
 * handles, and an init mutex), every operation uses SEM_UNDO, and the counter is initialised (SETVAL)
 * only by the handle that finds itself the sole user. This module holds the exact operations; the
 * {@link Semaphore} class and `compat/sysvsem.ts` both use them, so the two speak one protocol.
 *
 * @example
 * ```ts
 * const id = libc.semget(key, SET_SIZE, 0o666 | IPC_CREAT);
 * const problems = joinSet(id, 1); // [] when every step succeeded
 * ```
 * @module
 */
import { GETVAL, IPC_NOWAIT, SEM_UNDO, SETVAL } from "../ffi/constants.ts";
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { packSembufs } from "../ffi/structs.ts";

/** Semaphores of a PHP set: the counter, the handle count (usage) and the init mutex. */
export const SEM_COUNTER = 0;
export const SEM_USAGE = 1;
export const SEM_INIT_LOCK = 2;
/** PHP asks `semget` for 3 semaphores (a bigger existing set is accepted, a smaller one is EINVAL). */
export const SET_SIZE = 3;

/** Wait for the init mutex to be 0, take it, and count this handle: one atomic semop. */
const LOCK_AND_COUNT = packSembufs([
  { num: SEM_INIT_LOCK, op: 0, flags: 0 },
  { num: SEM_INIT_LOCK, op: 1, flags: SEM_UNDO },
  { num: SEM_USAGE, op: 1, flags: SEM_UNDO },
]);
const UNLOCK = packSembufs([{ num: SEM_INIT_LOCK, op: -1, flags: SEM_UNDO }]);
const UNCOUNT = packSembufs([{ num: SEM_USAGE, op: -1, flags: SEM_UNDO | IPC_NOWAIT }]);

/** `sem_acquire`: take one from the counter, waiting. */
export const ACQUIRE = packSembufs([{ num: SEM_COUNTER, op: -1, flags: SEM_UNDO }]);
/** `sem_acquire($s, true)`: take one or fail with EAGAIN. */
export const TRY_ACQUIRE = packSembufs([{ num: SEM_COUNTER, op: -1, flags: SEM_UNDO | IPC_NOWAIT }]);
/** `sem_release`: give one back. */
export const RELEASE = packSembufs([{ num: SEM_COUNTER, op: 1, flags: SEM_UNDO }]);

/**
 * Runs `semop` until it returns something other than EINTR (PHP's retry loop).
 * Returns 0 on success or the errno.
 */
export function semopRetrying(id: number, sops: Uint8Array): number {
  const count = sops.byteLength / 6;
  for (;;) {
    if (libc.semop(id, sops, count) === 0) return 0;
    const errno = lastErrno();
    if (errno !== ERRNO.EINTR) return errno;
  }
}

/** A step of {@link joinSet} that failed. */
export interface JoinProblem {
  /** `lock`: the LOCK_AND_COUNT semop; `count`: GETVAL of usage; `init`: SETVAL; `unlock`: the release semop. */
  step: "lock" | "count" | "init" | "unlock";
  errno: number;
}

/**
 * PHP's `sem_get` steps 2-5 on a set that `semget` returned: take the init mutex while counting this
 * handle, read the usage count, SETVAL the counter to `maxCount` if this is the only user, release the
 * init mutex. Like PHP, a failing step does not stop the later ones; the failures are returned in order.
 */
export function joinSet(id: number, maxCount: number): JoinProblem[] {
  const problems: JoinProblem[] = [];
  const lockErrno = semopRetrying(id, LOCK_AND_COUNT);
  if (lockErrno) problems.push({ step: "lock", errno: lockErrno });
  const users = libc.semctl(id, SEM_USAGE, GETVAL, 0);
  if (users === -1) problems.push({ step: "count", errno: lastErrno() });
  if (users === 1 && libc.semctl(id, SEM_COUNTER, SETVAL, maxCount) === -1) {
    problems.push({ step: "init", errno: lastErrno() });
  }
  const unlockErrno = semopRetrying(id, UNLOCK);
  if (unlockErrno) problems.push({ step: "unlock", errno: unlockErrno });
  return problems;
}

/** Undo the usage count of a handle whose {@link joinSet} counted it but is being abandoned. */
export function uncount(id: number): void {
  semopRetrying(id, UNCOUNT);
}

/**
 * PHP's auto-release when a handle goes away: one semop giving back the usage count and the `held`
 * acquisitions. PHP waits here; we pass IPC_NOWAIT (the op can only wait if usage was already 0, i.e.
 * the set was reset behind our back) and then give back the held count alone, so closing never hangs.
 * Errors are ignored, as in PHP.
 */
export function leaveSet(id: number, held: number): void {
  const ops = [{ num: SEM_USAGE, op: -1, flags: SEM_UNDO | IPC_NOWAIT }];
  if (held > 0) ops.push({ num: SEM_COUNTER, op: held, flags: SEM_UNDO | IPC_NOWAIT });
  if (semopRetrying(id, packSembufs(ops)) === ERRNO.EAGAIN && held > 0) {
    semopRetrying(id, packSembufs([{ num: SEM_COUNTER, op: held, flags: SEM_UNDO }]));
  }
}

/**
 * Refuses a set whose max count is larger than the `maxCount` this handle asks for. PHP's set records its
 * max nowhere: the first user's SETVAL of the counter is all there is, and later users' `max_acquire` is
 * ignored. So the one mismatch that can be seen is a counter *above* `maxCount` (a `Mutex` opened on a set
 * made with `maxCount: 3`, or PHP's `sem_get($key, 3)`): that handle would admit more holders than asked.
 * The reverse (a `maxCount: 3` handle on a set made with 1) looks like a set with permits held, and cannot
 * be told apart: see docs/sem.md. Called after {@link joinSet} when a max count was asked for (a `Mutex`
 * always asks for 1; `Semaphore.open(key)` without `maxCount` takes the set as it is). On a mismatch it
 * gives back the usage count and throws an IpcError (EINVAL) naming both counts.
 *
 * @example
 * ```ts
 * const problems = joinSet(id, maxCount);
 * if (problems.length === 0) refuseLargerMax(id, key, maxCount);
 * ```
 */
export function refuseLargerMax(id: number, key: number, maxCount: number): void {
  const counter = libc.semctl(id, SEM_COUNTER, GETVAL, 0);
  if (counter <= maxCount) return;
  uncount(id);
  throw errorFor(ERRNO.EINVAL, "semget", {
    key, id,
    detail: `the set's counter is ${counter}, above the maxCount ${maxCount} asked for: it was created with a larger max ` +
      `(Semaphore.create(key, { maxCount: ${counter} }) or more, or PHP's sem_get($key, ${counter}) or more), and a PHP set ` +
      `keeps its first user's max: open it with the same maxCount, or give the mutex its own key`,
  });
}
