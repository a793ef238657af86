/**
 * Message values ⇄ payload bytes: PHP `serialize()` format (the library's serialize codec) or raw
 * bytes ({@link scalarBytes}; received raw payloads follow the PHP-string rule of `bytes.ts`).
 *
 * @example
 * ```ts
 * encodePayload([1, 2], true);       // bytes of a:2:{i:0;i:1;i:1;i:2;}
 * encodePayload("hi", false);        // bytes of hi
 * decodePayload(bytes, false);       // "hi" (or a Uint8Array when not UTF-8)
 * ```
 * @module
 */
import { bytesToPhpString } from "../bytes.ts";
import { UnserializeError } from "../errors.ts";
import { serialize, unserialize, type UnserializeOptions } from "../serialize/index.ts";
import type { MessageType } from "./buffer.ts";
import { UndecodableMessageError } from "./errors.ts";
import type { ReceiveOptions } from "./options.ts";
import { scalarBytes, type RawScalar } from "./scalar.ts";

/**
 * The payload of `value`: `serialize(value)` when `serialized`, otherwise its raw bytes (TypeError for
 * values without a raw form: null, arrays, objects).
 */
export function encodePayload(value: unknown, serialized: boolean): Uint8Array {
  return serialized ? serialize(value) : scalarBytes(value as RawScalar);
}

/**
 * The value of payload `bytes`: `unserialize` (UnserializeError if they are not a PHP serialization;
 * `true` = default options) or, for `false`, the PHP string (text when valid UTF-8, else a copy of the bytes).
 */
export function decodePayload(bytes: Uint8Array, unserialized: boolean | UnserializeOptions): unknown {
  if (unserialized === false) return bytesToPhpString(bytes.slice());
  return unserialized === true ? unserialize(bytes) : unserialize(bytes, unserialized);
}

/** What {@link decodeMessage} returns for a message it reported to `onUndecodable` (the caller receives again). */
export const SKIPPED: unique symbol = Symbol("skipped");

/**
 * The value of a received message's payload, per the receive's options. A payload that does not
 * unserialize becomes an {@link UndecodableMessageError} (with the message's type and a copy of its
 * bytes): thrown, or, with `options.onUndecodable`, given to that callback, and then {@link SKIPPED} is
 * returned. Errors other than unserialize failures pass through unchanged.
 *
 * @example
 * ```ts
 * const value = decodeMessage("MessageQueue.receive", io, type, bytes, { onUndecodable: console.error });
 * if (value === SKIPPED) receiveAgain();
 * ```
 */
export function decodeMessage(
  call: string, where: { key: number; id: number }, type: MessageType, bytes: Uint8Array, options: ReceiveOptions | undefined,
): unknown {
  try {
    return decodePayload(bytes, options?.unserialize ?? true);
  } catch (error) {
    if (!(error instanceof UnserializeError)) throw error;
    const undecodable = new UndecodableMessageError(call, where, type, bytes.slice(), error);
    const report = options?.onUndecodable;
    if (report === undefined) throw undecodable;
    report(undecodable);
    return SKIPPED;
  }
}
