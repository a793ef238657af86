/**
 * {@link SignalHandler}: several listeners per signal over `process.on`, called in the order they were
 * added; a listener that returns `true` stops the signal there (the later ones do not hear it).
 * Listeners run from the event loop: code that never yields should use {@link SignalTrap} instead.
 *
 * @example
 * ```ts
 * import { SignalHandler } from "bun-sysv";
 * using handler = new SignalHandler("SIGUSR1");
 * let heard = "";
 * handler.add(() => { heard += "first "; return true; }); // stops the bubbling
 * handler.add(() => { heard += "second "; });
 * process.kill(process.pid, "SIGUSR1");
 * await Bun.sleep(50);
 * console.log(heard); // "first "
 * ```
 * @module
 */
import { catchableSignal, listenableName, type SignalLike } from "./names.ts";

/** A signal listener: return `true` to stop the signal from reaching the listeners added after it. */
export type SignalListener = (signo: number) => boolean | void | Promise<unknown>;

interface Chain {
  listeners: SignalListener[];
  emit: () => void;
}

const chains = new Map<number, Chain>();

function chainOf(signo: number): Chain {
  let chain = chains.get(signo);
  if (chain) return chain;
  const name = listenableName(signo);
  const listeners: SignalListener[] = [];
  const emit = () => {
    for (const listener of [...listeners]) if (listener(signo) === true) break;
  };
  chain = { listeners, emit };
  chains.set(signo, chain);
  process.on(name, emit);
  return chain;
}

function dropFromChain(signo: number, listener: SignalListener): boolean {
  const chain = chains.get(signo);
  if (!chain) return false;
  const at = chain.listeners.indexOf(listener);
  if (at < 0) return false;
  chain.listeners.splice(at, 1);
  if (chain.listeners.length === 0) {
    process.off(listenableName(signo), chain.emit);
    chains.delete(signo);
  }
  return true;
}

/**
 * Listeners for one signal. Every handler of the same signal shares one chain (in order of addition,
 * across handlers); while a chain has listeners, the signal's default action (e.g. exit on SIGTERM) is
 * replaced by the chain. `close()` (or `using`) removes this handler's listeners.
 */
export class SignalHandler implements Disposable {
  /** The signal number. */
  readonly signal: number;
  readonly #mine: SignalListener[] = [];

  constructor(signal: SignalLike) {
    this.signal = catchableSignal("SignalHandler", signal);
    listenableName(this.signal); // a RangeError now rather than at the first add()
  }

  /** Adds a listener at the end of the signal's chain. */
  add(listener: SignalListener): this {
    chainOf(this.signal).listeners.push(listener);
    this.#mine.push(listener);
    return this;
  }

  /** Removes a listener this handler added; false if it had none such. */
  remove(listener: SignalListener): boolean {
    const at = this.#mine.indexOf(listener);
    if (at < 0) return false;
    this.#mine.splice(at, 1);
    return dropFromChain(this.signal, listener);
  }

  /** Number of listeners this handler has. */
  get size(): number {
    return this.#mine.length;
  }

  /** Removes every listener this handler added. Idempotent. */
  close(): void {
    for (const listener of this.#mine.splice(0)) dropFromChain(this.signal, listener);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
