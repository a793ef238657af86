/**
 * The errors of message queue calls: errno → {@link IpcError} through the library's one mapper
 * (`errorFor`), with a detail that names the limit or the cause (msgmax, the queue's byte limit, the
 * removed queue, the would-block case).
 *
 * @example
 * ```ts
 * const errno = io.send(1, payload, IPC_NOWAIT);
 * if (errno) throw sendError(io, errno, payload.length);
 * ```
 * @module
 */
import { ERRNO, errorFor, removedErrorFor } from "../ffi/errno.ts";
import { UnserializeError, type IpcError } from "../errors.ts";
import type { MessageType } from "./buffer.ts";
import type { QueueIo } from "./io.ts";
import { messageLimits } from "./limits.ts";
import { tryStatQueue } from "./stat.ts";

/**
 * `msg_qbytes` of the queue (the most a message can ever occupy: a longer one would wait forever), `null`
 * if the queue no longer exists, `Infinity` if it cannot be read.
 *
 * @example
 * ```ts
 * if (length > queueCapacity(id)!) throw sendError(io, ERRNO.EAGAIN, length);
 * ```
 */
export function queueCapacity(id: number): number | null {
  const raw = tryStatQueue(id);
  if (typeof raw !== "number") return raw.ds.msg_qbytes;
  return raw === ERRNO.EINVAL || raw === ERRNO.EIDRM ? null : Infinity;
}

/** The error for a queue that was removed (EIDRM while waiting, or EINVAL on its stale id). */
export function removedError(io: QueueIo, errno: number, syscall: string): IpcError {
  return removedErrorFor(errno, syscall, { key: io.key, id: io.id, detail: "the queue was removed" });
}

/**
 * The error of a failed msgsnd of `length` payload bytes.
 *
 * @example
 * ```ts
 * sendError(io, ERRNO.EINVAL, 9000).message;
 * // "msgsnd(key=0x..., id=3): E2BIG (Argument list too long): message of 9000 bytes exceeds the kernel limit msgmax=8192"
 * ```
 */
export function sendError(io: QueueIo, errno: number, length: number): IpcError {
  const where = { key: io.key, id: io.id };
  if (errno === ERRNO.EIDRM) return removedError(io, errno, "msgsnd");
  if (errno === ERRNO.EAGAIN) {
    const qbytes = queueCapacity(io.id) ?? Infinity;
    if (length <= qbytes) return errorFor(errno, "msgsnd", { ...where, detail: "would block: the queue is full" });
    return errorFor(ERRNO.E2BIG, "msgsnd", {
      ...where, detail: `message of ${length} bytes exceeds the queue's limit maxBytes=${qbytes}, it could never be sent`,
    });
  }
  if (errno !== ERRNO.EINVAL) return errorFor(errno, "msgsnd", where);
  const { msgmax } = messageLimits();
  if (length > msgmax) {
    return errorFor(ERRNO.E2BIG, "msgsnd", { ...where, detail: `message of ${length} bytes exceeds the kernel limit msgmax=${msgmax}` });
  }
  if (queueCapacity(io.id) === null) return removedError(io, errno, "msgsnd");
  return errorFor(errno, "msgsnd", where);
}

/**
 * The error of a failed msgrcv with a `maxSize`-byte buffer.
 *
 * @example
 * ```ts
 * const n = io.receive(16, 0, IPC_NOWAIT);
 * if (n < 0) throw receiveError(io, -n, 16); // E2BIG: "... longer than maxSize=16 ..."
 * ```
 */
export function receiveError(io: QueueIo, errno: number, maxSize: number): IpcError {
  const where = { key: io.key, id: io.id };
  switch (errno) {
    case ERRNO.EIDRM: return removedError(io, errno, "msgrcv");
    case ERRNO.ENOMSG: return errorFor(errno, "msgrcv", { ...where, detail: "no matching message is waiting" });
    case ERRNO.E2BIG:
      return errorFor(errno, "msgrcv", {
        ...where, detail: `the next matching message is longer than maxSize=${maxSize} bytes (it stays queued; truncate: true cuts it)`,
      });
    case ERRNO.EINVAL:
      if (queueCapacity(io.id) === null) return removedError(io, errno, "msgrcv");
      return errorFor(errno, "msgrcv", where);
    default: return errorFor(errno, "msgrcv", where);
  }
}

