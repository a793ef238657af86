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

  /** The methods run per item (see `tiers.ts` in the pool). */
  hotPaths(): Function[] {
    return [this.push, this.#signal, this.#next, this.#nextBatch];
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
      const item = this.#items[this.#head] as T;
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

  /**
   * Every item buffered so far, as one array (waits for at least one), or the end once closed and empty:
   * one promise per arrival rather than per item.
   */
  #nextBatch(): Promise<IteratorResult<T[], undefined>> {
    if (this.#head < this.#items.length) {
      const items = this.#head === 0 ? this.#items : this.#items.slice(this.#head);
      this.#items = [];
      this.#head = 0;
      return Promise.resolve({ value: items, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#wake = () => resolve(this.#nextBatch());
    });
  }

  /**
   * The items in arrays: each step takes every item buffered by then (in order), waiting for one if none is.
   *
   * @example
   * ```ts
   * const channel = new Channel<number>();
   * channel.push(1); channel.push(2); channel.close();
   * for await (const items of channel.batches()) console.log(items); // [1, 2]
   * ```
   */
  batches(): AsyncIterable<T[], undefined> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => this.#nextBatch(),
        return: () => Promise.resolve({ value: undefined, done: true }),
      }),
    };
  }

  /** Takes items in order; waits for more until closed (a hand-written iterator: no generator per item). */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.#next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
