/**
 * Signal names and numbers (Linux): one place that turns `"SIGTERM"` or `15` into both forms.
 *
 * @example
 * ```ts
 * import { signalNumber, signalName } from "bun-sysv";
 * signalNumber("SIGTERM"); // 15
 * signalName(10);          // "SIGUSR1"
 * ```
 * @module
 */
import { SIGNALS } from "../ffi/constants.ts";

/** A signal given by name (`"SIGTERM"`) or number (`15`). */
export type SignalLike = NodeJS.Signals | number;

const numbers: Readonly<Record<string, number>> = SIGNALS;
const names = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(numbers)) if (!names.has(n)) names.set(n, name as NodeJS.Signals);

/**
 * The number of a signal given by name (`"SIGTERM"`, `"term"`) or number; 0 is kill(2)'s "does the process
 * exist" check. RangeError for an unknown name or a number outside 0-64.
 */
export function signalNumber(signal: SignalLike | string): number {
  if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 0 || signal > 64) throw new RangeError(`signal number must be 0-64, got ${signal}`);
    return signal;
  }
  const upper = signal.toUpperCase();
  const n = numbers[upper.startsWith("SIG") ? upper : `SIG${upper}`];
  if (n === undefined) throw new RangeError(`unknown signal ${JSON.stringify(signal)}`);
  return n;
}

/** The name of a signal number (`undefined` for numbers without a name, such as real-time signals). */
export function signalName(signal: SignalLike): NodeJS.Signals | undefined {
  return typeof signal === "string" ? (signalNumber(signal), signal) : names.get(signalNumber(signal));
}

/**
 * The name `process.on` listens to for `signal`; RangeError for a signal without one (real-time signals).
 *
 * @example
 * ```ts
 * import { listenableName } from "bun-sysv";
 * process.once(listenableName(10), () => {}); // "SIGUSR1"
 * ```
 */
export function listenableName(signal: SignalLike): NodeJS.Signals {
  const name = signalName(signal);
  if (!name) throw new RangeError(`signal ${String(signal)} has no name: process.on cannot listen to it`);
  return name;
}

/**
 * `signal` as a number, checked to be one a handler can catch: RangeError naming `call` for 0 (no signal),
 * SIGKILL and SIGSTOP (the kernel never lets a process catch those: a handler would silently never run).
 *
 * @example
 * ```ts
 * import { catchableSignal } from "bun-sysv";
 * catchableSignal("SignalTrap", "SIGTERM"); // 15
 * ```
 */
export function catchableSignal(call: string, signal: SignalLike | string): number {
  const signo = signalNumber(signal);
  if (signo === 0) throw new RangeError(`${call}: signal 0 is not a signal (kill(2)'s existence check) and cannot be caught`);
  if (signo === numbers.SIGKILL || signo === numbers.SIGSTOP) {
    throw new RangeError(`${call}: ${names.get(signo)} (${signo}) cannot be caught, blocked or ignored`);
  }
  return signo;
}
