/**
 * PHP 8.2's sysvsem functions: `sem_get`, `sem_acquire`, `sem_release`, `sem_remove`, with PHP's
 * warnings, `false` returns and 0666 default permissions. The protocol itself (3 semaphores, SEM_UNDO
 * everywhere, SETVAL only for the first user) lives in `src/sem`, so a PHP process and these functions
 * share one semaphore.
 *
 * @example
 * ```ts
 * import { sem_acquire, sem_get, sem_release } from "bun-sysv/compat";
 * const sem = sem_get(ftok(__FILE__, "s"));
 * if (sem && sem_acquire(sem)) {
 *   // critical section
 *   sem_release(sem);
 * }
 * ```
 * @module
 */
import { IPC_CREAT } from "../src/ffi/constants.ts";
import { lastErrno, libc, strerror } from "../src/ffi/libc.ts";
import { IpcError } from "../src/errors.ts";
import { toKey } from "../src/keys/key.ts";
import { joinSet, SET_SIZE } from "../src/sem/protocol.ts";
import { Semaphore } from "../src/sem/semaphore.ts";
import { PhpError, warn } from "./diagnostics.ts";
import { boolArg, hexKey, hexKeyT, intArg, phpTypeName, type PhpBoolArg, type PhpIntArg } from "./types.ts";
import { dispatchAsyncSignals } from "./pcntl-async.ts";

const constructing = Symbol("sem_get");

/**
 * PHP's `SysvSemaphore`: the handle `sem_get()` returns. Not constructible directly.
 *
 * @example
 * ```ts
 * const sem = sem_get(0x5eed0001);
 * sem instanceof SysvSemaphore; // true
 * ```
 */
export class SysvSemaphore {
  /** The idiomatic handle underneath (its `held` is PHP's per-handle count). */
  readonly semaphore: Semaphore;
  /** Set by sem_remove: PHP's count of -1 (no auto-release, operations go to the kernel and fail). */
  removed = false;

  /** @internal Only `sem_get()` makes these. */
  constructor(token: symbol, semaphore: Semaphore) {
    if (token !== constructing) throw new PhpError("Cannot directly construct SysvSemaphore, use sem_get() instead");
    this.semaphore = semaphore;
  }
}

function handle(fn: string, value: unknown): SysvSemaphore {
  if (value instanceof SysvSemaphore) return value;
  throw new TypeError(`${fn}(): Argument #1 ($semaphore) must be of type SysvSemaphore, ${phpTypeName(value)} given`);
}

/**
 * `sem_get(int $key, int $max_acquire = 1, int $permissions = 0666, bool $auto_release = true)`:
 * opens or creates the key's semaphore set with PHP's exact call sequence (its warnings do not stop it).
 *
 * @example
 * ```ts
 * const sem = sem_get(0x5eed0001, 3); // up to 3 holders; false + warning on failure
 * ```
 */
export function sem_get(
  key: PhpIntArg, max_acquire: PhpIntArg = 1, permissions: PhpIntArg = 0o666, auto_release: PhpBoolArg = true,
): SysvSemaphore | false {
  key = intArg("sem_get", 1, "key", key);
  max_acquire = intArg("sem_get", 2, "max_acquire", max_acquire);
  permissions = intArg("sem_get", 3, "permissions", permissions);
  auto_release = boolArg("sem_get", 4, "auto_release", auto_release);
  const keyT = toKey(key);
  const id = libc.semget(keyT, SET_SIZE, Number(BigInt.asIntN(32, BigInt(permissions))) | IPC_CREAT);
  if (id === -1) {
    warn("sem_get", `Failed for key 0x${hexKey(key)}: ${strerror(lastErrno())}`);
    return false;
  }
  const messages = {
    lock: "Failed acquiring SYSVSEM_SETVAL for key",
    count: "Failed for key",
    init: "Failed for key",
    unlock: "Failed releasing SYSVSEM_SETVAL for key",
  };
  for (const problem of joinSet(id, Number(BigInt.asIntN(32, BigInt(max_acquire))))) {
    warn("sem_get", `${messages[problem.step]} 0x${hexKey(key)}: ${strerror(problem.errno)}`);
  }
  return new SysvSemaphore(constructing, new Semaphore(keyT, id, auto_release));
}

/**
 * `sem_acquire(SysvSemaphore $semaphore, bool $non_blocking = false): bool`. Blocking by default (the
 * whole thread waits, as in PHP); with `non_blocking` it returns false at once, without a warning, when
 * the semaphore is taken.
 *
 * @example
 * ```ts
 * if (!sem_acquire(sem, true)) console.log("busy");
 * ```
 */
export function sem_acquire(semaphore: SysvSemaphore, non_blocking: PhpBoolArg = false): boolean {
  const { semaphore: sem } = handle("sem_acquire", semaphore);
  non_blocking = boolArg("sem_acquire", 2, "non_blocking", non_blocking);
  try {
    if (non_blocking) return sem.tryAcquire() !== null;
    sem.acquireSync(); // retries on EINTR, as PHP does: a signal does not end the wait
    return true;
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("sem_acquire", `Failed to acquire key 0x${hexKeyT(sem.key)}: ${strerror(e.errno)}`);
    return false;
  } finally {
    dispatchAsyncSignals(); // pcntl_async_signals(true): handlers run before the call returns
  }
}

/**
 * `sem_release(SysvSemaphore $semaphore): bool`: gives back one acquisition of this handle.
 *
 * @example
 * ```ts
 * sem_release(sem); // false + "is not currently acquired" warning if this handle holds nothing
 * ```
 */
export function sem_release(semaphore: SysvSemaphore): boolean {
  const h = handle("sem_release", semaphore);
  const sem = h.semaphore;
  if (sem.held === 0 && !h.removed) {
    warn("sem_release", `SysV semaphore for key 0x${hexKeyT(sem.key)} is not currently acquired`);
    return false;
  }
  try {
    sem.release();
    return true;
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("sem_release", `Failed to release key 0x${hexKeyT(sem.key)}: ${strerror(e.errno)}`);
    return false;
  }
}

/**
 * `sem_remove(SysvSemaphore $semaphore): bool`: removes the set from the kernel for every process.
 *
 * @example
 * ```ts
 * sem_remove(sem); // true; a second call warns "does not (any longer) exist" and returns false
 * ```
 */
export function sem_remove(semaphore: SysvSemaphore): boolean {
  const h = handle("sem_remove", semaphore);
  const sem = h.semaphore;
  if (!sem.exists()) {
    warn("sem_remove", `SysV semaphore for key 0x${hexKeyT(sem.key)} does not (any longer) exist`);
    return false;
  }
  try {
    sem.remove();
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("sem_remove", `Failed for SysV semaphore for key 0x${hexKeyT(sem.key)}: ${strerror(e.errno)}`);
    return false;
  }
  h.removed = true;
  return true;
}
