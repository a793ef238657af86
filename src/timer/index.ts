/**
 * Timers: {@link Timer}, a fixed-rate interval timer that does not drift.
 *
 * @example
 * ```ts
 * import { Timer } from "bun-sysv";
 * using timer = new Timer(() => console.log("."), 1000, { unref: true });
 * ```
 * @module
 */
export * from "./timer.ts";
