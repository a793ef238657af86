/**
 * The children this process started (not detached), so none outlives it: on `exit` each live child gets
 * SIGTERM; on SIGINT/SIGTERM/SIGHUP, when no other listener handles the signal, the children get it too
 * and this process then dies of it as it would have without the library. With your own listener for that
 * signal, the children are left to you until exit. The listeners exist only while children are alive;
 * the signal side is the termination registry shared with cleanupOnTerminate (src/signals/terminate.ts).
 *
 * Exited children stay known (up to {@link KEEP_EXITED}) so compat's `pcntl_waitpid` can report them.
 *
 * @example
 * ```ts
 * import { liveChildren } from "bun-sysv";
 * liveChildren().length; // 0
 * ```
 * @module
 */
import { onTermination } from "../signals/terminate.ts";
import type { ChildProcess } from "./child.ts";

/** How many exited children stay known for `pcntl_waitpid` before the oldest are forgotten. */
export const KEEP_EXITED = 1024;

const byPid = new Map<number, ChildProcess>();
const live = new Set<ChildProcess>();
const exitedOrder: number[] = [];
/** Unregisters the reaper from the termination registry; set while children live. */
let stopReaping: (() => void) | undefined;

function onExit(): void {
  for (const child of live) child.kill("SIGTERM");
}

/** Only when the process is ending (no listener of the program's own): the children get the same signal. */
function reap(signal: NodeJS.Signals): void {
  for (const child of [...live]) child.kill(signal);
}

function install(): void {
  if (stopReaping) return;
  process.on("exit", onExit);
  stopReaping = onTermination(reap, { name: "bun-sysv: stopping the children" });
}

function uninstall(): void {
  if (!stopReaping) return;
  process.off("exit", onExit);
  stopReaping();
  stopReaping = undefined;
}

/** Internal: records a child just started. */
export function track(child: ChildProcess, cleanup: boolean): void {
  byPid.set(child.pid, child);
  if (!cleanup) return;
  live.add(child);
  install();
}

/** Internal: records that a child exited. */
export function untrack(child: ChildProcess): void {
  live.delete(child);
  if (live.size === 0) uninstall();
  exitedOrder.push(child.pid);
  while (exitedOrder.length > KEEP_EXITED) {
    const pid = exitedOrder.shift()!;
    if (byPid.get(pid)?.exit) byPid.delete(pid);
  }
}

/**
 * Internal: forgets a child (compat's waitpid reaped it).
 *
 * @example
 * ```ts
 * import { forgetChild } from "bun-sysv";
 * forgetChild(pid); // compat pcntl_waitpid does this once it reported an exit
 * ```
 */
export function forget(pid: number): void {
  byPid.delete(pid);
}

/**
 * The child with this pid started by this library, if still known.
 *
 * @example
 * ```ts
 * import { childByPid } from "bun-sysv";
 * childByPid(child.pid) === child; // true while known
 * ```
 */
export function childByPid(pid: number): ChildProcess | undefined {
  return byPid.get(pid);
}

/**
 * Every child started by this library and still known (live, or exited and not yet forgotten).
 *
 * @example
 * ```ts
 * import { knownChildren } from "bun-sysv";
 * knownChildren().length;
 * ```
 */
export function knownChildren(): ChildProcess[] {
  return [...byPid.values()];
}

/**
 * The children still running that will be stopped when this process ends.
 *
 * @example
 * ```ts
 * import { liveChildren } from "bun-sysv";
 * liveChildren().map((c) => c.pid);
 * ```
 */
export function liveChildren(): ChildProcess[] {
  return [...live];
}
