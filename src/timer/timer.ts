/**
 * {@link Timer}: an interval timer at a fixed rate. Tick `n` is scheduled at `start + n * interval`,
 * not "interval after the previous callback", so a slow callback or a late wake-up never shifts the
 * ticks after it (no drift). When a callback overruns whole intervals, the ticks it overran are skipped
 * (counted in `missed`) rather than fired in a burst. `stop()` clears the pending timeout: a stopped timer
 * never keeps the process alive.
 *
 * Ticks run from the event loop: a loop that never yields (a PHP-style `while (true)` over blocking
 * calls) does not see them.
 *
 * @example
 * ```ts
 * import { Timer } from "bun-sysv";
 * const timer = new Timer((tick) => {
 *   console.log(`tick ${tick.n}, ${tick.firedAt - tick.scheduledAt} ms late`);
 *   if (tick.n === 3) timer.stop();
 * }, 10);
 * ```
 * @module
 */

/** What a callback is told about its tick. */
export interface Tick {
  /** Tick number, from 1. */
  n: number;
  /** When the tick was due (`performance.now()` ms): exactly `startedAt + n * interval`. */
  scheduledAt: number;
  /** When it actually ran. */
  firedAt: number;
  /** Ticks skipped just before this one because a callback overran them. */
  missed: number;
}

/** Options of a {@link Timer}. */
export interface TimerOptions {
  /** Start at once (default true); otherwise call `start()`. */
  start?: boolean;
  /** Do not keep the process alive while running (default false: a running timer keeps it alive). */
  unref?: boolean;
}

/** The longest delay setTimeout honours (2^31-1 ms); beyond it, it fires after 1 ms. */
const MAX_TIMEOUT = 0x7fffffff;

/** A fixed-rate interval timer (see the module doc). */
export class Timer implements Disposable {
  /** Milliseconds between ticks. */
  readonly interval: number;
  readonly #callback: (tick: Tick) => unknown;
  #startedAt = 0;
  #next = 0;
  #handle: ReturnType<typeof setTimeout> | undefined;
  #unref: boolean;
  #ticks = 0;
  #missed = 0;

  constructor(callback: (tick: Tick) => unknown, intervalMs: number = 1000, options: TimerOptions = {}) {
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`Timer interval must be a positive number of milliseconds, got ${String(intervalMs)}`);
    }
    if (typeof callback !== "function") throw new TypeError(`Timer callback must be a function, got ${typeof callback}`);
    this.interval = intervalMs;
    this.#callback = callback;
    this.#unref = options.unref ?? false;
    if (options.start ?? true) this.start();
  }

  /** Starts (or restarts) the schedule from now. */
  start(): this {
    this.stop();
    this.#startedAt = performance.now();
    this.#next = 1;
    this.#arm();
    return this;
  }

  /** Stops: no further tick, nothing left to keep the process alive. Idempotent. */
  stop(): void {
    clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#handle !== undefined;
  }

  /** Ticks fired so far. */
  get ticks(): number {
    return this.#ticks;
  }

  /** Ticks skipped because callbacks overran them. */
  get missed(): number {
    return this.#missed;
  }

  /** When the schedule started (`performance.now()` ms). */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** When tick `n` is due: `startedAt + n * interval`. */
  scheduledAt(n: number): number {
    return this.#startedAt + n * this.interval;
  }

  /** Lets the process exit while the timer runs. */
  unref(): this {
    this.#unref = true;
    (this.#handle as { unref?: () => void } | undefined)?.unref?.();
    return this;
  }

  /** Keeps the process alive while the timer runs (the default). */
  ref(): this {
    this.#unref = false;
    (this.#handle as { ref?: () => void } | undefined)?.ref?.();
    return this;
  }

  [Symbol.dispose](): void {
    this.stop();
  }

  #arm(): void {
    const n = this.#next;
    // setTimeout takes at most 2^31-1 ms (about 24.8 days) and fires after 1 ms beyond that: a longer wait is
    // made of capped steps, and #fire re-arms when a step ends before the tick is due.
    const delay = Math.min(MAX_TIMEOUT, Math.max(0, this.scheduledAt(n) - performance.now()));
    const handle = setTimeout(() => this.#fire(n), delay);
    if (this.#unref) (handle as { unref?: () => void }).unref?.();
    this.#handle = handle;
  }

  #fire(n: number): void {
    const firedAt = performance.now();
    if (firedAt < this.scheduledAt(n)) {
      this.#arm(); // one capped step of a long interval ended: not due yet
      return;
    }
    // Skip the ticks whose time has passed entirely (a callback overran them): fire the latest due one.
    let due = Math.max(n, Math.floor((firedAt - this.#startedAt) / this.interval));
    while (due > n && this.scheduledAt(due) > firedAt) due--;
    while (this.scheduledAt(due + 1) <= firedAt) due++;
    const missed = due - n;
    this.#missed += missed;
    this.#ticks++;
    this.#next = due + 1;
    this.#arm(); // scheduled before the callback runs: its duration cannot shift the grid
    try {
      this.#callback({ n: due, scheduledAt: this.scheduledAt(due), firedAt, missed });
    } catch (e) {
      this.stop();
      throw e;
    }
  }
}
