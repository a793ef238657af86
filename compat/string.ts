/**
 * PHP's view of strings for ports: `strlen` counts **bytes** (UTF-8 for a JS string), not UTF-16 units.
 * `"é".length` is 1 in JS and `strlen("é")` is 2 in PHP: size segments and buffers with `strlen`.
 *
 * @example
 * ```ts
 * import { strlen, serialize } from "bun-sysv/compat";
 * strlen("héllo"); // 6
 * strlen(serialize(["日本"])); // the bytes shm/shmop need, not serialize(...).length
 * ```
 * @module
 */
import { emit } from "./diagnostics.ts";
import { phpFloatToString } from "../src/serialize/print.ts";
import { phpTypeName } from "./types.ts";

/** UTF-8 byte length of a JS string, without building the bytes (lone surrogates count 3, as encoded). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * PHP's `strlen()`: the byte length of a string (`Uint8Array`: its length). Ints, floats and bools are
 * converted as PHP's non-strict mode does (`strlen(123)` = 3, `strlen(true)` = 1); `null` gives 0 with
 * PHP 8.1's deprecation line; arrays and objects throw PHP's TypeError.
 *
 * @example
 * ```ts
 * import { strlen } from "bun-sysv/compat";
 * strlen("€"); // 3
 * strlen(new Uint8Array(10)); // 10
 * ```
 */
export function strlen(string: unknown): number {
  if (typeof string === "string") return utf8Length(string);
  if (string instanceof Uint8Array) return string.length;
  if (typeof string === "bigint") return String(string).length;
  if (typeof string === "number") {
    return Number.isSafeInteger(string) && !Object.is(string, -0) ? String(string).length : phpFloatToString(string).length;
  }
  if (typeof string === "boolean") return string ? 1 : 0;
  if (string === null || string === undefined) {
    emit("Deprecated", "strlen", "Passing null to parameter #1 ($string) of type string is deprecated");
    return 0;
  }
  throw new TypeError(`strlen(): Argument #1 ($string) must be of type string, ${phpTypeName(string)} given`);
}