/**
 * The error of a wait that ran out of time (a {@link BusyError} with code ETIMEDOUT).
 *
 * @example
 * ```ts
 * throw timeoutError(io, "msgrcv", 250); // "msgrcv(...): ETIMEDOUT (Connection timed out): nothing within 250 ms"
 * ```
 */
export function timeoutError(io: QueueIo, syscall: "msgrcv" | "msgsnd", ms: number): IpcError {
  const what = syscall === "msgrcv" ? "no matching message arrived" : "the queue stayed full";
  return errorFor(ERRNO.ETIMEDOUT, syscall, { key: io.key, id: io.id, detail: `${what} within ${ms} ms` });
}

/**
 * The error of a failed msgctl (IPC_STAT / IPC_SET / IPC_RMID): RemovedError on a removed queue.
 *
 * @example
 * ```ts
 * if (libc.msgctl(id, IPC_RMID, null) !== 0) throw controlError(io, lastErrno());
 * ```
 */
export function controlError(io: QueueIo, errno: number): IpcError {
  if (errno === ERRNO.EINVAL || errno === ERRNO.EIDRM) return removedError(io, errno, "msgctl");
  return errorFor(errno, "msgctl", { key: io.key, id: io.id });
}

/**
 * The error of a failed `set()` (IPC_SET). EPERM there has two causes, and the detail names the one that
 * fits: a `maxBytes` above `msgmnb` (`/proc/sys/kernel/msgmnb`) needs CAP_SYS_RESOURCE, and any change needs
 * the queue's owner or creator (or CAP_SYS_ADMIN).
 *
 * @example
 * ```ts
 * const errno = trySetQueue(io.id, settings);
 * if (errno !== 0) throw setQueueError(io, errno, settings.maxBytes);
 * ```
 */
export function setQueueError(io: QueueIo, errno: number, maxBytes: number | undefined): IpcError {
  if (errno !== ERRNO.EPERM) return controlError(io, errno);
  const { msgmnb } = messageLimits();
  const detail = maxBytes !== undefined && maxBytes > msgmnb
    ? `maxBytes=${maxBytes} is above msgmnb=${msgmnb} (/proc/sys/kernel/msgmnb): raising a queue past msgmnb needs CAP_SYS_RESOURCE ` +
      `(or a larger kernel.msgmnb); changing a queue at all needs its owner or creator`
    : "only the queue's owner or creator (or CAP_SYS_ADMIN) may change it" +
      (maxBytes !== undefined ? `; maxBytes above msgmnb=${msgmnb} would also need CAP_SYS_RESOURCE` : "");
  return errorFor(errno, "msgctl", { key: io.key, id: io.id, detail: `IPC_SET: ${detail}` });
}

/**
 * A received message whose payload does not unserialize (an {@link UnserializeError}, so existing
 * `catch (e instanceof UnserializeError)` code still matches). The message was taken off the queue: its
 * type and bytes are here, so nothing is lost (log it, store it, or send it to a dead-letter queue).
 * Receives with `onUndecodable` report it there and go on with the next message instead of throwing.
 *
 * @example
 * ```ts
 * import { IPC_PRIVATE, MessageQueue, UndecodableMessageError } from "bun-sysv";
 * using queue = MessageQueue.create(IPC_PRIVATE);
 * queue.sendSync(7, "a:1:{i:0;", { serialize: false }); // not a PHP serialization
 * try {
 *   queue.receiveSync({ timeout: 0 });
 * } catch (error) {
 *   if (!(error instanceof UndecodableMessageError)) throw error;
 *   console.log(error.messageType, new TextDecoder().decode(error.raw)); // 7 "a:1:{i:0;"
 * } finally {
 *   queue.remove();
 * }
 * ```
 */
export class UndecodableMessageError extends UnserializeError {
  override name = "UndecodableMessageError";
  /** The message's type. */
  readonly messageType: MessageType;
  /** The message's payload bytes, as received (a copy). */
  readonly raw: Uint8Array;

  constructor(call: string, where: { key: number; id: number }, messageType: MessageType, raw: Uint8Array, cause: UnserializeError) {
    super(cause.offset, cause.length, cause.message, {
      syscall: call, key: where.key, id: where.id,
      detail: `message of type ${messageType} (${raw.length} bytes) does not unserialize, it was taken off the queue ` +
        `(see error.raw): ${cause.message.replace(/^unserialize\(\): EBADMSG \([^)]*\): /, "")}`,
    });
    this.messageType = messageType;
    this.raw = raw;
    this.cause = cause;
  }
}
