/**
 * {@link Semaphore}: a counting semaphore that speaks PHP 8.2's sysvsem protocol, so a PHP `sem_get()`
 * handle and a Bun handle on the same key share one counter.
 *
 * - `await sem.acquire()` waits on a waiter thread (the event loop keeps running); `{ timeout: ms }` bounds
 *   the wait in the kernel (`semtimedop`), `{ timeout: 0 }` only tries, `{ signal }` cancels.
 * - `acquireSync()` blocks the calling thread like PHP's `sem_acquire()`; `tryAcquire()` never waits.
 * - Every acquisition is a {@link Permit}: `using permit = await sem.acquire()` releases it.
 * - Every operation uses SEM_UNDO: if the process dies (even by SIGKILL) the kernel gives back what it held.
 *
 * @example
 * ```ts
 * import { Semaphore } from "bun-sysv";
 * using sem = Semaphore.create(0x5eed0001, { maxCount: 3 });
 * {
 *   using permit = await sem.acquire({ timeout: 1000 });
 *   // at most 3 holders, across PHP and Bun processes
 * }
 * ```
 * @module
 */
import { GETNCNT, GETVAL, IPC_CREAT, IPC_EXCL, IPC_RMID, SEMVMX } from "../ffi/constants.ts";
import { check, ERRNO, errorFor, removedErrorFor } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { timespec } from "../ffi/structs.ts";
import { IpcError, type IpcErrorContext } from "../errors.ts";
import { toKey, type KeyLike } from "../keys/key.ts";
import { runBlocking } from "../wait/pool.ts";
import { markReleased, Permit, type PermitOwner } from "./permit.ts";
import { trySemRead } from "./stat.ts";
import {
  ACQUIRE, joinSet, leaveSet, refuseLargerMax, RELEASE, SEM_COUNTER, SEM_USAGE, semopRetrying, SET_SIZE, TRY_ACQUIRE, uncount,
} from "./protocol.ts";

/** How to open a semaphore. */
export interface SemaphoreOptions {
  /** Value the counter starts at when this handle is its only user (PHP's `max_acquire`). Default 1. */
  maxCount?: number;
  /** Permission bits for a new set, and the access asked for on an existing one. Default 0o600. */
  mode?: number;
  /** Give back held permits and the usage count on `close()` (PHP's `auto_release`). Default true. */
  autoRelease?: boolean;
}

/** How long an acquire may wait. */
export interface AcquireOptions {
  /** Milliseconds to wait: undefined (or Infinity) waits as long as it takes, 0 only tries. */
  timeout?: number;
  /** Cancels the wait (awaitable form only); the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What the finalizer needs to know about a handle that was dropped without `close()`. */
interface HandleState {
  id: number;
  held: number;
}

/**
 * Safety net for handles garbage-collected without `close()`: one holding no permit gives back its usage
 * count. One holding permits keeps everything until the process exits (the kernel's SEM_UNDO gives it
 * back then): GC timing must never release a lock that code still relies on.
 */
const dropped = new FinalizationRegistry<HandleState>((state) => {
  if (state.held === 0) uncount(state.id);
});

/** The error of a failed semop/semctl; EINVAL on an id we had means the set was removed. */
function semError(errno: number, syscall: string, context: IpcErrorContext): IpcError {
  return errno === ERRNO.EINVAL ? removedErrorFor(errno, syscall, context) : errorFor(errno, syscall, context);
}

function checkTimeout(timeout: number | undefined): number | undefined {
  if (timeout === undefined || timeout === Infinity) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  }
  return timeout;
}

/** Constructor shape shared by {@link Semaphore} and its subclasses. */
type SemaphoreClass<S> = new (key: number, id: number, autoRelease: boolean) => S;

/**
 * `semget(key, 3, mode | flags)`, telling whether this call created the set: IPC_CREAT alone is done as
 * create-new, then (EEXIST) open-existing with the same access check, retried if the set vanished between.
 */
