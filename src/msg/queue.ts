/**
 * {@link MessageQueue}: a System V message queue shared with PHP's `msg_*` functions byte for byte.
 *
 * - Synchronous forms (`sendSync`, `receiveSync`, `receiveBytesSync`) call libc on this thread and may
 *   block it like PHP does; with a `timeout` they poll (latency up to ~1 ms, see `poll.ts`).
 * - Awaitable forms (`send`, `receive`, `receiveBytes`, `for await`) try once without waiting and
 *   otherwise make the blocking call on a waiter thread: timers, sockets and requests keep running.
 * - A cancelled wait never loses a message: a timeout that lost the race delivers the message; an abort
 *   that lost the race puts the message back on the queue (at its tail, same type), or, if the queue is
 *   full, keeps it on this handle, where the next matching receive returns it first.
 *
 * @example
 * ```ts
 * import { MessageQueue } from "bun-sysv";
 * using queue = MessageQueue.create(0x5eed0001);        // mode 0600
 * queue.sendSync(1, { job: 42 });                      // PHP: msg_receive(..., $msg) → ["job" => 42]
 * const { type, value } = await queue.receive({ timeout: 1000 });
 * for await (const message of queue) handle(message); // until the queue is removed
 * ```
 * @module
 */
import { ClosedError, RemovedError } from "../errors.ts";
import { IPC_CREAT, IPC_EXCL, IPC_NOWAIT, IPC_PRIVATE, IPC_RMID } from "../ffi/constants.ts";
import { check, ERRNO, errorFor } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { toKey, type KeyLike } from "../keys/key.ts";
import { runBlocking } from "../wait/pool.ts";
import { MessageBuffer, type MessageType } from "./buffer.ts";
import { decodeMessage, encodePayload, SKIPPED } from "./codec.ts";
import { controlError, queueCapacity, receiveError, sendError, setQueueError, timeoutError } from "./errors.ts";
import { QueueIo } from "./io.ts";
import {
  checkReceiveType, checkSendType, checkTimeout, receiveFlags, selects,
  type Message, type RawMessage, type ReceiveOptions, type SendOptions,
} from "./options.ts";
import { pollWhileBusy } from "./poll.ts";
import { toQueueStat, trySetQueue, tryStatQueue, type QueueSettings, type QueueStat } from "./stat.ts";

/** Options of `create` / `createNew`. */
export interface QueueOptions {
  /** Permission bits of a queue this call creates (default `0o600`; PHP's default is `0o666`). */
  mode?: number;
}

/** Options of the `for await` / `messages()` loop: those of a receive, without a per-message timeout. */
export type LoopOptions = Omit<ReceiveOptions, "timeout">;

/** What `#receiveNow(..., quiet)` returns when nothing matching is waiting. */
const NOTHING_WAITING = -2;

const TWO_53 = 2n ** 53n;

/** After a message was skipped as undecodable: `options` with what is left of the first call's timeout. */
function remaining<O extends { timeout?: number }>(options: O, deadline: number): O {
  return options.timeout === undefined ? options : { ...options, timeout: Math.max(0, deadline - performance.now()) };
}
const toType = (type: bigint): MessageType => (type < TWO_53 && type > -TWO_53 ? Number(type) : type);

/** Whether the last payload can ever fit the queue (a longer one would wait forever: the kernel says EAGAIN). */
function fitsQueue(io: QueueIo): boolean {
  return io.lastLength <= (queueCapacity(io.id) ?? Infinity);
}

/** Resolves `true` once `previous` settles, `false` if `deadline` comes first; rejects if `signal` aborts first. */
function waitForTurn(previous: Promise<void>, signal: AbortSignal | undefined, deadline: number | undefined): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const finish = (ready: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(ready);
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = deadline === undefined ? undefined : setTimeout(() => finish(false), Math.max(0, deadline - performance.now()));
    signal?.addEventListener("abort", onAbort, { once: true });
    previous.then(() => finish(true));
  });
}

function openQueue(key: KeyLike, flags: number, mode: number): MessageQueue {
  const k = toKey(key);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw new RangeError(`mode must be 0 to 0o777, got ${mode}`);
  const id = check(libc.msgget(k, flags | mode), "msgget", { key: k });
  try {
    return new (MessageQueue as unknown as new (io: QueueIo) => MessageQueue)(new QueueIo(k, id));
  } catch (e) {
    // A queue this call surely created (IPC_EXCL, or a private one) is removed if the handle cannot be made.
    if (flags & IPC_EXCL || (k === IPC_PRIVATE && flags & IPC_CREAT)) libc.msgctl(id, IPC_RMID, null);
    throw e;
  }
}

