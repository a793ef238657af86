/**
 * PHP 8.2's sysvmsg functions: `msg_get_queue`, `msg_send`, `msg_receive`, `msg_stat_queue`,
 * `msg_set_queue`, `msg_queue_exists`, `msg_remove_queue`, with PHP's warnings, `false` returns, error
 * codes (`&$error_code` as a {@link Ref}) and 0666 default permissions. Payload bytes are written and
 * read by `src/msg` (serialize format, `%.6f` floats for raw sends), so a PHP process on the other end
 * sees exactly what PHP would have sent.
 *
 * Like PHP, `msg_send` with `$blocking` and `msg_receive` without `MSG_IPC_NOWAIT` block the calling
 * thread (and so the event loop); use `MessageQueue.receive()` for an awaitable form.
 *
 * @example
 * ```ts
 * import { msg_get_queue, msg_receive, msg_send, ref } from "bun-sysv/compat";
 * const queue = msg_get_queue(0x5eed0001);
 * if (queue) {
 *   msg_send(queue, 1, ["hello", 42]);
 *   const type = ref<number>(), message = ref<unknown>();
 *   if (msg_receive(queue, 0, type, 1024, message)) console.log(type.value, message.value);
 * }
 * ```
 * @module
 */
import { IPC_CREAT, IPC_EXCL, IPC_NOWAIT, IPC_RMID, MSG_EXCEPT as K_MSG_EXCEPT, MSG_NOERROR as K_MSG_NOERROR } from "../src/ffi/constants.ts";
import { lastErrno, libc, strerror } from "../src/ffi/libc.ts";
import { toKey } from "../src/keys/key.ts";
import type { MessageType } from "../src/msg/buffer.ts";
import { decodePayload, encodePayload } from "../src/msg/codec.ts";
import { QueueIo } from "../src/msg/io.ts";
import { isInt64 } from "../src/msg/options.ts";
import { trySetQueue, tryStatQueue } from "../src/msg/stat.ts";
import { UnserializeError } from "../src/errors.ts";
import { PhpFloat } from "../src/serialize/index.ts";
import { PhpError, ValueError, warn } from "./diagnostics.ts";
import { boolArg, hexKey, intArg, intNumberArg, phpTypeName, type PhpBoolArg, type PhpIntArg, type PhpMixed } from "./types.ts";
import { MSG_EXCEPT, MSG_IPC_NOWAIT, MSG_NOERROR } from "./msg-constants.ts";
import type { Ref } from "./ref.ts";
import { dispatchAsyncSignals } from "./pcntl-async.ts";

export * from "./msg-constants.ts";

const constructing = Symbol("msg_get_queue");
let ioOf: (queue: SysvMessageQueue) => QueueIo;

/**
 * PHP's `SysvMessageQueue`: the handle `msg_get_queue()` returns ({key, id}); freeing it does nothing to
 * the kernel queue. Not constructible directly.
 *
 * @example
 * ```ts
 * const queue = msg_get_queue(0x5eed0001);
 * queue instanceof SysvMessageQueue; // true
 * ```
 */
export class SysvMessageQueue {
  readonly #io: QueueIo;

  constructor(...args: unknown[]) {
    if (args[0] !== constructing) throw new PhpError("Cannot directly construct SysvMessageQueue, use msg_get_queue() instead");
    this.#io = args[1] as QueueIo;
  }

  /** The key the queue was opened with (int32, as PHP passed it to msgget). */
  get key(): number {
    return this.#io.key;
  }

  /** The kernel's msqid. */
  get id(): number {
    return this.#io.id;
  }

  static {
    ioOf = (queue) => queue.#io;
  }
}



/**
 * A message type argument as PHP 8.2 takes it: a number or bigint past the int64 range is what PHP
 * holds as a float (e.g. `2**64`), which an int parameter refuses with a TypeError (it is never wrapped).
 */
function messageTypeArg(fn: string, name: string, value: unknown): number | bigint {
  if ((typeof value === "number" && Number.isInteger(value) || typeof value === "bigint") && !isInt64(value)) {
    throw new TypeError(`${fn}(): Argument #2 ($${name}) must be of type int, float given`);
  }
  return intArg(fn, 2, name, value);
}

function queueArg(fn: string, queue: unknown): QueueIo {
  if (queue instanceof SysvMessageQueue) return ioOf(queue);
  throw new TypeError(`${fn}(): Argument #1 ($queue) must be of type SysvMessageQueue, ${phpTypeName(queue)} given`);
}

/**
 * `msg_get_queue(int $key, int $permissions = 0666): SysvMessageQueue|false` — opens the key's queue,
 * creating it with `$permissions` if it has none. Key 0 (IPC_PRIVATE) creates a private queue of mode 0,
 * as PHP 8.2 does. Failure: `Warning: msg_get_queue(): Failed for key 0x…: <strerror>` and `false`.
 *
 * @example
 * ```ts
 * const queue = msg_get_queue(ftok("/srv/app", "q"), 0o660);
 * ```
 */
