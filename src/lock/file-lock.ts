/**
 * {@link FileLock}: a real `flock(2)` lock on a file, shared or exclusive, the same lock PHP's `flock()`
 * takes, so a PHP process and a Bun process exclude each other both ways.
 *
 * - `tryAcquire()` never waits; `acquireSync()` blocks the thread like PHP's `flock($fp, LOCK_EX)`;
 *   `await acquire({ timeout, signal })` waits on a waiter thread (the event loop keeps running), and a
 *   timed-out or aborted wait never ends up holding the lock.
 * - The lock belongs to this handle's own open file (two handles on one path exclude each other, as two
 *   `fopen`s in PHP do); `release()`, `close()`, `using` and the death of the process (even by SIGKILL)
 *   release it. The file is opened close-on-exec, so spawned children never inherit the lock.
 *
 * @example
 * ```ts
 * import { FileLock } from "bun-sysv";
 * import { tmpdir } from "node:os";
 * using lock = new FileLock(`${tmpdir()}/bun-sysv-example.lock`);
 * if (lock.tryAcquire()) {
 *   // critical section
 *   lock.release();
 * }
 * await lock.acquire({ shared: true, timeout: 1000 }); // BusyError after 1 s
 * ```
 * @module
 */
import { closeSync, constants, openSync } from "node:fs";
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from "../ffi/constants.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import type { IpcError } from "../errors.ts";
import { runBlocking } from "../wait/pool.ts";

/** How a lock is held: by one holder (`"exclusive"`) or together with other readers (`"shared"`). */
export type LockMode = "exclusive" | "shared";

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** Create the file if missing (default true). */
  create?: boolean;
  /** Permission bits of a file created here (default 0o600). */
  mode?: number;
}

/** Options of {@link FileLock.acquire}. */
export interface FileLockAcquireOptions {
  /** A shared (read) lock instead of an exclusive one. */
  shared?: boolean;
  /** Milliseconds to wait: undefined waits as long as it takes, 0 only tries. BusyError when it runs out. */
  timeout?: number;
  /** Cancels the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

function checkMode(call: string, mode: unknown): void {
  if (mode !== "exclusive" && mode !== "shared") throw new RangeError(`${call}: mode must be "exclusive" or "shared", got ${JSON.stringify(mode)}`);
}

/** A flock(2) lock on one file (see the module doc). */
export class FileLock implements Disposable {
  /** The locked file. */
  readonly path: string;
  #fd: number;
  #held: LockMode | null = null;
  #closing = new AbortController();

  /** Opens (by default creating, mode 0o600) `path`; does not take the lock. */
  constructor(path: string, options: FileLockOptions = {}) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`FileLock: path must be a non-empty string, got ${path === "" ? "an empty string" : typeof path}`);
    }
    this.path = path;
    const flags = constants.O_RDONLY | (options.create ?? true ? constants.O_CREAT : 0);
    try {
      this.#fd = openSync(path, flags, options.mode ?? 0o600);
    } catch (e) {
      const errno = Math.abs(Number((e as NodeJS.ErrnoException).errno));
      if (!Number.isInteger(errno) || errno === 0) throw e;
      throw errorFor(errno, "open", { detail: `FileLock ${path}` });
    }
  }

  /** How this handle holds the lock now, or null. */
  get held(): LockMode | null {
    return this.#held;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Takes the lock if nobody else holds it in a conflicting way; false otherwise. Never waits. */
  tryAcquire(mode: LockMode = "exclusive"): boolean {
    checkMode("FileLock.tryAcquire", mode);
    const fd = this.#openFd("flock");
    if (libc.flock(fd, (mode === "shared" ? LOCK_SH : LOCK_EX) | LOCK_NB) === 0) {
      this.#held = mode;
      return true;
    }
    const errno = lastErrno();
    if (errno === ERRNO.EAGAIN || errno === ERRNO.EINTR) return false;
    throw this.#error(errno);
  }

  /** Takes the lock, blocking this thread (and the event loop) as PHP's `flock()` does. */
  acquireSync(mode: LockMode = "exclusive"): void {
    checkMode("FileLock.acquireSync", mode);
    const fd = this.#openFd("flock");
    for (;;) {
      if (libc.flock(fd, mode === "shared" ? LOCK_SH : LOCK_EX) === 0) break;
      const errno = lastErrno();
      if (errno !== ERRNO.EINTR) throw this.#error(errno);
    }
    this.#held = mode;
  }

  /**
   * Takes the lock, waiting on a waiter thread so the event loop keeps running. Rejects with BusyError
   * when `timeout` runs out, with `signal.reason` when aborted, with ClosedError-like IpcError (EBADF) when
   * the handle is closed meanwhile. A cancelled wait never leaves the lock held.
   */
  async acquire(options: FileLockAcquireOptions = {}): Promise<void> {
    const mode: LockMode = options.shared ? "shared" : "exclusive";
    const { signal, timeout } = options;
    if (timeout !== undefined && (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0)) {
      throw new RangeError(`timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
    }
    signal?.throwIfAborted();
    if (this.tryAcquire(mode)) return;
    if (timeout === 0) throw this.#busy(0);
    const both = signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
    const timeoutMs = timeout === Infinity ? undefined : timeout;
    const operation = mode === "shared" ? LOCK_SH : LOCK_EX;
    const r = await runBlocking({ op: "flock", fd: this.#fd, operation }, { signal: both, timeoutMs });
    if (r.status === "ok" && !r.cancelReason && !this.closed) {
      this.#held = mode;
      return;
    }
    if (r.status === "ok" && !this.closed) libc.flock(this.#fd, LOCK_UN); // won a race with the cancel: give it back
    this.#openFd("flock");
    if (r.status === "error") throw this.#error(r.errno);
    if (r.cancelReason === "timeout") throw this.#busy(timeout!);
    throw signal?.reason;
  }

  /** Lets go of the lock (no-op if not held). */
  release(): void {
    if (this.#held === null) return;
    const fd = this.#openFd("flock");
    if (libc.flock(fd, LOCK_UN) !== 0) throw this.#error(lastErrno());
    this.#held = null;
  }

  /** Releases the lock, cancels a pending `acquire()`, and closes the file. Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.#closing.abort(this.#closedError("close"));
    const fd = this.#fd;
    this.#fd = -1;
    this.#held = null;
    closeSync(fd); // closing the last descriptor of the open file releases its flock
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #openFd(syscall: string): number {
    if (this.#fd < 0) throw this.#closedError(syscall);
    return this.#fd;
  }

  #closedError(syscall: string): IpcError {
    return errorFor(ERRNO.EBADF, syscall, { detail: `${this.path}: the FileLock was closed` });
  }

  #error(errno: number): IpcError {
    return errorFor(errno, "flock", { detail: this.path });
  }

  #busy(ms: number): IpcError {
    return errorFor(ERRNO.EAGAIN, "flock", {
      detail: `${this.path}: ${ms === 0 ? "held elsewhere" : `still held elsewhere after ${ms} ms`}`,
    });
  }
}