/** A handle on a System V message queue (see the module notes). */
export class MessageQueue implements AsyncIterable<Message>, Disposable {
  readonly #io: QueueIo;
  #closed = false;
  /** Aborted by close(): cancels every wait of this handle at once, with a ClosedError as reason. */
  readonly #closer = new AbortController();
  /** Messages taken by an aborted receive that could not be put back; served first. */
  readonly #held: RawMessage[] = [];
  /** The last waiting awaitable send (later ones wait behind it) and how many are waiting. */
  #sendQueue: Promise<void> = Promise.resolve();
  #waitingSends = 0;

  private constructor(io: QueueIo) {
    this.#io = io;
  }

  /**
   * Opens the key's existing queue (NotFoundError if there is none).
   *
   * @example
   * ```ts
   * const queue = MessageQueue.open(ftok("/srv/app", "q"));
   * ```
   */
  static open(key: KeyLike): MessageQueue {
    if (toKey(key) === IPC_PRIVATE) throw new RangeError("IPC_PRIVATE names no existing queue: use create(IPC_PRIVATE) for a new private one");
    return openQueue(key, 0, 0);
  }

  /**
   * Opens the key's queue, creating it with `mode` (default 0600) if there is none.
   * `IPC_PRIVATE` always creates a new private queue.
   *
   * @example
   * ```ts
   * const queue = MessageQueue.create(0x5eed0001, { mode: 0o660 });
   * ```
   */
  static create(key: KeyLike, options: QueueOptions = {}): MessageQueue {
    return openQueue(key, IPC_CREAT, options.mode ?? 0o600);
  }

  /**
   * Creates a new queue for the key (ExistsError if it already has one).
   *
   * @example
   * ```ts
   * const queue = MessageQueue.createNew(0x5eed0001);
   * ```
   */
  static createNew(key: KeyLike, options: QueueOptions = {}): MessageQueue {
    return openQueue(key, IPC_CREAT | IPC_EXCL, options.mode ?? 0o600);
  }

  /**
   * Whether the key has a queue (`false` for IPC_PRIVATE, which names none).
   *
   * @example
   * ```ts
   * if (!MessageQueue.exists(key)) console.log("the PHP daemon is not running");
   * ```
   */
  static exists(key: KeyLike): boolean {
    const k = toKey(key);
    return k !== IPC_PRIVATE && libc.msgget(k, 0) >= 0;
  }

  /** The key the queue was opened with (0 for a private queue). */
  get key(): number {
    return this.#io.key;
  }

  /** The kernel's id of the queue (what `ipcs -q` shows). */
  get id(): number {
    return this.#io.id;
  }

  /** Number of messages this handle holds back after aborted receives (normally 0). */
  get held(): number {
    return this.#held.length;
  }

