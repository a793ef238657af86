/**
 * A channel: whole messages in both directions over one transport (a socket, a Worker's message port),
 * each value encoded by the channel's codec (PHP serialize format by default). Messages that arrive
 * before anyone asks wait in order; `receive()` takes the next one (timeout: undefined = forever,
 * 0 = only what is already here, n = ms). An idle channel does not keep the process alive; a pending
 * `receive()` or unsent data does.
 *
 * @example
 * ```ts
 * import { channelPair } from "bun-sysv";
 * const [a, b] = channelPair();
 * a.send({ hello: "world" });
 * console.log(await b.receive()); // { hello: "world" }
 * a.close(); b.close();
 * ```
 * @module
 */
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { channelCodec, type ChannelCodec, type ChannelFormat } from "./codec.ts";
import { WaiterLine } from "./line.ts";

/** What carries payloads (whole messages) for a {@link Channel}. */
export interface Transport {
  /** Starts delivering: `onPayload` for each message, `onEnd` once when the peer closed or failed. */
  start(onPayload: (payload: Uint8Array) => void, onEnd: (error?: Error) => void): void;
  /** Sends one payload. */
  send(payload: Uint8Array): void;
  /** Keeps the process alive (`true`) or not (`false`) for this transport. */
  keepAlive(on: boolean): void;
  /** Resolves when everything sent so far has left this process. */
  flush(): Promise<void>;
  /** Closes this end. */
  close(): void;
}

/** Options common to every channel. */
export interface ChannelOptions {
  /** How values travel: `"php"` (default), `"json"`, `"raw"`, or your own codec. */
  format?: ChannelFormat | ChannelCodec;
  /** Largest payload accepted from a socket peer (default 64 MiB). */
  maxFrame?: number;
}

/** An end not yet opened in this process: a file descriptor and how to open a transport on it. */
export interface UnopenedEnd {
  readonly fd: number;
  open(): Transport;
  /** Closes the descriptor unused. */
  discard(): void;
}

/** RangeError naming `call` unless `maxFrame` is undefined or an integer from 1 to 2^32-1. */
export function checkMaxFrame(call: string, maxFrame: number | undefined): void {
  if (maxFrame !== undefined && (!Number.isSafeInteger(maxFrame) || maxFrame < 1 || maxFrame > 0xffffffff)) {
    throw new RangeError(`${call}: maxFrame must be an integer from 1 to 2^32-1 (the 4-byte length prefix), got ${String(maxFrame)}`);
  }
}

function closedError(syscall: string, why: string): Error {
  return errorFor(ERRNO.EBADF, syscall, { detail: why });
}

/** Both directions of one connection, message by message. */
export class Channel<T = unknown> {
  readonly #codec: ChannelCodec;
  #transport: Transport | null;
  #attach: UnopenedEnd | null;
  #started = false;
  #inbox: unknown[] = [];
  readonly #waiters = new WaiterLine<unknown>("Channel.receive", () => this.#refresh());
  #ended: Error | null = null;
  #closed = false;
  #listener: ((value: T) => void) | null = null;
  #onEnd: ((error: Error) => void) | null = null;
  #held = false;

  /**
   * A channel over `transport`, or over a file descriptor opened on first use (so that end can still be
   * handed to a child process with {@link Channel.transferFd} before it is used here).
   */
  constructor(transport: Transport | UnopenedEnd, options: ChannelOptions = {}) {
    checkMaxFrame("Channel", options.maxFrame);
    this.#codec = channelCodec(options.format);
    if ("open" in transport) {
      this.#transport = null;
      this.#attach = transport;
    } else {
      this.#transport = transport;
      this.#attach = null;
    }
  }

  /** True while this end is a file descriptor not yet used here (it can still go to a child). */
  get transferable(): boolean {
    return this.#attach !== null && !this.#closed;
  }

  /** True once `close()` ran here or the peer went away. */
  get closed(): boolean {
    return this.#closed || this.#ended !== null;
  }

  /** Messages received and not yet taken. */
  get pending(): number {
    return this.#inbox.length;
  }

