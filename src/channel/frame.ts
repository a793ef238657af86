/**
 * The channel frame: a 4-byte unsigned big-endian payload length (PHP `pack("N", ...)`), then the
 * payload. {@link encodeFrame} builds one; {@link FrameDecoder} cuts a byte stream back into whole
 * payloads, however the stream was split, and refuses a length over its limit instead of buffering it.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "bun-sysv";
 * const frame = encodeFrame(new TextEncoder().encode("hi")); // 00 00 00 02 68 69
 * const decoder = new FrameDecoder();
 * decoder.push(frame.subarray(0, 3));
 * decoder.push(frame.subarray(3)); // [Uint8Array "hi"]
 * ```
 * @module
 */
import { ERRNO, errorFor } from "../ffi/errno.ts";

/** Bytes of the length prefix. */
export const FRAME_HEADER = 4;
/** Default largest payload a decoder accepts: 64 MiB. */
export const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;
/** Largest payload the 32-bit prefix can describe. */
const PREFIX_MAX = 0xffffffff;

/** One frame: the big-endian length of `payload`, then `payload`. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > PREFIX_MAX) {
    throw errorFor(ERRNO.E2BIG, "Channel.send", { detail: `payload of ${payload.length} bytes exceeds the 4 GiB frame limit` });
  }
  const frame = new Uint8Array(FRAME_HEADER + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, false);
  frame.set(payload, FRAME_HEADER);
  return frame;
}

/** Cuts a stream of bytes into the payloads of whole frames. */
export class FrameDecoder {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  readonly #maxFrame: number;

  /** `maxFrame`: largest payload accepted (default 64 MiB); a longer prefix throws a CorruptError. */
  constructor(maxFrame = DEFAULT_MAX_FRAME) {
    this.#maxFrame = maxFrame;
  }

  /** Bytes received that do not yet make a whole frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds bytes; returns the payloads completed by them (in order). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length === 0) return [];
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Uint8Array[] = [];
    while (this.#buffered >= FRAME_HEADER) {
      const length = this.#peekLength();
      if (length > this.#maxFrame) {
        throw errorFor(ERRNO.EBADMSG, "Channel.receive", {
          detail: `frame length ${length} exceeds the limit of ${this.#maxFrame} bytes (not a channel peer, or corrupt stream)`,
        });
      }
      if (this.#buffered < FRAME_HEADER + length) break;
      this.#take(FRAME_HEADER);
      out.push(this.#take(length));
    }
    return out;
  }

  #peekLength(): number {
    const head = this.#chunks[0]!;
    if (head.length >= FRAME_HEADER) return new DataView(head.buffer, head.byteOffset, FRAME_HEADER).getUint32(0, false);
    const four = this.#copy(FRAME_HEADER, false);
    return new DataView(four.buffer).getUint32(0, false);
  }

  #take(n: number): Uint8Array {
    return this.#copy(n, true);
  }

  /** The first `n` buffered bytes (a view when one chunk holds them), consumed when `consume`. */
  #copy(n: number, consume: boolean): Uint8Array {
    const head = this.#chunks[0];
    if (head && head.length >= n) {
      const view = head.subarray(0, n);
      if (consume) {
        if (head.length === n) this.#chunks.shift();
        else this.#chunks[0] = head.subarray(n);
        this.#buffered -= n;
      }
      return consume ? view.slice() : view;
    }
    const out = new Uint8Array(n);
    let filled = 0, i = 0;
    while (filled < n) {
      const chunk = this.#chunks[i]!;
      const part = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (consume) {
        if (part === chunk.length) { this.#chunks.shift(); continue; }
        this.#chunks[0] = chunk.subarray(part);
      } else i++;
    }
    if (consume) this.#buffered -= n;
    return out;
  }
}
