/**
 * The PHP IPC library's `Timer(callback, intervalMs = 1000)`: fires at a fixed rate (tick n at n x
 * interval from the start, no drift), starts at once, `stop()` stops it. Like a PHP script, whose timers do
 * not keep it running, it does not keep the process alive by itself (`ref()` makes it).
 *
 * @example
 * ```ts
 * import { Timer } from "bun-sysv/compat";
 * const timer = new Timer(() => process.stdout.write("."), 100);
 * await Bun.sleep(350);
 * timer.stop(); // printed "..."
 * ```
 * @module
 */
import { Timer as FixedRateTimer } from "../../src/timer/timer.ts";

/** A fixed-rate timer (see the module doc). */
export class Timer extends FixedRateTimer {
  constructor(callback: () => unknown, intervalMs: number = 1000) {
    if (typeof callback !== "function") throw new TypeError(`Timer callback must be a function, got ${typeof callback}`);
    super(() => callback(), intervalMs, { unref: true });
  }
}
