/**
 * PHP 8.2's pcntl signal functions: `pcntl_signal`, `pcntl_signal_dispatch`, `pcntl_async_signals`,
 * `pcntl_signal_get_handler`, `pcntl_alarm`, with PHP's queued and async semantics, so the daemon loop
 * ports line by line and stops within one turn:
 *
 * - a handler set with `pcntl_signal` records each delivery synchronously (a native handler, see
 *   docs/signals.md) and interrupts a blocking `msg_receive` (false, `$error_code` = 4, EINTR, as in PHP);
 * - `pcntl_signal_dispatch()` runs the handlers of the signals received since, in order of arrival;
 * - after `pcntl_async_signals(true)`, the compat blocking calls (`msg_receive`, `msg_send`, `sem_acquire`)
 *   run pending handlers before they return, and the event loop runs them as soon as it gets to it.
 *
 * @example
 * ```ts
 * import { pcntl_signal, pcntl_signal_dispatch, SIGUSR1, SIG_DFL } from "bun-sysv/compat";
 * let seen = 0;
 * pcntl_signal(SIGUSR1, (signo: number) => { seen = signo; });
 * process.kill(process.pid, "SIGUSR1");
 * pcntl_signal_dispatch(); // runs the handler now: seen === 10
 * pcntl_signal(SIGUSR1, SIG_DFL);
 * ```
 * @module
 */
import { libc } from "../src/ffi/libc.ts";
import { holdSignal, isSignalHeld, onSignalLoop, releaseSignal, SignalCursor } from "../src/signals/record.ts";
import { IpcError } from "../src/errors.ts";
import { PhpError, ValueError } from "./diagnostics.ts";
import { SIG_DFL, SIG_IGN, SIGCHLD, SIGUSR1, SIGUSR2 } from "./signals-constants.ts";
import { intArg, phpTypeName } from "./types.ts";
import { setAsyncDispatcher } from "./pcntl-async.ts";

/** PHP's `$siginfo` array as pcntl passes it to handlers (pid/uid for SIGUSR1, SIGUSR2 and SIGCHLD). */
export interface PcntlSiginfo {
  signo: number;
  errno: number;
  code: number;
  pid?: number;
  uid?: number;
}

/** A pcntl handler: called with the signal number and the siginfo array. */
export type PcntlHandler = (signo: number, siginfo: PcntlSiginfo) => unknown;

const handlers = new Map<number, PcntlHandler | typeof SIG_DFL | typeof SIG_IGN>();
const restarts = new Map<number, boolean>();
let cursor: SignalCursor | undefined;
let asyncSignals = false;
let dispatching = false;

onSignalLoop(() => {
  if (asyncSignals) dispatchPending();
});
// The compat blocking calls' hook: one memory read when nothing is pending.
setAsyncDispatcher(() => {
  if (asyncSignals && cursor?.pending()) dispatchPending();
});

function signalArg(fn: string, value: unknown): number {
  return Number(intArg(fn, 1, "signal", value));
}

/**
 * `pcntl_signal(int $signal, callable|int $handler, bool $restart_syscalls = true): bool`. A callable is
 * run by {@link pcntl_signal_dispatch} (or at once in async mode); `SIG_DFL` / `SIG_IGN` set the default
 * action / ignore. ValueError for a signal outside 1-64 or an int other than SIG_DFL/SIG_IGN; TypeError for
 * a non-callable. A signal that cannot be caught (SIGKILL, SIGSTOP) is PHP's fatal
 * "Error installing signal handler for 9", thrown here as `Error`.
 *
 * @example
 * ```ts
 * let running = true;
 * pcntl_signal(SIGTERM, () => { running = false; });
 * ```
 */
