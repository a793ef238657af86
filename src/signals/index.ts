/**
 * Signals: names and numbers, the synchronous record (for PHP-style loops), listeners over `process.on`
 * with stoppable bubbling, traps for main loops, and sending.
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
