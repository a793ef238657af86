/**
 * Whether a process exists: `kill(pid, 0)`, the check the CLI makes for the pids an IPC object names
 * and a pool worker makes for its pool. EPERM counts as alive (it exists, owned by someone else).
 *
 * @example
 * ```ts
 * import { processAlive } from "bun-sysv";
 * processAlive(process.pid); // true
 * processAlive(0);           // false (0 and negatives name process groups, not a process)
 * ```
 * @module
 */
import { ERRNO } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";

/**
 * True when process `pid` exists (also a zombie not yet reaped, and one this user may not signal);
 * false for pids <= 0 or beyond pid_t, and when kill(2) answers ESRCH.
 *
 * @example
 * ```ts
 * import { processAlive } from "bun-sysv";
 * processAlive(process.pid); // true
 * ```
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) return false; // pid_t is 32-bit
  return libc.kill(pid, 0) === 0 || lastErrno() === ERRNO.EPERM;
}
