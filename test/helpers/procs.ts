/**
 * Process checks for tests: whether a pid still runs (a zombie, dead but not yet reaped by whoever
 * inherited it, does not count), and a bounded wait for one to stop. One place for what several test
 * files each wrote (`kill(pid, 0)`, `ps -o stat=`, `/proc/<pid>/stat`).
 *
 * @example
 * ```ts
 * import { isRunning, waitGone } from "./helpers/procs.ts";
 * isRunning(process.pid);        // true
 * await waitGone(childPid, 5000); // true once it exited (or is a zombie)
 * ```
 */
import { readFileSync } from "node:fs";

/** True while `pid` runs; false once it exited, also while it is a zombie. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits up to `timeoutMs` for `pid` to stop running; true if it did. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}