export function pcntl_signal(signal: number, handler: PcntlHandler | number, restart_syscalls: boolean = true): boolean {
  const signo = signalArg("pcntl_signal", signal);
  if (signo < 1) throw new ValueError("pcntl_signal(): Argument #1 ($signal) must be greater than or equal to 1");
  if (signo > 64) throw new ValueError("pcntl_signal(): Argument #1 ($signal) must be less than 65");
  if (typeof handler !== "function") {
    if (typeof handler !== "number" && typeof handler !== "bigint" && typeof handler !== "boolean") {
      throw new TypeError(`pcntl_signal(): Argument #2 ($handler) must be of type callable|int, ${phpTypeName(handler)} given`);
    }
    const value = Number(intArg("pcntl_signal", 2, "handler", handler));
    if (value !== SIG_DFL && value !== SIG_IGN) {
      throw new ValueError("pcntl_signal(): Argument #2 ($handler) must be either SIG_DFL or SIG_IGN when an integer value is given");
    }
    guard(signo, () => releaseSignal(signo, value === SIG_IGN ? "ignore" : "default"));
    handlers.set(signo, value);
    restarts.delete(signo);
    return true;
  }
  cursor ??= new SignalCursor();
  const restart = Boolean(restart_syscalls);
  const held = typeof handlers.get(signo) === "function" && isSignalHeld(signo);
  if (!held || restarts.get(signo) !== restart) {
    guard(signo, () => {
      if (held) releaseSignal(signo);
      holdSignal(signo, { restart });
    });
  }
  handlers.set(signo, handler);
  restarts.set(signo, restart);
  return true;
}

function guard(signo: number, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof IpcError) throw new PhpError(`Error installing signal handler for ${signo}`);
    throw e;
  }
}

function siginfo(signo: number, code: number, pid: number, uid: number): PcntlSiginfo {
  const info: PcntlSiginfo = { signo, errno: 0, code };
  if (signo === SIGUSR1 || signo === SIGUSR2 || signo === SIGCHLD) {
    info.pid = pid;
    info.uid = uid;
  }
  return info;
}

function dispatchPending(): void {
  if (!cursor || dispatching) return;
  dispatching = true;
  try {
    for (const r of cursor.take()) {
      const handler = handlers.get(r.signo);
      if (typeof handler === "function") handler(r.signo, siginfo(r.signo, r.code, r.pid, r.uid));
    }
  } finally {
    dispatching = false;
  }
}

/**
 * `pcntl_signal_dispatch(): bool`: runs the handler of every signal received since the last dispatch, in
 * order of arrival, once per delivery. Always true.
 *
 * @example
 * ```ts
 * while (running) {
 *   msg_receive(queue, 0, type, 1024, message); // false with EINTR when a signal arrives
 *   pcntl_signal_dispatch();
 * }
 * ```
 */
export function pcntl_signal_dispatch(): boolean {
  dispatchPending();
  return true;
}

/**
 * `pcntl_async_signals(?bool $enable = null): bool`: returns the previous setting; with true, handlers run
 * without `pcntl_signal_dispatch` (when a compat blocking call returns, or from the event loop).
 *
 * @example
 * ```ts
 * pcntl_async_signals(true); // false: it was off
 * ```
 */
export function pcntl_async_signals(enable: boolean | null = null): boolean {
  const previous = asyncSignals;
  if (enable !== null && enable !== undefined) asyncSignals = Boolean(enable);
  return previous;
}

/**
 * `pcntl_signal_get_handler(int $signal): callable|int`: the handler set with {@link pcntl_signal}, or
 * `SIG_DFL` (0) / `SIG_IGN` (1). As PHP 8.2, only 1-32 are accepted (ValueError otherwise).
 *
 * @example
 * ```ts
 * pcntl_signal_get_handler(SIGTERM); // 0 (SIG_DFL) until a handler is set
 * ```
 */
export function pcntl_signal_get_handler(signal: number): PcntlHandler | number {
  const signo = signalArg("pcntl_signal_get_handler", signal);
  if (signo < 1 || signo > 32) throw new ValueError("pcntl_signal_get_handler(): Argument #1 ($signal) must be between 1 and 32");
  return handlers.get(signo) ?? SIG_DFL;
}

/**
 * `pcntl_alarm(int $seconds): int`: SIGALRM after `$seconds` (0 cancels); returns the seconds left of the
 * previous alarm. Without a SIGALRM handler the default action ends the process, as in PHP.
 *
 * @example
 * ```ts
 * pcntl_signal(SIGALRM, () => console.log("alarm"));
 * pcntl_alarm(1);
 * ```
 */
export function pcntl_alarm(seconds: number): number {
  const s = BigInt.asUintN(32, BigInt(intArg("pcntl_alarm", 1, "seconds", seconds)));
  return libc.alarm(Number(s));
}
