/**
 * The PHP IPC library's `Queue(key)`: `send(type, data)` (PHP-serialized, as `msg_send` does) and
 * `receive(type, ref(type))`, which blocks like PHP until a message of that selector arrives (0 = any,
 * n = that type, -n = lowest type <= n) and writes the received type into the box. Speaks the same bytes
 * as PHP's `msg_send`/`msg_receive`.
 *
 * @example
 * ```ts
 * import { Queue, ref } from "bun-sysv/compat";
 * const msgq = new Queue(0); // private here; a FileKey or an int key to share it
 * msgq.send(1, ["Some data", { format: "foo" }]);
 * const type = ref<number>();
 * const data = msgq.receive(1, type); // ["Some data", { format: "foo" }], type.value === 1
 * msgq.remove();
 * ```
 * @module
 */
import type { KeyLike } from "../../src/keys/key.ts";
import type { MessageType } from "../../src/msg/buffer.ts";
import { MessageQueue } from "../../src/msg/queue.ts";
import { IpcError } from "../../src/errors.ts";
import type { Ref } from "../ref.ts";
import { SystemObject } from "./handle.ts";

/** A System V message queue with PHP-serialized messages (see the module doc). */
export class Queue extends SystemObject {
  /** The handle underneath (`src/msg`). */
  readonly queue: MessageQueue;

  constructor(key: KeyLike) {
    super();
    this.queue = MessageQueue.create(key, { mode: 0o666 });
  }

  protected get handle(): MessageQueue {
    return this.queue;
  }

  /**
   * Sends `data` with message type `type` (>= 1), waiting while the queue is full; false (nothing sent)
   * when a caught signal interrupts that wait, as `msg_send` does in PHP.
   */
  send(type: MessageType, data: unknown): boolean {
    try {
      this.queue.sendSync(type, data);
    } catch (e) {
      if (e instanceof IpcError && e.code === "EINTR") return false;
      throw e;
    }
    return true;
  }

  /**
   * Receives one message (blocking this thread, like PHP); `typeRef` gets its type. A signal caught
   * meanwhile (pcntl_signal, SignalTrap) makes it return false with nothing consumed, as the `msg_receive`
   * underneath does in PHP, so `while (!trap.isTrapped()) { msgq.receive(...) }` ends on the signal.
   */
  receive<T = unknown>(type: MessageType = 0, typeRef?: Ref<MessageType>): T | false {
    let message;
    try {
      message = this.queue.receiveSync<T>({ type });
    } catch (e) {
      if (e instanceof IpcError && e.code === "EINTR") return false;
      throw e;
    }
    if (typeRef) typeRef.value = message.type;
    return message.value;
  }

  /** Receives without blocking the event loop (`timeout` ms: BusyError when it runs out). */
  async receiveAsync<T = unknown>(type: MessageType = 0, options: { timeout?: number; signal?: AbortSignal } = {}) {
    return this.queue.receive<T>({ type, ...options });
  }

}
