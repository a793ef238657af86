/**
 * How channel values become frame payloads: PHP `serialize()` bytes by default (a PHP peer reads them
 * with `unserialize()`), JSON text, or raw bytes.
 *
 * @example
 * ```ts
 * import { channelCodec } from "bun-sysv";
 * const php = channelCodec("php");
 * php.decode(php.encode({ a: 1 })); // Map or object as unserialize gives: { a: 1 }
 * channelCodec("raw").encode("héllo"); // UTF-8 bytes
 * ```
 * @module
 */
import { unserialize } from "../serialize/decode.ts";
import { serialize } from "../serialize/encode.ts";

/** Turns values into payload bytes and back. */
export interface ChannelCodec {
  encode(value: unknown): Uint8Array;
  decode(payload: Uint8Array): unknown;
}

/** A codec by name: `"php"` (serialize format, the default), `"json"` or `"raw"` (bytes; strings sent as UTF-8). */
export type ChannelFormat = "php" | "json" | "raw";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function rawBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`a raw channel sends Uint8Array or string, got ${value === null ? "null" : typeof value}`);
}

const CODECS: Record<ChannelFormat, ChannelCodec> = {
  php: { encode: serialize, decode: (payload) => unserialize(payload) },
  json: {
    encode: (value) => utf8.encode(JSON.stringify(value) ?? "null"),
    decode: (payload) => JSON.parse(fromUtf8.decode(payload)),
  },
  raw: { encode: rawBytes, decode: (payload) => payload },
};

/** The codec for a format name, or the given codec itself. */
export function channelCodec(format: ChannelFormat | ChannelCodec = "php"): ChannelCodec {
  if (typeof format !== "string") return format;
  const codec = CODECS[format];
  if (!codec) throw new TypeError(`unknown channel format "${String(format)}" (php, json or raw)`);
  return codec;
}