export function msg_get_queue(key: PhpIntArg, permissions: PhpIntArg = 0o666): SysvMessageQueue | false {
  const phpKey = intArg("msg_get_queue", 1, "key", key);
  const mode = intNumberArg("msg_get_queue", 2, "permissions", permissions);
  const k = toKey(phpKey);
  let id = libc.msgget(k, 0);
  if (id < 0) id = libc.msgget(k, IPC_CREAT | IPC_EXCL | mode);
  if (id < 0) {
    warn("msg_get_queue", `Failed for key 0x${hexKey(phpKey)}: ${strerror(lastErrno())}`);
    return false;
  }
  return new SysvMessageQueue(constructing, new QueueIo(k, id));
}

/** The raw payload of a PHP scalar (`serialize = false`); PHP's TypeError for anything else. */
function rawMessage(message: unknown): Uint8Array {
  const kind = typeof message;
  if (kind === "string" || kind === "number" || kind === "bigint" || kind === "boolean" || message instanceof Uint8Array || message instanceof PhpFloat) {
    return encodePayload(message, false);
  }
  throw new TypeError(`msg_send(): Argument #3 ($message) must be of type string|int|float|bool, ${phpTypeName(message)} given`);
}

/**
 * `msg_send(SysvMessageQueue $queue, int $message_type, mixed $message, bool $serialize = true,
 * bool $blocking = true, &$error_code = null): bool`. Raw sends (`$serialize = false`) take a string
 * (a `Uint8Array` as is), an int (a safe-integer number or a bigint), a float (any other number, `-0`,
 * `NaN`, `±Infinity` or a `PhpFloat`, written as `%.6f`) or a bool. Failure: `Warning: msg_send(): msgsnd failed: <strerror>`,
 * `$error_code` = errno, `false`.
 *
 * @example
 * ```ts
 * const code = ref<number>();
 * if (!msg_send(queue, 1, "ping", false, false, code) && code.value === MSG_EAGAIN) console.log("full");
 * ```
 */
export function msg_send(
  queue: SysvMessageQueue,
  message_type: PhpIntArg,
  message: unknown,
  serialize: PhpBoolArg = true,
  blocking: PhpBoolArg = true,
  error_code?: Ref<number>,
): boolean {
  const io = queueArg("msg_send", queue);
  const type = messageTypeArg("msg_send", "message_type", message_type);
  serialize = boolArg("msg_send", 4, "serialize", serialize);
  blocking = boolArg("msg_send", 5, "blocking", blocking);
  const payload = serialize ? encodePayload(message, true) : rawMessage(message);
  const errno = io.send(type, payload, blocking ? 0 : IPC_NOWAIT);
  dispatchAsyncSignals();
  if (errno === 0) return true;
  warn("msg_send", `msgsnd failed: ${strerror(errno)}`);
  if (error_code) error_code.value = errno;
  return false;
}

function kernelFlags(flags: number): number {
  return (flags & MSG_IPC_NOWAIT ? IPC_NOWAIT : 0) | (flags & MSG_EXCEPT ? K_MSG_EXCEPT : 0) | (flags & MSG_NOERROR ? K_MSG_NOERROR : 0);
}

/**
 * `msg_receive(SysvMessageQueue $queue, int $desired_message_type, &$received_message_type,
 * int $max_message_size, mixed &$message, bool $unserialize = true, int $flags = 0, &$error_code = null): bool`.
 * Type selection: 0 = first message, > 0 = that type (or any other with `MSG_EXCEPT`), < 0 = lowest type
 * <= |type|. Success: type and message set, `$error_code` = 0. A payload that does not unserialize:
 * `Warning: msg_receive(): Message corrupted`, `$message = false`, `false`. Failure (no warning):
 * type 0, `$message = false`, `$error_code` = errno (MSG_ENOMSG, E2BIG 7, EINVAL 22, EIDRM 43, EINTR 4).
 *
 * @example
 * ```ts
 * const type = ref<number>(), message = ref<unknown>(), code = ref<number>();
 * msg_receive(queue, -2, type, 8192, message, true, MSG_IPC_NOWAIT, code);
 * ```
 */
export function msg_receive(
  queue: SysvMessageQueue,
  desired_message_type: PhpIntArg,
  received_message_type: Ref<MessageType>,
  max_message_size: PhpIntArg,
  message: Ref<PhpMixed>,
  unserialize: PhpBoolArg = true,
  flags: PhpIntArg = 0,
  error_code?: Ref<number>,
): boolean {
  const io = queueArg("msg_receive", queue);
  const desired = messageTypeArg("msg_receive", "desired_message_type", desired_message_type);
  const maxSize = intNumberArg("msg_receive", 4, "max_message_size", max_message_size);
  unserialize = boolArg("msg_receive", 6, "unserialize", unserialize);
  const phpFlags = intNumberArg("msg_receive", 7, "flags", flags);
  if (maxSize <= 0) throw new ValueError("msg_receive(): Argument #4 ($max_message_size) must be greater than 0");
  const n = io.receive(maxSize, desired, kernelFlags(phpFlags));
  dispatchAsyncSignals(); // pcntl_async_signals(true): handlers run before the call returns
  if (n < 0) {
    received_message_type.value = 0;
    message.value = false;
    if (error_code) error_code.value = -n;
    return false;
  }
  received_message_type.value = io.buffer.type;
  if (error_code) error_code.value = 0;
  if (!unserialize) {
    message.value = decodePayload(io.view(n), false);
    return true;
  }
  let value: unknown;
  try {
    value = decodePayload(io.view(n), true);
  } catch (error) {
    if (!(error instanceof UnserializeError)) throw error; // only a payload that does not unserialize is PHP's case
    warn("msg_receive", "Message corrupted");
    message.value = false;
    return false;
  }
  message.value = value;
  return true;
}