  /** The signal a wait of this handle obeys: the caller's, and close(). */
  #waitSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.#closer.signal]) : this.#closer.signal;
  }

  #open(call: string): QueueIo {
    if (this.#closed) throw errorFor(ERRNO.EBADF, `MessageQueue.${call}`, { key: this.key, id: this.id, detail: "the handle was closed" });
    return this.#io;
  }

  /**
   * Sends `value` (PHP-serialized by default; `serialize: false` sends a string/bytes/number/boolean raw)
   * with message type `type` >= 1, on this thread. Waits while the queue is full unless `wait: false`
   * (BusyError EAGAIN at once) or `timeout` ms have passed (BusyError ETIMEDOUT). TooBigError above msgmax.
   *
   * @example
   * ```ts
   * queue.sendSync(1, "ping", { serialize: false });
   * queue.sendSync(2, { id: 7 }, { wait: false });
   * ```
   */
  sendSync(type: MessageType, value: unknown, options?: SendOptions): void {
    const io = this.#open("sendSync");
    checkSendType(type, "MessageQueue.sendSync");
    let timeout: number | undefined, serialized = true;
    if (options !== undefined) {
      timeout = options.wait === false ? 0 : options.timeout;
      if (timeout !== undefined) checkTimeout(timeout);
      serialized = options.serialize !== false;
    }
    // Raw strings are encoded straight into the handle's buffer; bytes are copied in once.
    const text = !serialized && typeof value === "string" ? value : undefined;
    const payload = text === undefined ? encodePayload(value, serialized) : undefined;
    const errno = payload ? io.send(type, payload, IPC_NOWAIT) : io.sendText(type, text!, IPC_NOWAIT);
    if (errno !== 0) this.#sendWaiting(io, type, payload ?? text!, timeout, errno);
  }

  /** The slow path of `sendSync`: the queue was full (or the send failed). Waits as told, or throws. */
  #sendWaiting(io: QueueIo, type: MessageType, data: Uint8Array | string, timeout: number | undefined, errno: number): void {
    const attempt = (flags: number) => (typeof data === "string" ? io.sendText(type, data, flags) : io.send(type, data, flags));
    if (errno === ERRNO.EAGAIN && timeout !== 0 && fitsQueue(io)) {
      errno = timeout === undefined ? attempt(0) : pollWhileBusy(timeout, ERRNO.EAGAIN, () => attempt(IPC_NOWAIT));
      if (errno === 0) return;
      if (errno === ERRNO.EAGAIN) throw timeoutError(io, "msgsnd", timeout!);
    }
    throw sendError(io, errno, io.lastLength);
  }

  /**
   * Sends like {@link MessageQueue.sendSync}, but a wait for room happens on a waiter thread, so the
   * event loop keeps running. `signal` cancels the wait (rejects with its reason; nothing is sent).
   * Awaitable sends of one handle keep their call order, even when some had to wait for room.
   *
   * @example
   * ```ts
   * await queue.send(1, rows, { timeout: 5000 });
   * ```
   */
  async send(type: MessageType, value: unknown, options: SendOptions = {}): Promise<void> {
    const io = this.#open("send");
    checkSendType(type, "MessageQueue.send");
    const signal = this.#waitSignal(options.signal);
    const timeout = options.wait === false ? 0 : options.timeout;
    checkTimeout(timeout);
    signal?.throwIfAborted();
    const payload = encodePayload(value, options.serialize !== false);
    if (this.#waitingSends === 0) {
      const errno = io.send(type, payload, IPC_NOWAIT);
      if (errno === 0) return;
      if (errno !== ERRNO.EAGAIN || timeout === 0 || !fitsQueue(io)) throw sendError(io, errno, payload.length);
    } else if (timeout === 0) {
      throw sendError(io, ERRNO.EAGAIN, payload.length); // earlier sends of this handle are already waiting
    }
    // Wait, behind the sends of this handle that are already waiting, so that they keep their call order.
    const deadline = timeout === undefined ? undefined : performance.now() + timeout;
    const previous = this.#sendQueue;
    const mine = this.#sendWhenRoom(io, type, payload, previous, deadline, timeout, signal);
    // Later sends wait for this one and for every earlier one (this one may give up its place early).
    this.#sendQueue = Promise.allSettled([previous, mine]).then(() => {});
    this.#waitingSends++;
    try {
      await mine;
    } finally {
      this.#waitingSends--;
    }
  }

  async #sendWhenRoom(
    io: QueueIo, type: MessageType, payload: Uint8Array, previous: Promise<void>,
    deadline: number | undefined, timeout: number | undefined, signal: AbortSignal | undefined,
  ): Promise<void> {
    if (!(await waitForTurn(previous, signal, deadline))) throw timeoutError(io, "msgsnd", timeout!);
    signal?.throwIfAborted();
    const errno = io.send(type, payload, IPC_NOWAIT);
    if (errno === 0) return;
    if (errno !== ERRNO.EAGAIN || !fitsQueue(io)) throw sendError(io, errno, payload.length);
    const left = deadline === undefined ? undefined : deadline - performance.now();
    if (left !== undefined && left <= 0) throw timeoutError(io, "msgsnd", timeout!);
    const message = new MessageBuffer(payload.length);
    message.setType(type);
    message.bytes.set(payload, 8);
    const result = await runBlocking(
      { op: "msgsnd", id: io.id, message: message.bytes.subarray(0, 8 + payload.length), flags: 0 },
      { signal, timeoutMs: left },
    );
    if (result.status === "ok") return; // sent, even if a cancel came too late
    if (result.status === "error") throw sendError(io, result.errno, payload.length);
    if (result.cancelReason === "timeout") throw timeoutError(io, "msgsnd", timeout!);
    throw signal?.reason;
  }

  /**
   * Receives one message's raw payload on this thread: blocks until one matches (like PHP), or waits at
   * most `timeout` ms (BusyError; `0` = don't wait).
   *
   * @example
   * ```ts
   * const { type, bytes } = queue.receiveBytesSync({ type: -3, timeout: 0 });
   * ```
   */
  receiveBytesSync(options?: ReceiveOptions): RawMessage {
    const n = this.#receiveNow(options, "receiveBytesSync");
    if (n < 0) return this.#takeHeld(options)!;
    const io = this.#io;
    return { type: io.buffer.type, bytes: io.payload(n) };
  }

  /**
   * Receives one message's payload into `target` (no allocation but the small result): at most
   * `target.length` bytes (or `maxSize`, if smaller); a longer message fails with E2BIG and stays queued,
   * unless `truncate`. Blocks/waits as {@link MessageQueue.receiveBytesSync}.
   *
   * @example
   * ```ts
   * const buffer = new Uint8Array(8192);
   * const { type, length } = queue.receiveIntoSync(buffer, { timeout: 0 });
   * handle(type, buffer.subarray(0, length));
   * ```
   */
  receiveIntoSync(target: Uint8Array, options?: ReceiveOptions): { type: MessageType; length: number } {
    const maxSize = Math.min(options?.maxSize ?? target.length, target.length);
    const n = this.#receiveNow(options, "receiveIntoSync", maxSize);
    if (n < 0) {
      const held = this.#takeHeld(options, maxSize)!;
      target.set(held.bytes);
      return { type: held.type, length: held.bytes.length };
    }
    const io = this.#io;
    target.set(io.view(n));
    return { type: io.buffer.type, length: n };
  }

  /**
   * Receives one message on this thread and unserializes it (`unserialize: false`: the PHP string).
   * Blocks/waits as {@link MessageQueue.receiveBytesSync}.
   *
   * @example
   * ```ts
   * const { type, value } = queue.receiveSync<{ job: number }>({ timeout: 100 });
   * ```
   */
  receiveSync<T = unknown>(options?: ReceiveOptions): Message<T> {
    const deadline = options?.timeout === undefined ? 0 : performance.now() + options.timeout;
    for (;;) {
      const n = this.#receiveNow(options, "receiveSync");
      const io = this.#io;
      const held = n < 0 ? this.#takeHeld(options)! : undefined;
      const type = held ? held.type : io.buffer.type;
      const value = decodeMessage("MessageQueue.receiveSync", io, type, held ? held.bytes : io.view(n), options);
      if (value !== SKIPPED) return { type, value: value as T };
      options = remaining(options!, deadline); // reported to onUndecodable: receive the next one
    }
  }

  /**
   * Takes one matching message if one is already waiting, or returns `null`: never waits, and builds no
   * error for an empty queue, so it is the cheap way to poll (the worker pool drains results with it).
   * Other failures still throw (RemovedError, TooBigError for E2BIG, UndecodableMessageError unless
   * `onUndecodable` is given).
   *
   * @example
   * ```ts
   * for (let m = queue.tryReceiveSync(); m !== null; m = queue.tryReceiveSync()) handle(m.value);
   * ```
   */
  tryReceiveSync<T = unknown>(options: LoopOptions = {}): Message<T> | null {
    for (;;) {
      const n = this.#receiveNow({ ...options, timeout: 0 }, "tryReceiveSync", undefined, true);
      if (n === NOTHING_WAITING) return null;
      const io = this.#io;
      const held = n < 0 ? this.#takeHeld(options)! : undefined;
      const type = held ? held.type : io.buffer.type;
      const value = decodeMessage("MessageQueue.tryReceiveSync", io, type, held ? held.bytes : io.view(n), options);
      if (value !== SKIPPED) return { type, value: value as T };
    }
  }

  /**
   * msgrcv on this thread: the payload length in the buffer, -1 when a held message matches, or (only
   * with `quiet`) {@link NOTHING_WAITING} instead of a BusyError when a no-wait receive finds nothing.
   */
  #receiveNow(options: ReceiveOptions | undefined, call: string, maxSize?: number, quiet = false): number {
    const io = this.#open(call);
    if (options === undefined && this.#held.length === 0) {
      // Hot path: any type, up to msgmax (or the caller's size), wait as long as it takes.
      const size = maxSize ?? io.msgmax;
      const n = io.receive(size, 0, 0);
      if (n < 0) throw receiveError(io, -n, size);
      return n;
    }
    const type = options?.type ?? 0;
    maxSize ??= options?.maxSize ?? io.msgmax;
    const timeout = options?.timeout;
    this.#checkReceive(type, maxSize, timeout, call);
    if (this.#held.length > 0 && this.#peekHeld(options)) return -1;
    const flags = options === undefined ? 0 : receiveFlags(options);
    let n: number;
    if (timeout === undefined) n = io.receive(maxSize, type, flags);
    else {
      const nowait = flags | IPC_NOWAIT;
      n = io.receive(maxSize, type, nowait);
      if (n === -ERRNO.ENOMSG && quiet) return NOTHING_WAITING;
      if (n === -ERRNO.ENOMSG && timeout > 0) {
        const errno = pollWhileBusy(timeout, ERRNO.ENOMSG, () => {
          n = io.receive(maxSize, type, nowait);
          return n >= 0 ? 0 : -n;
        });
        if (errno === ERRNO.ENOMSG) throw timeoutError(io, "msgrcv", timeout);
      }
    }
    if (n < 0) throw receiveError(io, -n, maxSize);
    return n;
  }

  #checkReceive(type: MessageType, maxSize: number, timeout: number | undefined, call: string): void {
    checkReceiveType(type, `MessageQueue.${call}`);
    if (!Number.isInteger(maxSize) || maxSize < 0) throw new RangeError(`maxSize must be an integer >= 0, got ${maxSize}`);
    checkTimeout(timeout);
  }

  /**
   * Receives one message's raw payload without blocking the event loop: at once if one is waiting,
   * otherwise from a waiter thread. Rejects with a BusyError after `timeout` ms, with `signal.reason` on
   * abort, with a RemovedError when the queue is removed meanwhile.
   *
   * @example
   * ```ts
   * const { type, bytes } = await queue.receiveBytes({ timeout: 500, signal });
   * ```
   */
  async receiveBytes(options: ReceiveOptions = {}): Promise<RawMessage> {
    const io = this.#open("receiveBytes");
    const { type = 0, timeout } = options;
    const signal = this.#waitSignal(options.signal);
    const maxSize = options.maxSize ?? io.msgmax;
    this.#checkReceive(type, maxSize, timeout, "receiveBytes");
    signal?.throwIfAborted();
    if (this.#held.length > 0 && this.#peekHeld(options)) return this.#takeHeld(options)!;
    const flags = receiveFlags(options);
    const n = io.receive(maxSize, type, flags | IPC_NOWAIT);
    if (n >= 0) return { type: io.buffer.type, bytes: io.payload(n) };
    if (n !== -ERRNO.ENOMSG || timeout === 0) throw receiveError(io, -n, maxSize);
    const size = Math.min(maxSize, io.msgmax);
    const result = await runBlocking({ op: "msgrcv", id: io.id, maxSize: size, type, flags }, { signal, timeoutMs: timeout });
    if (result.status === "ok") {
      const message = { type: toType(result.type!), bytes: result.payload! };
      if (result.cancelReason !== "abort") return message; // a timeout that lost the race still delivers
      this.#giveBack(message);
      throw signal?.reason;
    }
    if (result.status === "error") throw receiveError(io, result.errno, maxSize);
    if (result.cancelReason === "timeout") throw timeoutError(io, "msgrcv", timeout!);
    throw signal?.reason;
  }

  /**
   * Receives and unserializes one message without blocking the event loop (see
   * {@link MessageQueue.receiveBytes} for waiting, timeouts and aborts).
   *
   * @example
   * ```ts
   * const { type, value } = await queue.receive({ type: 2, timeout: 1000 });
   * ```
   */
  async receive<T = unknown>(options: ReceiveOptions = {}): Promise<Message<T>> {
    checkReceiveType(options.type ?? 0, "MessageQueue.receive");
    const deadline = options.timeout === undefined ? 0 : performance.now() + options.timeout;
    for (;;) {
      const { type, bytes } = await this.receiveBytes(options);
      const value = decodeMessage("MessageQueue.receive", this.#io, type, bytes, options);
      if (value !== SKIPPED) return { type, value: value as T };
      options = remaining(options, deadline); // reported to onUndecodable: receive the next one
    }
  }

  /**
   * Receives messages one after another until the queue is removed, the handle is closed, `signal`
   * aborts (the loop then just ends) or the loop is left. Other errors are thrown: among them an
   * {@link UndecodableMessageError} for a payload that does not unserialize, unless `onUndecodable` is
   * given, which receives it while the loop goes on.
   *
   * @example
   * ```ts
   * for await (const { type, value } of queue.messages({ type: 1, signal, onUndecodable: (e) => console.error(e.message) })) {
   *   console.log(type, value);
   * }
   * ```
   */
  async *messages<T = unknown>(options: LoopOptions = {}): AsyncGenerator<Message<T>, void, undefined> {
    const receiveOptions: ReceiveOptions = { ...options, timeout: undefined };
    for (;;) {
      let message: Message<T>;
      try {
        message = await this.receive<T>(receiveOptions);
      } catch (error) {
        if (error instanceof RemovedError || error instanceof ClosedError || options.signal?.aborted) return;
        throw error;
      }
      yield message;
    }
  }

  /**
   * `for await (const message of queue)`: {@link MessageQueue.messages} with default options.
   *
   * @example
   * ```ts
   * for await (const { value } of queue) if (value === "stop") break;
   * ```
   */
  [Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    return this.messages();
  }

  /** Abort lost the race: put the message back (tail of the queue), or hold it here if that fails. */
  #giveBack(message: RawMessage): void {
    if (this.#io.send(message.type, message.bytes, IPC_NOWAIT) !== 0) this.#held.push(message);
  }

  #peekHeld(options: ReceiveOptions | undefined): boolean {
    return this.#heldIndex(options) >= 0;
  }

  #heldIndex(options: ReceiveOptions | undefined): number {
    const type = options?.type ?? 0, except = options?.except === true;
    let best = -1;
    for (const [i, { type: candidate }] of this.#held.entries()) {
      if (!selects(type, except, candidate)) continue;
      if (BigInt(type) >= 0n) return i; // first match, in order
      if (best < 0 || BigInt(candidate) < BigInt(this.#held[best]!.type)) best = i; // lowest type
    }
    return best;
  }

  /** Takes the held message that matches `options` (size rules as msgrcv: E2BIG unless truncate). */
  #takeHeld(options: ReceiveOptions | undefined, maxSize = options?.maxSize ?? this.#io.msgmax): RawMessage | undefined {
    const index = this.#heldIndex(options);
    const message = this.#held[index];
    if (message === undefined) return undefined;
    if (message.bytes.length > maxSize) {
      if (!options?.truncate) throw receiveError(this.#io, ERRNO.E2BIG, maxSize);
      message.bytes = message.bytes.slice(0, maxSize);
    }
    this.#held.splice(index, 1);
    return message;
  }

  /**
   * The queue's status (IPC_STAT) with typed fields.
   *
   * @example
   * ```ts
   * const { messages, bytes, maxBytes, mode } = queue.stat();
   * ```
   */
  stat(): QueueStat {
    const io = this.#open("stat");
    const raw = tryStatQueue(io.id);
    if (typeof raw === "number") throw controlError(io, raw);
    return toQueueStat(raw);
  }

  /**
   * Changes the queue's mode, owner or byte capacity (IPC_SET; needs ownership, and CAP_SYS_RESOURCE to
   * raise `maxBytes` above msgmnb).
   *
   * @example
   * ```ts
   * queue.set({ mode: 0o660, maxBytes: 4096 });
   * ```
   */
  set(settings: QueueSettings): void {
    const io = this.#open("set");
    const errno = trySetQueue(io.id, settings);
    if (errno !== 0) throw setQueueError(io, errno, settings.maxBytes);
  }

  /**
   * Removes the queue from the kernel for every process: queued messages are discarded and every
   * waiter (Bun or PHP) wakes with a RemovedError / EIDRM.
   *
   * @example
   * ```ts
   * queue.remove();
   * ```
   */
  remove(): void {
    const io = this.#open("remove");
    if (libc.msgctl(io.id, IPC_RMID, null) !== 0) throw controlError(io, lastErrno());
  }

  /**
   * Lets go of the handle (the queue stays in the kernel); later calls throw ClosedError. Every wait of
   * this handle in progress (receive, send, `for await`) ends at once: they reject with ClosedError (a
   * `for await` loop just ends), and nothing is taken from the queue after this call.
   *
   * @example
   * ```ts
   * queue.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const io = this.#io;
    this.#closer.abort(errorFor(ERRNO.EBADF, "MessageQueue.close", { key: io.key, id: io.id, detail: "the handle was closed while waiting" }));
  }

  /** `using queue = MessageQueue.create(key)`: closes the handle (does not remove the queue). */
  [Symbol.dispose](): void {
    this.close();
  }
}
