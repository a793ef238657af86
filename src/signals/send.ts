/**
 * Sending signals: {@link sendSignal} (kill(2), with a clear error naming the pid and the errno).
 *
 * @example
 * ```ts
 * import { sendSignal } from "bun-sysv";
 * const child = Bun.spawn(["sleep", "10"]);
 * sendSignal(child.pid, "SIGTERM");
 * await child.exited; // killed by SIGTERM
 * ```
 * @module
 */
import { check } from "../ffi/errno.ts";
import { libc } from "../ffi/libc.ts";
import { signalNumber, type SignalLike } from "./names.ts";

/** Sends `signal` to `pid` (default: this process). Throws IpcError (ESRCH: no such process, EPERM). */
export function sendSignal(pid: number = process.pid, signal: SignalLike = "SIGTERM"): void {
  check(libc.kill(pid, signalNumber(signal)), "kill", { detail: `pid ${pid}, signal ${String(signal)}` });
}

