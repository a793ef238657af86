/**
 * The raw calls on one queue id, shared by {@link MessageQueue} and the PHP compat layer: each fills or
 * reads the handle's reused {@link MessageBuffer} and reports failure as an errno instead of throwing, so
 * each caller can apply its own error convention (exceptions here, `false` + warnings in compat).
 *
 * @example
 * ```ts
 * const io = new QueueIo(key, id);
 * const errno = io.send(1, new TextEncoder().encode("hi"), IPC_NOWAIT); // 0 = sent
 * const n = io.receive(8192, 0, IPC_NOWAIT);                           // bytes, or -errno
 * if (n >= 0) console.log(io.buffer.type, io.payload(n));
 * ```
 * @module
 */
import { ERRNO } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { MessageBuffer, type MessageType } from "./buffer.ts";
import { messageLimits } from "./limits.ts";

const encoder = new TextEncoder();

/** One queue (key and kernel id) and its reused message buffer. */
export class QueueIo {
  /** The key the queue was opened with (0 for a private queue). */
  readonly key: number;
  /** The kernel's msqid. */
  readonly id: number;
  /** The reused send/receive buffer. */
  readonly buffer = new MessageBuffer(256);
  /** Payload length of the last send attempt (for error messages). */
  lastLength = 0;
  /** The kernel's msgmax, read once (see `limits.ts`). */
  readonly msgmax = messageLimits().msgmax;

  constructor(key: number, id: number) {
    this.key = key;
    this.id = id;
  }

  /** msgsnd of `payload` with `type`: 0 when sent, else the errno (EINVAL at once above msgmax). */
  send(type: MessageType, payload: Uint8Array, flags: number): number {
    if (payload.length > this.msgmax) { // what the kernel answers, without copying
      this.lastLength = payload.length;
      return ERRNO.EINVAL;
    }
    this.buffer.ensure(payload.length);
    this.buffer.bytes.set(payload, 8);
    return this.sendBuffered(type, payload.length, flags);
  }

  /** The calls a hot loop makes (for callers that tune their JIT tiers, like the pool's `tiers.ts`). */
  hotPaths(): Function[] {
    return [this.send, this.sendBuffered, this.receive];
  }

  /** msgsnd of the `length` payload bytes already written into `buffer` after its 8-byte type: 0 when sent, else the errno. */
  sendBuffered(type: MessageType, length: number, flags: number): number {
    this.lastLength = length;
    if (length > this.msgmax) return ERRNO.EINVAL;
    this.buffer.setType(type);
    return libc.msgsnd(this.id, this.buffer.bytes, length, flags) === 0 ? 0 : lastErrno();
  }

  /** msgsnd of a JS string as UTF-8, encoded straight into the buffer: 0 when sent, else the errno. */
  sendText(type: MessageType, text: string, flags: number): number {
    const max = this.msgmax;
    if (text.length > max) { // UTF-8 never has fewer bytes than UTF-16 code units
      this.lastLength = Buffer.byteLength(text);
      return ERRNO.EINVAL;
    }
    const buffer = this.buffer;
    buffer.ensure(Math.min(text.length * 3, max + 4));
    const { read, written } = encoder.encodeInto(text, buffer.bytes.subarray(8));
    this.lastLength = read < text.length ? Buffer.byteLength(text) : written;
    if (this.lastLength > max) return ERRNO.EINVAL;
    buffer.setType(type);
    return libc.msgsnd(this.id, buffer.bytes, written, flags) === 0 ? 0 : lastErrno();
  }

  /**
   * msgrcv into the buffer, at most `maxSize` payload bytes (capped at msgmax, which no message exceeds):
   * the payload length, or `-errno`. The message is then in `buffer` until the next call.
   */
  receive(maxSize: number, type: MessageType, flags: number): number {
    const size = maxSize < this.msgmax ? maxSize : this.msgmax;
    const buffer = this.buffer;
    buffer.ensure(size);
    const n = libc.msgrcv(this.id, buffer.bytes, size, type, flags) as number;
    return n >= 0 ? n : -lastErrno();
  }

  /** A copy of the `n` payload bytes just received. */
  payload(n: number): Uint8Array {
    return this.buffer.bytes.slice(8, 8 + n);
  }

  /** A view (not a copy) of the `n` payload bytes just received; valid until the next call. */
  view(n: number): Uint8Array {
    return this.buffer.bytes.subarray(8, 8 + n);
  }
}