function getSet(key: number, flags: number, mode: number): { id: number; created: boolean } {
  const exclusive = (flags & IPC_EXCL) !== 0 || key === 0; // IPC_PRIVATE always makes a new set
  if (!(flags & IPC_CREAT) || exclusive) {
    // IPC_PRIVATE makes a new set even without IPC_CREAT.
    return { id: check(libc.semget(key, SET_SIZE, mode | flags), "semget", { key }), created: exclusive && (key === 0 || (flags & IPC_CREAT) !== 0) };
  }
  for (;;) {
    const id = libc.semget(key, SET_SIZE, mode | flags | IPC_EXCL);
    if (id !== -1) return { id, created: true };
    const errno = lastErrno();
    if (errno !== ERRNO.EEXIST) throw errorFor(errno, "semget", { key });
    const existing = libc.semget(key, SET_SIZE, mode | (flags & ~IPC_CREAT));
    if (existing !== -1) return { id: existing, created: false };
    const again = lastErrno();
    if (again !== ERRNO.ENOENT) throw errorFor(again, "semget", { key });
  }
}

/**
 * Opens a set with `semget(key, 3, mode | flags)` and joins it with PHP's protocol; throws on any failure
 * (undoing the usage count it added).
 */
export function openSemaphore<S>(Class: SemaphoreClass<S>, keyLike: KeyLike, flags: number, options: SemaphoreOptions): S {
  const key = toKey(keyLike);
  const maxCount = options.maxCount ?? 1;
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > SEMVMX) {
    throw new RangeError(`maxCount must be an integer from 1 to ${SEMVMX}, got ${maxCount}`);
  }
  const { id, created } = getSet(key, flags, options.mode ?? 0o600);
  const problems = joinSet(id, maxCount);
  const first = problems[0];
  if (first !== undefined) {
    if (created) libc.semctl(id, 0, IPC_RMID, 0); // what this call created, its failure removes
    else if (!problems.some((p) => p.step === "lock")) uncount(id);
    const syscall = first.step === "lock" || first.step === "unlock" ? "semop" : "semctl";
    throw semError(first.errno, syscall, { key, id, detail: `sem_get protocol step "${first.step}"` });
  }
  if (options.maxCount !== undefined) refuseLargerMax(id, key, maxCount); // Mutex always passes 1
  return new Class(key, id, options.autoRelease ?? true);
}

/**
 * A System V semaphore set used the way PHP's sysvsem uses it (see the module doc). Open it with
 * {@link Semaphore.open} (must exist), {@link Semaphore.create} (open or create, like `sem_get`) or
 * {@link Semaphore.createNew} (fail with ExistsError if the key has a set).
 *
 * @example
 * ```ts
 * const sem = Semaphore.create(key);
 * const permit = sem.tryAcquire();          // null when busy
 * if (permit) { work(); permit.release(); }
 * sem.close();
 * ```
 */
export class Semaphore implements Disposable {
  /** The System V key (int32). */
  readonly key: number;
  /** The kernel id of the set. */
  readonly id: number;
  readonly #autoRelease: boolean;
  readonly #state: HandleState;
  readonly #permits: Permit[] = [];
  readonly #owner: PermitOwner = { releasePermit: (permit) => this.#releasePermit(permit) };
  #closed = false;
  /** Aborted by close(): cancels every wait of this handle at once, with a ClosedError as reason. */
  readonly #closer = new AbortController();
  #removed = false;
  /** An awaited acquire of this handle is waiting in the kernel; later ones queue in {@link #turns}. */
  #kernelWait = false;
  #turns: Array<() => void> = [];

  /** Opens an existing set (NotFoundError if the key has none). */
  static open(key: KeyLike, options: SemaphoreOptions = {}): Semaphore {
    return openSemaphore(Semaphore, key, 0, options);
  }

  /** Opens the key's set, creating it if needed: PHP's `sem_get`. */
  static create(key: KeyLike, options: SemaphoreOptions = {}): Semaphore {
    return openSemaphore(Semaphore, key, IPC_CREAT, options);
  }

  /** Creates a new set (ExistsError if the key already has one). */
  static createNew(key: KeyLike, options: SemaphoreOptions = {}): Semaphore {
    return openSemaphore(Semaphore, key, IPC_CREAT | IPC_EXCL, options);
  }

