/**
 * The native signal record (signals.c, compiled on first use by bun:ffi's `cc`, about 20 ms): a handler
 * that only records each delivery, so synchronous PHP-style loops can see signals that `process.on`
 * listeners would only see once the event loop runs. Needs the C headers of libc (`libc6-dev` on Debian).
 *
 * @example
 * ```ts
 * import { nativeSignals } from "./signals.ts";
 * const native = nativeSignals();
 * native.trap(10, false);           // SIGUSR1 is now recorded (and a blocked msgrcv returns EINTR)
 * process.kill(process.pid, "SIGUSR1");
 * native.count(10);                 // 1
 * native.untrap(10, "previous");
 * ```
 * @module
 */
import { cc, FFIType as T, toArrayBuffer, type Pointer } from "bun:ffi";
import { fileURLToPath } from "node:url";
import { lastErrno } from "./libc.ts";

/** Receipts the ring keeps (signals.c `RING`). */
export const SIGNAL_RING = 256;
/** Highest signal number (signals.c `NSIGNALS - 1`). */
export const MAX_SIGNAL = 64;
const RING_OFFSET = 1 + MAX_SIGNAL; // Int32 words before the ring

/** One delivery as recorded by the handler. */
export interface SignalReceipt {
  signo: number;
  /** `si_code` (0 = SI_USER, sent by kill). */
  code: number;
  /** Sender pid (for kill-sent signals). */
  pid: number;
  /** Sender real uid (for kill-sent signals). */
  uid: number;
}

/** What `untrap` leaves behind: the default action, ignore, or the handler that was there before the trap. */
export type Disposition = "default" | "ignore" | "previous";

/** The compiled helper: see signals.c for each function. */
export interface NativeSignals {
  /** Starts recording `signo` (sigaction without SA_RESTART unless `restart`). Returns 0 or the errno. */
  trap(signo: number, restart: boolean): number;
  /** Stops recording `signo`. Returns 0 or the errno. */
  untrap(signo: number, how: Disposition): number;
  /** True if the recording handler is installed for `signo` right now. */
  trapped(signo: number): boolean;
  /** Deliveries of `signo` recorded since the process started. */
  count(signo: number): number;
  /** Receipts recorded since the process started (all signals). */
  written(): number;
  /** Receipt number `n` (`written() - SIGNAL_RING <= n < written()`). */
  receipt(n: number): SignalReceipt;
}

let loaded: NativeSignals | undefined;
// The compiled code must stay reachable for the life of the process: the kernel calls into it.
let keepAlive: unknown;

/** Compiles signals.c on first call (throws a clear error if `cc` or the libc headers are missing). */
export function nativeSignals(): NativeSignals {
  if (loaded) return loaded;
  let lib;
  try {
    lib = cc({
      source: fileURLToPath(new URL("./signals.c", import.meta.url)),
      symbols: {
        sysv_signal_record: { args: [], returns: T.ptr },
        sysv_signal_trap: { args: [T.i32, T.i32], returns: T.i32 },
        sysv_signal_untrap: { args: [T.i32, T.i32], returns: T.i32 },
        sysv_signal_trapped: { args: [T.i32], returns: T.i32 },
      },
    });
  } catch (e) {
    throw new Error(
      `bun-sysv: cannot compile the native signal handler (src/ffi/signals.c) with bun:ffi cc: ${(e as Error).message}. ` +
        "It needs libc's C headers (Debian/Ubuntu: apt-get install libc6-dev).",
    );
  }
  keepAlive = lib;
  const s = lib.symbols;
  const words = new Int32Array(toArrayBuffer(s.sysv_signal_record() as Pointer, 0, (RING_OFFSET + SIGNAL_RING * 4) * 4));
  const errnoOf = (ret: number) => (ret === 0 ? 0 : lastErrno());
  const how = { default: 0, ignore: 1, previous: 2 } as const;
  loaded = {
    trap: (signo, restart) => errnoOf(s.sysv_signal_trap(signo, restart ? 1 : 0)),
    untrap: (signo, h) => errnoOf(s.sysv_signal_untrap(signo, how[h])),
    trapped: (signo) => s.sysv_signal_trapped(signo) === 1,
    // Atomics.load: the handler writes behind the JIT's back, and a plain typed-array read in a loop
    // that calls nothing could be hoisted out of the loop (then `while (!trap.isTrapped())` never ends).
    count: (signo) => (signo >= 1 && signo <= MAX_SIGNAL ? Atomics.load(words, signo) : 0),
    written: () => Atomics.load(words, 0),
    receipt(n) {
      const at = RING_OFFSET + (n & (SIGNAL_RING - 1)) * 4;
      return { signo: Atomics.load(words, at), code: Atomics.load(words, at + 1), pid: Atomics.load(words, at + 2), uid: Atomics.load(words, at + 3) };
    },
  };
  return loaded;
}

/** True once {@link nativeSignals} has compiled the helper (cheap check for hot paths). */
export function nativeSignalsLoaded(): boolean {
  return loaded !== undefined && keepAlive !== undefined;
}
