/**
 * Signals: names and numbers, the synchronous record (for PHP-style loops), listeners over `process.on`
 * with stoppable bubbling, traps for main loops, sending, and the one place the library acts on
 * SIGINT/SIGTERM/SIGHUP (terminate.ts: cleanups and children, then the process ends by the signal).
 *
 * @example
 * ```ts
 * import { SignalTrap } from "bun-sysv";
 * using trap = new SignalTrap("SIGUSR2");
 * process.kill(process.pid, "SIGUSR2");
 * console.log(trap.isTrapped()); // true, even in a loop that never yields
 * ```
 * @module
 */
export * from "./names.ts";
export * from "./record.ts";
export * from "./listeners.ts";
export * from "./trap.ts";
export * from "./send.ts";
export { programListens, TERMINATING_SIGNALS, type TerminatingSignal } from "./terminate.ts";
