/**
 * What the library does when the process is told to stop (SIGINT, SIGTERM, SIGHUP), in one place.
 * {@link cleanupOnTerminate}'s cleanups and the stopping of tracked children (`src/process`) register
 * here and share one listener per signal, one rule for "the program listens to this signal itself", and
 * one way of ending the process.
 *
 * On a delivery:
 * 1. the program listens itself when the signal has any listener that is not this module's (its own
 *    `process.on`, a {@link SignalHandler}, a {@link SignalTrap}, compat's `pcntl_signal`, ...);
 * 2. the registered hooks run, newest first, each at most once: those marked `always` on every delivery,
 *    the others only when the program does not listen (then the process is ending);
 * 3. if the program does not listen, this module's listeners go and the process dies of the signal, as it
 *    would have without the library: a shell (and `Bun.spawn`'s `exited`) sees 128 + the signal's number.
 *
 * While nothing is registered no listener is installed, and the signals keep their default effect.
 *
 * @example
 * ```ts
 * import { TERMINATING_SIGNALS } from "bun-sysv";
 * console.log(TERMINATING_SIGNALS); // ["SIGINT", "SIGTERM", "SIGHUP"]
 * ```
 * @module
 */
import { signalNumber } from "./names.ts";

/** The signals that end a process by default and after which a program should clean up. */
export const TERMINATING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** One of {@link TERMINATING_SIGNALS}. */
export type TerminatingSignal = (typeof TERMINATING_SIGNALS)[number];

/** Options of {@link onTermination}. */
export interface TerminationHookOptions {
  /** Run even when the program listens to the signal itself (and so decides when to exit). Default false. */
  always?: boolean;
  /** What the line on stderr calls the hook when it throws (`<name> failed on SIGINT: <message>`). Default `"bun-sysv: a termination hook"`. */
  name?: string;
}

interface Hook {
  run: (signal: TerminatingSignal) => void;
  always: boolean;
  name: string;
}

/** One entry per registration, in order of registration. */
const hooks = new Set<Hook>();
const listeners = Object.fromEntries(TERMINATING_SIGNALS.map((s) => [s, () => deliver(s)])) as Record<TerminatingSignal, () => void>;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of TERMINATING_SIGNALS) process.on(signal, listeners[signal]);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const signal of TERMINATING_SIGNALS) process.off(signal, listeners[signal]);
}

/**
 * True when `signal` has a listener other than this module's: the program handles it and decides when to
 * exit (the one rule {@link cleanupOnTerminate} and the child reaper follow).
 *
 * @example
 * ```ts
 * import { programListens } from "bun-sysv";
 * const own = () => {};
 * process.on("SIGHUP", own);
 * console.log(programListens("SIGHUP")); // true
 * process.off("SIGHUP", own);
 * ```
 */
export function programListens(signal: TerminatingSignal): boolean {
  return process.listenerCount(signal) > (installed ? 1 : 0);
}

function deliver(signal: TerminatingSignal): void {
  const ending = !programListens(signal);
  for (const hook of [...hooks].reverse()) {
    if (!ending && !hook.always) continue;
    hooks.delete(hook);
    try {
      hook.run(signal);
    } catch (error) {
      process.stderr.write(`${hook.name} failed on ${signal}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  if (hooks.size === 0) uninstall();
  if (ending) endBySignal(signal);
}

/**
 * Ends the process by `signal` as its default action would: this module's listeners go, the signal is
 * sent again to this process and, should it not end it (blocked or ignored), the process exits with
 * 128 + the signal's number. `exit` listeners do not run, as they do not when a signal ends a process.
 */
function endBySignal(signal: TerminatingSignal): never {
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  process.exit(128 + signalNumber(signal));
}

/**
 * Internal: registers `run` to be called with the signal when SIGINT, SIGTERM or SIGHUP arrives (see the
 * module notes). Returns a function that unregisters it (harmless twice).
 *
 * @example
 * ```ts
 * import { onTermination } from "./terminate.ts";
 * const cancel = onTermination(() => console.log("stopping"), { always: true });
 * cancel();
 * ```
 */
export function onTermination(run: (signal: TerminatingSignal) => void, options: TerminationHookOptions = {}): () => void {
  const hook: Hook = { run, always: options.always ?? false, name: options.name ?? "bun-sysv: a termination hook" };
  hooks.add(hook);
  install();
  return () => {
    hooks.delete(hook);
    if (hooks.size === 0) uninstall();
  };
}
