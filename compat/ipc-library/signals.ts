/**
 * The PHP IPC library's signal classes: {@link SignalHandler} (several listeners, one returning true
 * stops the bubbling), {@link Signal} (one handler, and `dispatch($pid)` to send), {@link SignalTrap}
 * (`isTrapped()` for main loops). Built on `src/signals`. Handlers run from the event loop, as the
 * library's do with asynchronous signals (`SIGNALS_ASYNC` is true); a trap is set at once, even in a loop
 * that never yields.
 *
 * @example
 * ```ts
 * import { Signal, SignalHandler, SIGUSR1 } from "bun-sysv/compat";
 * const handler = new SignalHandler(SIGUSR1);
 * handler.addHandler(() => { console.log("SIGUSR1"); return true; }); // true: stop bubbling
 * new Signal(SIGUSR1).dispatch(process.pid);
 * await Bun.sleep(50);
 * handler.close();
 * ```
 * @module
 */
import { sendSignal } from "../../src/signals/send.ts";
import { SignalHandler as Listeners, type SignalListener } from "../../src/signals/listeners.ts";
import { SignalTrap as Trap } from "../../src/signals/trap.ts";
import { catchableSignal, listenableName, signalNumber } from "../../src/signals/names.ts";

/** The library's flag: signal handlers run without a manual dispatch (here: from the event loop). */
export const SIGNALS_ASYNC = true;

/** Several handlers for one signal; a handler returning true stops the ones added after it. */
export class SignalHandler implements Disposable {
  readonly #listeners: Listeners;

  constructor(signal: number) {
    this.#listeners = new Listeners(signal);
  }

  /** The signal number. */
  get signal(): number {
    return this.#listeners.signal;
  }

  /** Adds a handler (called with the signal number); return true to stop the bubbling. */
  addHandler(handler: SignalListener): this {
    this.#listeners.add(handler);
    return this;
  }

  /** Removes a handler added here. */
  removeHandler(handler: SignalListener): boolean {
    return this.#listeners.remove(handler);
  }

  /** Removes every handler added here. */
  close(): void {
    this.#listeners.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * One signal: set its handler, or send it to a process. The handler listens on its own (`process.on`),
 * outside the bubbling chain of {@link SignalHandler}, so a chain handler returning true does not stop it.
 */
export class Signal implements Disposable {
  /** The signal number. */
  readonly signal: number;
  #name: NodeJS.Signals | undefined;
  #listener: (() => void) | null = null;

  constructor(signal: number) {
    this.signal = signalNumber(signal);
  }

  /** Sets this object's handler (replacing the one set before through it). */
  setHandler(handler: (signo: number) => unknown): this {
    catchableSignal("Signal.setHandler", this.signal);
    this.close();
    this.#name ??= listenableName(this.signal);
    const listener = () => { handler(this.signal); };
    process.on(this.#name, listener);
    this.#listener = listener;
    return this;
  }

  /** Sends the signal to `pid` (default: this process). Throws IpcError (ESRCH) if there is no such process. */
  dispatch(pid: number = process.pid): void {
    sendSignal(pid, this.signal);
  }

  /** Removes the handler set here. */
  close(): void {
    if (this.#listener && this.#name) process.off(this.#name, this.#listener);
    this.#listener = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Breaks a main loop on a signal: `while (!trap.isTrapped()) { ... }`. */
export class SignalTrap implements Disposable {
  readonly #trap: Trap;

  constructor(signal: number) {
    this.#trap = new Trap(signal);
  }

  /** True once the signal has arrived (set at once, without the event loop). */
  isTrapped(): boolean {
    return this.#trap.isTrapped();
  }

  /** Resolves when the signal arrives (for loops that await). */
  wait(): Promise<void> {
    return this.#trap.wait();
  }

  /** Stops trapping: the signal's default action is back. */
  close(): void {
    this.#trap.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
