/**
 * PHP's float text in `serialize()` (`serialize_precision = -1`): the shortest digits that round-trip
 * (the same digits as JS's `Number.prototype.toString`), laid out by PHP's rules: plain notation for
 * 1e-4 <= |x| < 1e17, otherwise `1.5E+25` style; `INF`, `-INF`, `NAN`, `-0`.
 *
 * @example
 * ```ts
 * import { formatPhpFloat } from "bun-sysv";
 * formatPhpFloat(0.1 + 0.2); // "0.30000000000000004"
 * formatPhpFloat(1e17);      // "1.0E+17"
 * formatPhpFloat(-0);        // "-0"
 * ```
 * @module
 */

/**
 * Formats `x` exactly as PHP 8.2's `serialize()` writes it after `d:`.
 *
 * @example
 * ```ts
 * formatPhpFloat(1.5);     // "1.5"
 * formatPhpFloat(1e-5);    // "1.0E-5"
 * formatPhpFloat(Infinity) // "INF"
 * ```
 */
export function formatPhpFloat(x: number): string {
  const abs = x < 0 ? -x : x;
  // JS prints plain notation for 1e-7 <= |x| < 1e21, a superset of PHP's range, with the same digits.
  if (abs >= 1e-4 && abs < 1e17) return "" + x; // ("" + x is faster than String(x) in JSC)
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (x !== x) return "NAN";
  if (abs === Infinity) return x > 0 ? "INF" : "-INF";
  // Outside PHP's plain range take the digits from String(), the shortest round-trip form:
  // "1.5e-10", "1e+25", "0.00001234" or "123456789012345680000".
  const text = "" + abs;
  let digits: string;
  let exponent: number;
  const e = text.indexOf("e");
  if (e !== -1) {
    digits = text.slice(0, e).replace(".", "");
    exponent = Number(text.slice(e + 1));
  } else if (abs < 1) {
    const fraction = text.slice(2);
    const zeros = fraction.length - fraction.replace(/^0+/, "").length;
    digits = fraction.slice(zeros);
    exponent = -zeros - 1;
  } else {
    digits = text.replace(/0+$/, "");
    exponent = text.length - 1;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}.0`;
  return `${x < 0 ? "-" : ""}${mantissa}E${exponent < 0 ? "-" : "+"}${exponent < 0 ? -exponent : exponent}`;
}
