/**
 * Options of sends and receives, their validation, and the type selection rule of msgrcv (used for
 * messages held back after an abort, see `queue.ts`).
 *
 * @example
 * ```ts
 * receiveFlags({ truncate: true, except: true }); // MSG_NOERROR | MSG_EXCEPT
 * selects(-4, false, 3);                          // true: type 3 <= 4
 * ```
 * @module
 */
import { MSG_EXCEPT, MSG_NOERROR } from "../ffi/constants.ts";
import type { UnserializeOptions } from "../serialize/index.ts";
import type { MessageType } from "./buffer.ts";
import type { UndecodableMessageError } from "./errors.ts";

/** Options of a send. */
export interface SendOptions {
  /** Payload = PHP `serialize()` of the value (default). `false`: raw bytes (see `scalarBytes`). */
  serialize?: boolean;
  /** Wait while the queue is full (default). `false`: fail at once with a BusyError (EAGAIN). */
  wait?: boolean;
  /** Longest wait in ms while the queue is full: `undefined` = forever, `0` = don't wait. */
  timeout?: number;
  /** Cancels a waiting send (async forms only). A send that already happened is reported as sent. */
  signal?: AbortSignal;
}

/** Options of a receive. */
export interface ReceiveOptions {
  /** `0` (default): the first message; `> 0`: the first of exactly this type; `< 0`: the lowest type <= |type|. */
  type?: MessageType;
  /** With a positive `type`: the first message of any *other* type (MSG_EXCEPT). */
  except?: boolean;
  /** Cut a message longer than `maxSize` to `maxSize` bytes instead of failing with E2BIG (MSG_NOERROR). */
  truncate?: boolean;
  /** Largest payload accepted, in bytes (default: the kernel's msgmax). */
  maxSize?: number;
  /** Longest wait in ms: `undefined` = forever, `0` = don't wait (BusyError when nothing matches). */
  timeout?: number;
  /** Cancels a waiting receive (async forms only); a message taken meanwhile is not lost (see docs/msg.md). */
  signal?: AbortSignal;
  /**
   * Unserialize the payload (default; pass `UnserializeOptions` such as `{ allowedClasses: [] }` to tune it),
   * or `false`: give it as a PHP string (text if valid UTF-8, else the bytes).
   */
  unserialize?: boolean | UnserializeOptions;
  /**
   * What to do with a message whose payload does not unserialize (it is off the queue either way).
   * Not set (default): the receive throws an {@link UndecodableMessageError} carrying the message's type
   * and bytes (a `for await` loop ends with it). Set: the error is given to this callback and the receive
   * goes on with the next message (within what is left of `timeout`), so a consumer survives garbage.
   */
  onUndecodable?: (error: UndecodableMessageError) => void;
}

/** A received message: its type and its value. */
export interface Message<T = unknown> {
  type: MessageType;
  value: T;
}

/** A received message as raw payload bytes. */
export interface RawMessage {
  type: MessageType;
  bytes: Uint8Array;
}

/** Kernel msgrcv flags for `options` (without IPC_NOWAIT). */
export function receiveFlags(options: ReceiveOptions): number {
  return (options.truncate ? MSG_NOERROR : 0) | (options.except ? MSG_EXCEPT : 0);
}

/** Throws RangeError unless `timeout` is `undefined` or a finite number >= 0. */
export function checkTimeout(timeout: number | undefined): void {
  if (timeout !== undefined && !(timeout >= 0 && Number.isFinite(timeout))) {
    throw new RangeError(`timeout must be a number of milliseconds >= 0 (or undefined to wait forever), got ${timeout}`);
  }
}

/** 2^63 as a double: every integral number below it fits the kernel's `long` (the largest is 2^63 - 1024). */
const TWO_63 = 9223372036854775808;
const INT64_MAX = 0x7fffffffffffffffn;

/**
 * Whether `type` is an integer the kernel's 64-bit `long` holds: a number in [-2^63, 2^63) with no
 * fraction, or a bigint in int64. The one rule behind {@link checkSendType}, {@link checkReceiveType}
 * and compat's PHP-int check of message types (numbers past 2^63 used to wrap like a C cast).
 *
 * @example
 * ```ts
 * isInt64(2 ** 63 - 1024); // true
 * isInt64(2 ** 64 + 4096); // false (it used to be sent as type 4096)
 * isInt64(1.5);            // false
 * ```
 */
export function isInt64(type: unknown): type is MessageType {
  if (typeof type === "number") return Number.isInteger(type) && type < TWO_63 && type >= -TWO_63;
  return typeof type === "bigint" && BigInt.asIntN(64, type) === type;
}

function typeError(call: string, what: string, range: string, type: unknown): Error {
  if (typeof type !== "number" && typeof type !== "bigint") {
    return new TypeError(`${call}: ${what} must be a number or a bigint, got ${type === null ? "null" : typeof type}`);
  }
  const shown = typeof type === "bigint" ? `${type}n` : Object.is(type, -0) ? "-0" : String(type);
  return new RangeError(`${call}: ${what} must be an integer from ${range}, got ${shown}`);
}

/**
 * Throws unless `type` can be a message's type: an integer from 1 to 2^63-1 (number or bigint; a number
 * can be at most 2^63-1024, the largest double below 2^63). RangeError naming `call` and the range;
 * TypeError for anything but a number or bigint.
 *
 * @example
 * ```ts
 * checkSendType(2 ** 64 + 4096, "MessageQueue.sendSync"); // RangeError: ... from 1 to 2^63-1 ...
 * ```
 */
export function checkSendType(type: MessageType, call: string): void {
  if (typeof type === "number" ? type >= 1 && type < TWO_63 && Number.isInteger(type) : typeof type === "bigint" && type >= 1n && type <= INT64_MAX) return;
  throw typeError(call, "a message type", "1 to 2^63-1 (9223372036854775807)", type);
}

/**
 * Throws unless `type` can select messages in a receive: an integer the kernel's `long` holds,
 * -2^63 to 2^63-1 (number or bigint). RangeError naming `call` and the range; TypeError for anything but
 * a number or bigint. (-2^63, which has no positive counterpart, selects as -(2^63-1) does: any type.)
 *
 * @example
 * ```ts
 * checkReceiveType(2 ** 64, "MessageQueue.receiveSync"); // RangeError (it used to take any type)
 * ```
 */
export function checkReceiveType(type: MessageType, call: string): void {
  if (!isInt64(type)) throw typeError(call, "a receive type", "-2^63 to 2^63-1", type);
}

/** Whether msgrcv with selector `type` (and MSG_EXCEPT if `except`) takes a message of type `actual`. */
export function selects(type: MessageType, except: boolean, actual: MessageType): boolean {
  const wanted = BigInt(type), got = BigInt(actual);
  if (wanted === 0n) return true;
  if (wanted > 0n) return except ? got !== wanted : got === wanted;
  return got <= -wanted;
}