  /** @internal Use {@link Semaphore.open}, {@link Semaphore.create} or {@link Semaphore.createNew}. */
  constructor(key: number, id: number, autoRelease: boolean) {
    this.key = key;
    this.id = id;
    this.#autoRelease = autoRelease;
    this.#state = { id, held: 0 };
    if (autoRelease) dropped.register(this, this.#state, this);
  }

  /** Permits this handle holds (PHP's per-handle acquire count). */
  get held(): number {
    return this.#permits.length;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The counter's current value, read from the kernel (permits still available). */
  get value(): number {
    return this.#semctl(SEM_COUNTER, GETVAL);
  }

  /** Number of processes/threads waiting to acquire, from the kernel (GETNCNT). */
  get waiters(): number {
    return this.#semctl(SEM_COUNTER, GETNCNT);
  }

  /** Number of live handles on this set in all processes (PHP's usage semaphore). */
  get users(): number {
    return this.#semctl(SEM_USAGE, GETVAL);
  }

  /** Takes a permit if one is free right now; `null` if not. Never waits. */
  tryAcquire(): Permit | null {
    this.#assertOpen();
    if (libc.semop(this.id, TRY_ACQUIRE, 1) === 0) return this.#grant();
    const errno = lastErrno();
    if (errno === ERRNO.EAGAIN) return null;
    if (errno === ERRNO.EINTR) return this.tryAcquire();
    throw this.#error(errno, "semop");
  }

  /**
   * Takes a permit, blocking this thread (and the event loop) like PHP's `sem_acquire()`.
   * With `timeout` the wait is bounded in the kernel; BusyError when it runs out.
   */
  acquireSync(options?: Omit<AcquireOptions, "signal">): Permit {
    this.#assertOpen();
    const timeout = checkTimeout(options?.timeout);
    if (timeout === undefined) {
      if (libc.semop(this.id, ACQUIRE, 1) === 0) return this.#grant();
      const errno = semopRetrying(this.id, ACQUIRE);
      if (errno) throw this.#error(errno, "semop");
      return this.#grant();
    }
    const permit = this.tryAcquire();
    if (permit || timeout === 0) return permit ?? this.#throwTimedOut(timeout);
    const deadline = performance.now() + timeout;
    for (;;) {
      const left = Math.max(0, deadline - performance.now());
      if (libc.semtimedop(this.id, ACQUIRE, 1, timespec(left)) === 0) return this.#grant();
      const errno = lastErrno();
      if (errno === ERRNO.EAGAIN) this.#throwTimedOut(timeout);
      if (errno !== ERRNO.EINTR) throw this.#error(errno, "semtimedop");
    }
  }

  /**
   * Takes a permit, waiting on a waiter thread so the event loop keeps running. Rejects with BusyError
   * when `timeout` runs out, with `signal.reason` when aborted, with RemovedError if the set is removed.
   * A cancelled wait never keeps a permit. Awaited acquires of one handle wait in the kernel one at a
   * time (the others queue in JS), so a handle never ties up more than one waiter thread.
   */
  async acquire(options: AcquireOptions = {}): Promise<Permit> {
    const timeout = checkTimeout(options.timeout);
    options.signal?.throwIfAborted();
    const ready = this.tryAcquire();
    if (ready) return ready;
    if (timeout === 0) this.#throwTimedOut(0);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closer.signal]) : this.#closer.signal;
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    await this.#takeTurn(signal, deadline, timeout ?? 0);
    try {
      const now = this.tryAcquire(); // it may have come free while queued
      if (now) return now;
      const left = deadline === undefined ? undefined : Math.max(0, deadline - performance.now());
      const r = await runBlocking({ op: "semop", id: this.id, sops: ACQUIRE, timeoutMs: left }, { signal });
      if (r.status === "ok") {
        if (!r.cancelReason && !this.#closed) return this.#grant();
        semopRetrying(this.id, RELEASE); // the wait won a race with the cancel: give the permit back
        this.#assertOpen();
        throw signal?.reason;
      }
      if (r.status === "cancelled") throw signal?.reason;
      if (r.errno === ERRNO.EAGAIN) this.#throwTimedOut(timeout ?? 0);
      throw this.#error(r.errno, "semtimedop");
    } finally {
      this.#passTurn();
    }
  }

  /** Runs `fn` holding a permit (awaited acquire), and releases it afterwards, even on throw. */
  async withPermit<T>(fn: () => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    using _permit = await this.acquire(options);
    return await fn();
  }

  /**
   * Gives back the most recent permit this handle holds (PHP's `sem_release`). Throws IpcError (EINVAL)
   * if the handle holds none.
   */
  release(): void {
    this.#assertOpen();
    const last = this.#permits.length - 1;
    if (last < 0) {
      throw errorFor(ERRNO.EINVAL, "Semaphore.release", { key: this.key, id: this.id, detail: "this handle holds no permit" });
    }
    markReleased(this.#releaseAt(last));
  }

  /** True if the kernel still has this set. */
  exists(): boolean {
    return trySemRead(this.id, 0, GETVAL) >= 0;
  }

  /**
   * Removes the set from the kernel for everyone (waiters wake with RemovedError). The handle stays open
   * but has nothing to auto-release; later operations fail with RemovedError.
   */
  remove(): void {
    this.#assertOpen();
    if (libc.semctl(this.id, 0, IPC_RMID, 0) === -1) throw this.#error(lastErrno(), "semctl");
    this.#removed = true;
    dropped.unregister(this);
  }

  /**
   * Lets go of the handle. Every awaited acquire of this handle still waiting rejects at once with
   * ClosedError (none of them keeps a permit). With auto-release (the default) this gives back the permits it still holds and
   * its usage count in one semop, like PHP when a `sem_get` handle is destroyed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(errorFor(ERRNO.EBADF, "Semaphore.close", { key: this.key, id: this.id, detail: "the handle was closed while waiting" }));
    dropped.unregister(this);
    if (!this.#autoRelease || this.#removed) return;
    leaveSet(this.id, this.#permits.length);
    this.#permits.length = 0;
    this.#state.held = 0;
  }

  /** `using sem = Semaphore.create(...)` closes at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Resolves when this call may start a kernel wait: at once if none of this handle's is running. */
  #takeTurn(signal: AbortSignal | undefined, deadline: number | undefined, timeout: number): Promise<void> {
    if (!this.#kernelWait) {
      this.#kernelWait = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (error: unknown) => {
        const at = this.#turns.indexOf(start);
        if (at >= 0) this.#turns.splice(at, 1);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      };
      const start = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => leave(signal!.reason);
      const timer = deadline === undefined
        ? undefined
        : setTimeout(() => leave(this.#timedOut(timeout)), Math.max(0, deadline - performance.now()));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#turns.push(start);
    });
  }

  /** Lets the next queued awaited acquire of this handle start its kernel wait. */
  #passTurn(): void {
    const next = this.#turns.shift();
    if (next) next();
    else this.#kernelWait = false;
  }

  #grant(): Permit {
    const permit = new Permit(this.#owner);
    this.#permits.push(permit);
    this.#state.held++;
    return permit;
  }

  #releasePermit(permit: Permit): void {
    const at = this.#permits.lastIndexOf(permit);
    if (at < 0) return; // already given back by close()
    this.#assertOpen();
    this.#releaseAt(at);
  }

  /** Gives back the permit at index `at` of this handle's list (semop +1) and drops it from the list. */
  #releaseAt(at: number): Permit {
    if (libc.semop(this.id, RELEASE, 1) !== 0) {
      const errno = semopRetrying(this.id, RELEASE);
      if (errno) throw this.#error(errno, "semop");
    }
    const permits = this.#permits;
    const permit = at === permits.length - 1 ? permits.pop()! : permits.splice(at, 1)[0]!;
    this.#state.held--;
    return permit;
  }

  #semctl(num: number, cmd: number): number {
    this.#assertOpen();
    const value = trySemRead(this.id, num, cmd);
    if (value < 0) throw this.#error(-value, "semctl");
    return value;
  }

  #assertOpen(): void {
    if (this.#closed) this.#throwClosed();
  }

  #throwClosed(): never {
    throw errorFor(ERRNO.EBADF, "Semaphore", { key: this.key, id: this.id, detail: "the handle was closed" });
  }

  #error(errno: number, syscall: string): IpcError {
    return semError(errno, syscall, { key: this.key, id: this.id });
  }

  #throwTimedOut(ms: number): never {
    throw this.#timedOut(ms);
  }

  #timedOut(ms: number): IpcError {
    return errorFor(ERRNO.EAGAIN, "semtimedop", {
      key: this.key, id: this.id, detail: ms === 0 ? "no permit free" : `no permit within ${ms} ms`,
    });
  }
}
