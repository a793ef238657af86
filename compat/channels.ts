/**
 * The PHP IPC library's channels: `StreamChannel` (a connected pair) and `MultiStreamChannel` (one master,
 * many clients). Values travel in PHP serialize format, framed as docs/channels.md says, so either end can
 * be a PHP process. `receive()` is awaited (PHP's blocks the process; here the event loop runs meanwhile).
 * An end not yet used can go to a child: `spawnChild(path, { channel: ch.channel })`.
 *
 * @example
 * ```ts
 * import { MultiStreamChannel, StreamChannel, ref } from "bun-sysv/compat";
 * const [ch1, ch2] = StreamChannel.createPair();
 * ch1.send("hello");
 * console.log(await ch2.receive()); // "hello"
 *
 * const master = new MultiStreamChannel();
 * const a = master.createClient(), b = master.createClient();
 * a.send("hello");
 * const from = ref<number>();
 * console.log(await master.receive(from), from.value); // "hello" 0
 * master.send("hi a", from.value); // reply to one
 * master.broadcast("hi all");
 * console.log(await a.receive(), await a.receive(), await b.receive()); // "hi a" "hi all" "hi all"
 * for (const c of [ch1, ch2, a, b, master]) c.close();
 * ```
 * @module
 */
import { Channel, type ChannelOptions } from "../src/channel/channel.ts";
import { channelOverPort, type PortLike } from "../src/channel/port.ts";
import { WaiterLine } from "../src/channel/line.ts";
import { channelPair } from "../src/channel/socket.ts";
import { ERRNO, errorFor } from "../src/ffi/errno.ts";
import { parentChannel } from "../src/process/role.ts";
import type { Ref } from "./ref.ts";

/** One end of a connected pair of channels. */
export class StreamChannel {
  /** The underlying channel (give it to `spawnChild`'s `channel` option to hand this end to a child). */
  readonly channel: Channel;

  /** Wraps a bun-sysv {@link Channel}. */
  constructor(channel: Channel) {
    this.channel = channel;
  }

  /**
   * Two connected ends (a Unix socket pair).
   *
   * @example
   * ```ts
   * import { StreamChannel } from "bun-sysv/compat";
   * const [ch1, ch2] = StreamChannel.createPair();
   * ch1.close(); ch2.close();
   * ```
   */
  static createPair(options: ChannelOptions = {}): [StreamChannel, StreamChannel] {
    const [a, b] = channelPair(options);
    return [new StreamChannel(a), new StreamChannel(b)];
  }

  /**
   * In a child started with a channel, its end to the parent (else `null`).
   *
   * @example
   * ```ts
   * import { StreamChannel } from "bun-sysv/compat";
   * const parent = StreamChannel.fromParent(); // null in a process nobody started with a channel
   * ```
   */
  static fromParent(options: ChannelOptions = {}): StreamChannel | null {
    const channel = parentChannel(options);
    return channel ? new StreamChannel(channel) : null;
  }

  /**
   * A channel to another thread: over a `MessagePort` (one of `new MessageChannel()`'s, the other end
   * transferred to a Worker), a `Worker`, or `self` inside a Worker.
   *
   * @example
   * ```ts
   * import { StreamChannel } from "bun-sysv/compat";
   * const { port1, port2 } = new MessageChannel();
   * const a = StreamChannel.overPort(port1), b = StreamChannel.overPort(port2);
   * a.send([1, 2]);
   * console.log(await b.receive()); // [1, 2]
   * a.close(); b.close();
   * ```
   */
  static overPort(port: PortLike, options: ChannelOptions = {}): StreamChannel {
    return new StreamChannel(channelOverPort(port, options));
  }

  /** Sends a value (serialized as PHP does). */
  send(data: unknown): void {
    this.channel.send(data);
  }

  /** The next value (timeout in ms: undefined waits for ever). */
  receive(timeout?: number): Promise<unknown> {
    return this.channel.receive(timeout);
  }

  /** Closes this end (the other end's receive ends). */
  close(): void {
    this.channel.close();
  }
}

/**
 * A master channel with any number of clients: the master receives from all of them (in arrival order,
 * each client's messages in the order it sent them) and replies to one or broadcasts to all.
 */
export class MultiStreamChannel {
  readonly #options: ChannelOptions;
  readonly #ends = new Map<number, Channel>();
  #inbox: { client: number; value: unknown }[] = [];
  readonly #pending = new WaiterLine<{ client: number; value: unknown }>("MultiStreamChannel.receive", () => this.#hold());
  #nextId = 0;
  #closed = false;

  /** A master with no clients yet. */
  constructor(options: ChannelOptions = {}) {
    this.#options = options;
  }

  /** Ids of the clients still connected. */
  get clients(): number[] {
    return [...this.#ends.keys()];
  }

  /**
   * A new client connected to this master; its id is the order of creation (0, 1, ...). Use it here, or
   * hand it to a child process before using it (`spawnChild(path, { channel: client.channel })`).
   */
  createClient(): StreamChannel {
    if (this.#closed) throw errorFor(ERRNO.EBADF, "MultiStreamChannel.createClient", { detail: "the master is closed" });
    const [mine, theirs] = channelPair(this.#options);
    const id = this.#nextId++;
    this.#ends.set(id, mine);
    mine.listen((value) => this.#deliver(id, value), () => this.#ends.delete(id));
    mine.keepAlive(this.#pending.length > 0);
    return new StreamChannel(theirs);
  }

  /**
   * The next message from any client; `from` (a `ref()`) gets the client's id. Timeout in ms: undefined
   * waits for ever; when it runs out, rejects with a BusyError (ETIMEDOUT).
   */
  receive(from?: Ref<number>, timeout?: number): Promise<unknown> {
    const next = this.#inbox.shift();
    if (next) {
      if (from) from.value = next.client;
      return Promise.resolve(next.value);
    }
    if (this.#closed) return Promise.reject(errorFor(ERRNO.EBADF, "MultiStreamChannel.receive", { detail: "the master is closed" }));
    return this.#pending.wait(timeout).then(({ client, value }) => {
      if (from) from.value = client;
      return value;
    });
  }

  /** Sends to one client. Throws a ClosedError when that client is gone. */
  send(data: unknown, client: number): void {
    const end = this.#ends.get(client);
    if (!end) throw errorFor(ERRNO.EBADF, "MultiStreamChannel.send", { detail: `no client ${client}` });
    end.send(data);
  }

  /** Sends to every connected client; returns how many. */
  broadcast(data: unknown): number {
    let sent = 0;
    for (const end of this.#ends.values()) {
      if (end.closed) continue;
      end.send(data);
      sent++;
    }
    return sent;
  }

  /** Closes the master's ends (clients see the end of stream). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const end of this.#ends.values()) end.close();
    this.#ends.clear();
    this.#pending.fail(errorFor(ERRNO.EBADF, "MultiStreamChannel.receive", { detail: "the master was closed" }));
  }

  #deliver(client: number, value: unknown): void {
    if (!this.#pending.give({ client, value })) this.#inbox.push({ client, value });
  }

  #hold(): void {
    const on = this.#pending.length > 0;
    for (const end of this.#ends.values()) end.keepAlive(on);
  }
}
