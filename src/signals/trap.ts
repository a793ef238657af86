/**
 * {@link SignalTrap}: a flag for a main loop. It is set the moment the signal arrives, through the native
 * signal record, so `isTrapped()` is right even in a loop that never yields to the event loop, and a
 * blocking System V call of that loop returns EINTR. While a trap is open the signal's default action
 * (e.g. exit on SIGINT) is replaced by the trap.
 *
 * @example
 * ```ts
 * import { SignalTrap } from "bun-sysv";
 * using trap = new SignalTrap("SIGUSR2");
 * let turns = 0;
 * while (!trap.isTrapped()) {
 *   if (++turns === 3) process.kill(process.pid, "SIGUSR2"); // stands for Ctrl-C / kill
 * }
 * console.log(turns); // 3
 * ```
 * @module
 */
import { catchableSignal, listenableName, type SignalLike } from "./names.ts";
import { holdSignal, releaseSignal, signalCount } from "./record.ts";

/** Traps one signal until `close()` (or the end of a `using` block). */
export class SignalTrap implements Disposable {
  /** The signal number. */
  readonly signal: number;
  #seen: number;
  #closed = false;

  constructor(signal: SignalLike) {
    this.signal = catchableSignal("SignalTrap", signal);
    holdSignal(this.signal);
    this.#seen = signalCount(this.signal);
  }

  /** True once the signal has arrived since the trap was made (or last {@link reset}). */
  isTrapped(): boolean {
    return signalCount(this.signal) !== this.#seen;
  }

  /** Deliveries since the trap was made (or last reset). */
  get count(): number {
    return signalCount(this.signal) - this.#seen;
  }

  /** Clears the flag (the next delivery sets it again). */
  reset(): void {
    this.#seen = signalCount(this.signal);
  }

  /** Resolves at the next delivery (at once if already trapped), from the event loop. */
  wait(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.isTrapped()) return Promise.resolve();
    const name = listenableName(this.signal);
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        options.signal?.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        process.off(name, done);
        reject(options.signal!.reason);
      };
      if (options.signal?.aborted) return reject(options.signal.reason);
      options.signal?.addEventListener("abort", abort, { once: true });
      process.once(name, done);
    });
  }

  /** Stops trapping: the signal gets back what it had before. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    releaseSignal(this.signal);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
