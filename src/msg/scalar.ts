/**
 * Payload bytes of a message sent without serialization, exactly as PHP 8.2's
 * `msg_send(..., serialize: false)` writes them: strings as their bytes, ints in decimal, booleans as
 * `1`/`0`, floats in C `%.6f` style with PHP's quirks (no sign on `-0.0`, `inf` for both infinities, `nan`).
 *
 * JS numbers follow the serializer's rule: a safe integer is a PHP int (`42` → `42`; use a `bigint` for
 * larger ints); any other number, and a {@link PhpFloat}, is a PHP float (`1.5` → `1.500000`, `1e300` →
 * 301 digits + `.000000`, `NaN` → `nan`, `new PhpFloat(1)` → `1.000000`). `-0` is a float (`0.000000`):
 * a PHP int has no negative zero.
 *
 * @example
 * ```ts
 * scalarBytes("hi");    // "hi"
 * scalarBytes(42);      // "42"
 * scalarBytes(0.1);     // "0.100000"
 * scalarBytes(true);    // "1"
 * ```
 * @module
 */
import { phpStringToBytes } from "../bytes.ts";
import { PhpFloat } from "../serialize/index.ts";

/** A value that has a raw (unserialized) message form. */
export type RawScalar = string | Uint8Array | number | bigint | boolean | PhpFloat;

const encoder = new TextEncoder();
const SCALE = 1_000_000n;

/** Whether a JS number is sent as a PHP int: a safe integer other than `-0` (as `serialize` decides). */
export function isPhpInt(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/**
 * `value` formatted like PHP's `%F` (C `%.6f`, exact decimal expansion, ties to even):
 * `-0.0` → `0.000000`, `-1e-9` → `-0.000000`, `±INF` → `inf`, `NAN` → `nan`.
 *
 * @example
 * ```ts
 * formatFixed6(2.0000005);   // "2.000001"
 * formatFixed6(1 / 128);     // "0.007812" (exact tie, rounded to even)
 * formatFixed6(-Infinity);   // "inf"
 * ```
 */
export function formatFixed6(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return "inf";
  const negative = value < 0;
  const magnitude = Math.abs(value);
  // magnitude = mantissa * 2^exponent exactly.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let mantissa = bits & 0xfffffffffffffn;
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  let millionths: bigint;
  if (exponent >= 0) {
    millionths = (mantissa << BigInt(exponent)) * SCALE;
  } else {
    const shift = BigInt(-exponent);
    const scaled = mantissa * SCALE;
    millionths = scaled >> shift;
    const rest = scaled - (millionths << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (millionths & 1n) === 1n)) millionths += 1n;
  }
  const whole = (millionths / SCALE).toString();
  const fraction = (millionths % SCALE).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/**
 * The raw payload of `value` (see the module notes). Throws TypeError for anything else.
 *
 * @example
 * ```ts
 * scalarBytes(-9223372036854775808n); // "-9223372036854775808"
 * ```
 */
export function scalarBytes(value: RawScalar): Uint8Array {
  switch (typeof value) {
    case "string": return encoder.encode(value);
    case "boolean": return encoder.encode(value ? "1" : "0");
    case "bigint":
      if (BigInt.asIntN(64, value) !== value) throw new RangeError(`${value} does not fit in a PHP int (int64)`);
      return encoder.encode(value.toString());
    case "number":
      return encoder.encode(isPhpInt(value) ? String(value) : formatFixed6(value));
    default:
      if (value instanceof Uint8Array) return phpStringToBytes(value);
      if (value instanceof PhpFloat) return encoder.encode(formatFixed6(value.value));
      throw new TypeError(`a raw message must be a string, Uint8Array, number, bigint, boolean or PhpFloat, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}
