/**
 * The synchronous record of signals (over the native handler of `src/ffi/signals.c`): code that never
 * yields to the event loop (a PHP-style `while ($running) { msg_receive(...) }`) can still see every
 * signal, and a blocking System V call of the main thread returns EINTR when one arrives.
 *
 * Holding a signal installs the recording handler (without SA_RESTART) and one `process.on` listener, so
 * Bun's own handler stays in the chain: other `process.on` listeners of that signal keep working, and
 * {@link onSignalLoop} hooks run when the event loop gets to it. Holds are counted; the last release puts
 * back what was there before.
 *
 * @example
 * ```ts
 * import { holdSignal, releaseSignal, SignalCursor } from "bun-sysv";
 * holdSignal("SIGUSR1");
 * const cursor = new SignalCursor();
 * process.kill(process.pid, "SIGUSR1");
 * console.log(cursor.take().map((r) => r.signo)); // [10], read synchronously
 * releaseSignal("SIGUSR1");
 * ```
 * @module
 */
import { errorFor } from "../ffi/errno.ts";
import { nativeSignals, nativeSignalsLoaded, SIGNAL_RING, type SignalReceipt } from "../ffi/signals.ts";
import { signalName, signalNumber, type SignalLike } from "./names.ts";

export type { SignalReceipt } from "../ffi/signals.ts";

interface Hold {
  count: number;
  listener?: () => void;
}

const holds = new Map<number, Hold>();
const loopHooks = new Set<(signo: number) => void>();

/** Options of {@link holdSignal}. */
export interface HoldOptions {
  /** Install with SA_RESTART (PHP's `$restart_syscalls`); System V calls return EINTR either way. Default false. */
  restart?: boolean;
}

/**
 * Starts (or keeps) recording `signal`: its deliveries are counted and queued for {@link SignalCursor}s.
 * Throws IpcError (EINVAL) for signals that cannot be caught (SIGKILL, SIGSTOP, glibc's 32 and 33).
 */
export function holdSignal(signal: SignalLike, options: HoldOptions = {}): void {
  const signo = signalNumber(signal);
  const native = nativeSignals();
  const hold = holds.get(signo);
  if (hold && hold.count > 0 && !options.restart && native.trapped(signo)) {
    hold.count++;
    return;
  }
  let listener = hold?.listener;
  const name = signalName(signo);
  if (!listener && name) {
    listener = () => { for (const hook of loopHooks) hook(signo); };
    // Makes Bun install its handler first, so the native one chains to it (process.on keeps working).
    try { process.on(name, listener); } catch { listener = undefined; }
  }
  const errno = native.trap(signo, options.restart ?? false);
  if (errno !== 0 && listener && !hold) process.off(name!, listener);
  check(errno, signo);
  holds.set(signo, { count: (hold?.count ?? 0) + 1, listener });
}

/**
 * Drops one hold of `signal`; the last one stops recording. `how`: "previous" (default) puts back what
 * the signal had before (Bun's handler if `process.on` listeners remain, else the default action),
 * "default" or "ignore" force SIG_DFL / SIG_IGN and drop every hold (PHP's `pcntl_signal(SIG_DFL|SIG_IGN)`).
 */
export function releaseSignal(signal: SignalLike, how: "previous" | "default" | "ignore" = "previous"): void {
  const signo = signalNumber(signal);
  const hold = holds.get(signo);
  if (how === "previous") {
    if (!hold) return;
    if (--hold.count > 0) return;
  }
  holds.delete(signo);
  const name = signalName(signo);
  if (!nativeSignalsLoaded() && !hold) {
    if (how === "default" || how === "ignore") check(nativeSignals().untrap(signo, how), signo);
    return;
  }
  const native = nativeSignals();
  if (how === "ignore") {
    // Bun resets the signal to SIG_DFL when its last listener goes: drop ours first, then ignore.
    if (hold?.listener && name) process.off(name, hold.listener);
    check(native.untrap(signo, "ignore"), signo);
    return;
  }
  check(native.untrap(signo, "previous"), signo);
  if (hold?.listener && name) process.off(name, hold.listener);
  if (how === "default") check(native.untrap(signo, "default"), signo);
}

/** Throws the IpcError of a failed sigaction (errno 0: nothing). */
function check(errno: number, signo: number): void {
  if (errno !== 0) throw errorFor(errno, "sigaction", { detail: `signal ${signo}` });
}

/** True while `signal` is held and its recording handler is still the installed one. */
export function isSignalHeld(signal: SignalLike): boolean {
  const signo = signalNumber(signal);
  return (holds.get(signo)?.count ?? 0) > 0 && nativeSignals().trapped(signo);
}

/** Deliveries of `signal` recorded since the process started (0 if never held). */
export function signalCount(signal: SignalLike): number {
  return nativeSignalsLoaded() ? nativeSignals().count(signalNumber(signal)) : 0;
}

/**
 * Runs `hook(signo)` from the event loop after a held signal arrives (through the `process.on` listener
 * that holding installs). Returns a function that removes the hook.
 */
export function onSignalLoop(hook: (signo: number) => void): () => void {
  loopHooks.add(hook);
  return () => loopHooks.delete(hook);
}

/**
 * Reads the receipts of held signals in order of arrival, each once, from the moment it is created.
 * Independent cursors each see every receipt. A cursor that falls more than 256 receipts behind skips
 * the oldest ones (`lost` counts them).
 */
export class SignalCursor {
  #next: number;
  /** Receipts skipped because the ring wrapped before they were read. */
  lost = 0;

  constructor() {
    this.#next = nativeSignalsLoaded() ? nativeSignals().written() : 0;
  }

  /** True if receipts are waiting (one memory read: cheap enough for every loop turn). */
  pending(): boolean {
    return nativeSignalsLoaded() && nativeSignals().written() !== this.#next;
  }

  /** The receipts that arrived since the last call, oldest first. */
  take(): SignalReceipt[] {
    if (!nativeSignalsLoaded()) return [];
    const native = nativeSignals();
    const written = native.written();
    if (written - this.#next > SIGNAL_RING) {
      this.lost += written - this.#next - SIGNAL_RING;
      this.#next = written - SIGNAL_RING;
    }
    const out: SignalReceipt[] = [];
    while (this.#next !== written) out.push(native.receipt(this.#next++));
    return out;
  }
}
