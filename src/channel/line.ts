/**
 * {@link WaiterLine}: receivers waiting for the next value, first come first served, each with an optional
 * timeout (a BusyError with code ETIMEDOUT naming the call). One line serves {@link Channel.receive} and
 * compat's `MultiStreamChannel.receive`. `changed` runs whenever the line grows or shrinks, so the owner
 * can keep the event loop alive exactly while someone waits.
 *
 * @example
 * ```ts
 * import { WaiterLine } from "./line.ts";
 * const line = new WaiterLine<string>("Example.receive", () => {});
 * const next = line.wait(1000);
 * line.give("hello"); // true: a waiter took it
 * console.log(await next); // "hello"
 * ```
 * @module
 */
import { ERRNO, errorFor } from "../ffi/errno.ts";

interface Waiter<V> {
  resolve(value: V): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Receivers waiting in order for values of type `V`. */
export class WaiterLine<V> {
  readonly #waiters: Waiter<V>[] = [];
  readonly #call: string;
  readonly #changed: () => void;

  /** `call` names the timeout error (`"Channel.receive"`); `changed` runs when the line's length changes. */
  constructor(call: string, changed: () => void) {
    this.#call = call;
    this.#changed = changed;
  }

  /** Waiters in the line. */
  get length(): number {
    return this.#waiters.length;
  }

  /** The next value given to the line; `timeout` ms (undefined: for ever) before it rejects with ETIMEDOUT. */
  wait(timeout?: number): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiter: Waiter<V> = { resolve, reject };
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          this.#changed();
          reject(errorFor(ERRNO.ETIMEDOUT, this.#call, { detail: `no message within ${timeout} ms` }));
        }, timeout);
      }
      this.#waiters.push(waiter);
      this.#changed();
    });
  }

  /** Gives `value` to the first waiter; false (value not taken) when nobody waits. */
  give(value: V): boolean {
    const waiter = this.#waiters.shift();
    if (!waiter) return false;
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.resolve(value);
    this.#changed();
    return true;
  }

  /** Rejects every waiter with `error`; the line is empty afterwards. */
  fail(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#changed();
  }
}
