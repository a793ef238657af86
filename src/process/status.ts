/**
 * How a child process ended, and the wait status int the kernel (and PHP's `pcntl_waitpid`) reports for
 * it: `code << 8` for an exit, the signal number (| 0x80 with a core dump) for a kill, `sig << 8 | 0x7f`
 * for a stop. One encoder and one set of decoders, used by {@link ChildProcess} and compat's `pcntl_w*`.
 *
 * @example
 * ```ts
 * import { signalNumber, waitStatus, exitStatusOf, termSignalOf } from "bun-sysv";
 * const status = waitStatus({ code: 3, signal: null }); // 768, as PHP's pcntl_waitpid gives for exit(3)
 * exitStatusOf(status); // 3
 * termSignalOf(waitStatus({ code: null, signal: "SIGKILL" })); // 9
 * signalNumber("SIGTERM"); // 15
 * ```
 * @module
 */
import { signalNumber } from "../signals/names.ts";

/** How a child ended: an exit code, or the signal that killed it. */
export interface ChildExit {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** Name of the signal that ended it (e.g. `"SIGKILL"`), or `null`. */
  signal: string | null;
}

/**
 * The wait status int of an exit: `code << 8`, or the signal number for a kill (`coreDumped` adds 0x80).
 *
 * @example
 * ```ts
 * import { waitStatus } from "bun-sysv";
 * waitStatus({ code: 3, signal: null }); // 768
 * ```
 */
export function waitStatus(exit: ChildExit, coreDumped = false): number {
  if (exit.signal !== null) return (signalNumber(exit.signal) & 0x7f) | (coreDumped ? 0x80 : 0);
  return ((exit.code ?? 0) & 0xff) << 8;
}

/**
 * The wait status int of a child stopped by `signal`: `signal << 8 | 0x7f`.
 *
 * @example
 * ```ts
 * import { stoppedStatus } from "bun-sysv";
 * stoppedStatus(19); // 4991 (SIGSTOP)
 * ```
 */
export function stoppedStatus(signal: number): number {
  return ((signal & 0xff) << 8) | 0x7f;
}

/**
 * True when `status` says the child exited normally (WIFEXITED).
 *
 * @example
 * ```ts
 * import { exitedNormally } from "bun-sysv";
 * exitedNormally(768); // true
 * ```
 */
export function exitedNormally(status: number): boolean {
  return (status & 0x7f) === 0;
}

/**
 * The exit code in `status` (WEXITSTATUS); meaningful when {@link exitedNormally}.
 *
 * @example
 * ```ts
 * import { exitStatusOf } from "bun-sysv";
 * exitStatusOf(768); // 3
 * ```
 */
export function exitStatusOf(status: number): number {
  return (status >> 8) & 0xff;
}

/**
 * True when a signal killed the child (WIFSIGNALED).
 *
 * @example
 * ```ts
 * import { killedBySignal } from "bun-sysv";
 * killedBySignal(9); // true
 * ```
 */
export function killedBySignal(status: number): boolean {
  const low = status & 0x7f;
  return low !== 0 && low !== 0x7f;
}

/**
 * The signal that killed the child (WTERMSIG); meaningful when {@link killedBySignal}.
 *
 * @example
 * ```ts
 * import { termSignalOf } from "bun-sysv";
 * termSignalOf(9); // 9
 * ```
 */
export function termSignalOf(status: number): number {
  return status & 0x7f;
}

/**
 * True when the child is stopped (WIFSTOPPED).
 *
 * @example
 * ```ts
 * import { stoppedBySignal } from "bun-sysv";
 * stoppedBySignal(4991); // true
 * ```
 */
export function stoppedBySignal(status: number): boolean {
  return (status & 0xff) === 0x7f;
}

/**
 * The signal that stopped the child (WSTOPSIG); meaningful when {@link stoppedBySignal}.
 *
 * @example
 * ```ts
 * import { stopSignalOf } from "bun-sysv";
 * stopSignalOf(4991); // 19
 * ```
 */
export function stopSignalOf(status: number): number {
  return (status >> 8) & 0xff;
}