/** What `msg_stat_queue` returns, keys in PHP's order. */
export interface MsgQueueStat {
  "msg_perm.uid": number;
  "msg_perm.gid": number;
  "msg_perm.mode": number;
  msg_stime: number;
  msg_rtime: number;
  msg_ctime: number;
  msg_qnum: number;
  msg_qbytes: number;
  msg_lspid: number;
  msg_lrpid: number;
}

/**
 * `msg_stat_queue(SysvMessageQueue $queue): array|false` — the queue's IPC_STAT fields with PHP's keys,
 * in PHP's order; `false` (no warning) when it fails, e.g. on a removed queue.
 *
 * @example
 * ```ts
 * const stat = msg_stat_queue(queue);
 * if (stat) console.log(stat["msg_qnum"], stat["msg_perm.mode"].toString(8));
 * ```
 */
export function msg_stat_queue(queue: SysvMessageQueue): MsgQueueStat | false {
  const io = queueArg("msg_stat_queue", queue);
  const raw = tryStatQueue(io.id);
  if (typeof raw === "number") return false;
  const { perm, ds } = raw;
  return {
    "msg_perm.uid": perm.uid, "msg_perm.gid": perm.gid, "msg_perm.mode": perm.mode,
    msg_stime: ds.msg_stime, msg_rtime: ds.msg_rtime, msg_ctime: ds.msg_ctime,
    msg_qnum: ds.msg_qnum, msg_qbytes: ds.msg_qbytes, msg_lspid: ds.msg_lspid, msg_lrpid: ds.msg_lrpid,
  };
}

/** PHP's integer conversion (`zval_get_long`) of an array value: `"0644"` → 644, `"abc"` → 0, `true` → 1. */
function phpIntval(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === "bigint") return Number(BigInt.asIntN(64, value));
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" || value instanceof Uint8Array) {
    const text = typeof value === "string" ? value : new TextDecoder("latin1").decode(value);
    const numeric = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text);
    return numeric ? Math.trunc(Number(numeric[0].trim())) || 0 : 0;
  }
  return value === null || value === undefined ? 0 : 1;
}

/**
 * `msg_set_queue(SysvMessageQueue $queue, array $data): bool` — changes whichever of `msg_perm.uid`,
 * `msg_perm.gid`, `msg_perm.mode`, `msg_qbytes` `$data` has (PHP int conversion; other keys ignored).
 * `true` on success, `false` (no warning) otherwise.
 *
 * @example
 * ```ts
 * msg_set_queue(queue, { "msg_perm.mode": 0o600, msg_qbytes: 4096 });
 * ```
 */
export function msg_set_queue(queue: SysvMessageQueue, data: Record<string, unknown>): boolean {
  const io = queueArg("msg_set_queue", queue);
  if (data === null || typeof data !== "object") {
    throw new TypeError(`msg_set_queue(): Argument #2 ($data) must be of type array, ${phpTypeName(data)} given`);
  }
  const field = (name: string) => (Object.hasOwn(data, name) ? phpIntval(data[name]) : undefined);
  return trySetQueue(io.id, {
    uid: field("msg_perm.uid"), gid: field("msg_perm.gid"), mode: field("msg_perm.mode"), maxBytes: field("msg_qbytes"),
  }) === 0;
}

/**
 * `msg_queue_exists(int $key): bool` — `msgget($key, 0) >= 0`. As in PHP 8.2, key 0 (IPC_PRIVATE)
 * gives `true` and leaves a new private queue behind each call.
 *
 * @example
 * ```ts
 * if (!msg_queue_exists(key)) console.log("no queue yet");
 * ```
 */
export function msg_queue_exists(key: PhpIntArg): boolean {
  return libc.msgget(toKey(intArg("msg_queue_exists", 1, "key", key)), 0) >= 0;
}

/**
 * `msg_remove_queue(SysvMessageQueue $queue): bool` — IPC_RMID; `false` (no warning) if it fails, e.g. the
 * second time. Waiters in other processes wake with EIDRM.
 *
 * @example
 * ```ts
 * msg_remove_queue(queue); // true
 * ```
 */
export function msg_remove_queue(queue: SysvMessageQueue): boolean {
  return libc.msgctl(queueArg("msg_remove_queue", queue).id, IPC_RMID, null) === 0;
}
