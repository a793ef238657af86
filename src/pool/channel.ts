/**
 * A one-consumer async queue: the pool pushes outcomes as they arrive, `for await` takes them in order.
 *
 * @example
 * ```ts
 * const channel = new Channel<number>();
 * channel.push(1); channel.close();
 * for await (const n of channel) console.log(n); // 1
 * ```
 * @module
 */

/** Items pushed before or while a consumer iterates; iteration ends after {@link Channel.close}. */
export class Channel<T> implements AsyncIterable<T, undefined> {
  #items: T[] = [];
  #head = 0;
  #closed = false;
  #wake: (() => void) | undefined;

  /** Adds an item (ignored once closed). */
  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#signal();
  }

  /** No more items: iteration ends once the buffered ones are taken. */
  close(): void {
    this.#closed = true;
    this.#signal();
  }

  /** Items pushed and not yet taken. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The next item, or the end once closed and empty (an already settled promise when one is buffered). */
  #next(): Promise<IteratorResult<T, undefined>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T; // let it be collected
      if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#wake = () => resolve(this.#next());
    });
  }

  /** Takes items in order; waits for more until closed (a hand-written iterator: no generator per item). */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.#next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
