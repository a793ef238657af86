/**
 * PHP's posix functions a daemon port needs: `posix_kill`, `posix_getpid`, `posix_getppid`, the user and
 * group ids, and `posix_get_last_error`/`posix_strerror` for why the last one failed.
 *
 * @example
 * ```ts
 * import { posix_kill, posix_get_last_error, posix_strerror, posix_getpid } from "bun-sysv/compat";
 * posix_kill(posix_getpid(), 0); // true: this process exists
 * if (!posix_kill(2 ** 22 + 1, 0)) console.log(posix_strerror(posix_get_last_error())); // "No such process"
 * ```
 * @module
 */
import { IpcError } from "../src/errors.ts";
import { ERRNO } from "../src/ffi/errno.ts";
import { strerror } from "../src/ffi/libc.ts";
import { parentPid } from "../src/process/index.ts";
import { sendSignal } from "../src/signals/send.ts";

let lastError = 0;

/**
 * Sends signal `signal` to `process_id` (0 only checks it exists). False on failure, errno in
 * {@link posix_get_last_error} (ESRCH 3: no such process; EPERM 1: not allowed).
 *
 * @example
 * ```ts
 * import { posix_kill, posix_getpid } from "bun-sysv/compat";
 * posix_kill(posix_getpid(), 0); // true
 * ```
 */
export function posix_kill(process_id: number, signal: number): boolean {
  try {
    sendSignal(Math.trunc(Number(process_id)), Math.trunc(Number(signal)));
    return true;
  } catch (error) {
    if (error instanceof IpcError) {
      lastError = error.errno;
      return false;
    }
    if (error instanceof RangeError) { // a signal number the kernel does not know
      lastError = ERRNO.EINVAL; // as kill(2) answers
      return false;
    }
    throw error;
  }
}

/**
 * This process's pid.
 *
 * @example
 * ```ts
 * import { posix_getpid } from "bun-sysv/compat";
 * posix_getpid() === process.pid; // true
 * ```
 */
export function posix_getpid(): number {
  return process.pid;
}

/**
 * The parent's pid now (1, or a subreaper's, once the parent is gone).
 *
 * @example
 * ```ts
 * import { posix_getppid } from "bun-sysv/compat";
 * posix_getppid();
 * ```
 */
export function posix_getppid(): number {
  return parentPid();
}

/**
 * The real user id.
 *
 * @example
 * ```ts
 * import { posix_getuid } from "bun-sysv/compat";
 * posix_getuid() === process.getuid!(); // true
 * ```
 */
export function posix_getuid(): number {
  return process.getuid!();
}

/**
 * The effective user id.
 *
 * @example
 * ```ts
 * import { posix_geteuid } from "bun-sysv/compat";
 * posix_geteuid();
 * ```
 */
export function posix_geteuid(): number {
  return process.geteuid!();
}

/**
 * The real group id.
 *
 * @example
 * ```ts
 * import { posix_getgid } from "bun-sysv/compat";
 * posix_getgid();
 * ```
 */
export function posix_getgid(): number {
  return process.getgid!();
}

/**
 * The effective group id.
 *
 * @example
 * ```ts
 * import { posix_getegid } from "bun-sysv/compat";
 * posix_getegid();
 * ```
 */
export function posix_getegid(): number {
  return process.getegid!();
}

/**
 * errno of the last failed posix function (0 when none failed).
 *
 * @example
 * ```ts
 * import { posix_get_last_error, posix_kill } from "bun-sysv/compat";
 * posix_kill(2 ** 22 + 1, 0);
 * posix_get_last_error(); // 3 (ESRCH)
 * ```
 */
export function posix_get_last_error(): number {
  return lastError;
}

/** Alias of {@link posix_get_last_error}, as in PHP. */
export const posix_errno = posix_get_last_error;

/**
 * The strerror(3) text of an errno, as PHP prints it.
 *
 * @example
 * ```ts
 * import { posix_strerror } from "bun-sysv/compat";
 * posix_strerror(3); // "No such process"
 * ```
 */
export function posix_strerror(error_code: number): string {
  return strerror(Math.trunc(Number(error_code)));
}