  /** Sends `value` (encoded by the codec). Throws a ClosedError once the channel is closed. */
  send(value: T): void {
    if (this.#closed) throw closedError("Channel.send", "the channel is closed");
    if (this.#ended) throw closedError("Channel.send", `the peer is gone (${this.#ended.message})`);
    const transport = this.#ready();
    transport.send(this.#codec.encode(value));
  }

  /** Resolves when everything sent has left this process (socket buffers drained). */
  async flush(): Promise<void> {
    if (this.#transport) await this.#transport.flush();
  }

  /**
   * The next message. `timeout` undefined waits for ever, 0 takes only what has already arrived, n waits
   * n ms; when nothing comes it rejects with a BusyError (ETIMEDOUT). Rejects with a ClosedError when the
   * channel is closed, or the peer closed and nothing is left.
   */
  receive(timeout?: number): Promise<T> {
    if (this.#inbox.length > 0) return Promise.resolve(this.#inbox.shift() as T);
    if (this.#closed) return Promise.reject(closedError("Channel.receive", "the channel is closed"));
    this.#ready();
    if (this.#inbox.length > 0) return Promise.resolve(this.#inbox.shift() as T);
    if (this.#ended) return Promise.reject(closedError("Channel.receive", `the peer is gone (${this.#ended.message})`));
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout < 0)) {
      return Promise.reject(new RangeError(`Channel.receive: timeout must be a number of ms >= 0, got ${timeout}`));
    }
    if (timeout === 0) return Promise.reject(errorFor(ERRNO.ETIMEDOUT, "Channel.receive", { detail: "no message waiting" }));
    return this.#waiters.wait(timeout) as Promise<T>;
  }

  /** The next message if one has arrived, else `undefined` (never waits). */
  tryReceive(): T | undefined {
    if (!this.#closed) this.#ready();
    return this.#inbox.shift() as T | undefined;
  }

  /** Every message until the peer closes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      try {
        yield await this.receive();
      } catch (error) {
        if (this.closed && this.#inbox.length === 0) return;
        throw error;
      }
    }
  }

  /**
   * Hands every message (those already waiting first) to `listener` instead of `receive()`; `onEnd`
   * runs once when the peer goes. `null` goes back to `receive()`. Used to merge several channels.
   */
  listen(listener: ((value: T) => void) | null, onEnd?: (error: Error) => void): void {
    this.#listener = listener;
    this.#onEnd = onEnd ?? null;
    if (!listener) return;
    if (!this.#closed) this.#ready();
    for (const value of this.#inbox.splice(0)) listener(value as T);
    if (this.#ended) this.#onEnd?.(this.#ended);
  }

  /** Keeps the process alive while `on`, even with no receive pending (a listener waiting for messages). */
  keepAlive(on: boolean): void {
    this.#held = on;
    this.#refresh();
  }

  /** Closes this end: pending receives reject, the peer sees the end. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport?.close();
    this.#attach?.discard();
    this.#attach = null;
    this.#waiters.fail(closedError("Channel.receive", "the channel was closed"));
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Gives up this end before it was used here and returns its file descriptor, which the caller now owns
   * (spawnChild passes it to the child as fd 3, then closes it). Throws once the end was used here.
   */
  transferFd(): number {
    if (!this.transferable) throw closedError("Channel.transferFd", "this end was already used or closed in this process");
    const fd = this.#attach!.fd;
    this.#attach = null;
    this.#closed = true;
    return fd;
  }

  #ready(): Transport {
    if (!this.#transport) {
      if (!this.#attach) throw closedError("Channel", "this end was handed to another process");
      this.#transport = this.#attach.open();
      this.#attach = null;
    }
    if (!this.#started) {
      this.#started = true;
      this.#transport.start((payload) => this.#deliver(payload), (error) => this.#end(error));
      this.#refresh();
    }
    return this.#transport;
  }

  #deliver(payload: Uint8Array): void {
    let value: unknown;
    try {
      value = this.#codec.decode(payload);
    } catch (error) {
      this.#end(error as Error);
      this.#transport?.close();
      return;
    }
    if (this.#listener) {
      this.#listener(value as T);
      return;
    }
    if (!this.#waiters.give(value)) this.#inbox.push(value);
  }

  #end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = error ?? new Error("end of stream");
    this.#onEnd?.(this.#ended);
    this.#waiters.fail(closedError("Channel.receive", `the peer is gone (${this.#ended.message})`));
  }


  #refresh(): void {
    if (this.#transport && this.#started && !this.#closed) this.#transport.keepAlive(this.#held || this.#waiters.length > 0);
  }
}
