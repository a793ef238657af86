/**
 * The `struct msgbuf` of one queue handle, reused by every call: `long mtype` (int64 LE) at 0, then the
 * payload (`mtext`). Eight-byte aligned, grown on demand, never shrunk, so the hot path allocates nothing
 * but the result.
 *
 * @example
 * ```ts
 * const buf = new MessageBuffer(64);
 * buf.setType(7);
 * buf.bytes.set(payload, 8); // libc.msgsnd(id, buf.bytes, payload.length, 0)
 * buf.type;                  // 7
 * ```
 * @module
 */

/** A message type as JS holds it: a number, or a bigint beyond 2^53. */
export type MessageType = number | bigint;

const TWO_32 = 4294967296;

/** An aligned `{ mtype; mtext[capacity] }` buffer. */
export class MessageBuffer {
  /** mtype (8 bytes) followed by the payload area. */
  bytes: Uint8Array;
  #words: Uint32Array;

  constructor(capacity = 0) {
    this.bytes = MessageBuffer.#allocate(capacity);
    this.#words = new Uint32Array(this.bytes.buffer, 0, 2);
  }

  static #allocate(capacity: number): Uint8Array {
    return new Uint8Array(new BigInt64Array(1 + Math.ceil(capacity / 8)).buffer);
  }

  /** Payload bytes the buffer can hold. */
  get capacity(): number {
    return this.bytes.byteLength - 8;
  }

  /** Makes room for `capacity` payload bytes (the content is not kept). */
  ensure(capacity: number): void {
    if (capacity <= this.bytes.byteLength - 8) return;
    this.bytes = MessageBuffer.#allocate(Math.max(capacity, this.capacity * 2));
    this.#words = new Uint32Array(this.bytes.buffer, 0, 2);
  }

  /**
   * Writes `mtype`: an integer within int64 (callers check the range first, see `options.ts`); anything
   * else is a RangeError here too, never a wrapped type.
   */
  setType(type: MessageType): void {
    if (typeof type === "number" && type >= 0 && type < TWO_32 && Number.isInteger(type)) {
      this.#words[0] = type;
      this.#words[1] = 0;
      return;
    }
    const wide = typeof type === "bigint" ? type : Number.isInteger(type) ? BigInt(type) : undefined;
    if (wide === undefined || BigInt.asIntN(64, wide) !== wide) throw new RangeError(`a message type must be an integer within int64, got ${type}`);
    new DataView(this.bytes.buffer).setBigInt64(0, wide, true);
  }

  /** Reads `mtype`: a number when it is a safe integer, a bigint otherwise. */
  get type(): MessageType {
    const low = this.#words[0]!, high = this.#words[1]! | 0;
    if (high === 0) return low;
    if (high >= -0x200000 && high < 0x200000) return high * TWO_32 + low;
    return new DataView(this.bytes.buffer).getBigInt64(0, true);
  }
}
