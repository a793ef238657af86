/**
 * PHP's `serialize()` and `unserialize()` with PHP 8.2's return values and diagnostics: `false`
 * plus `Notice: unserialize(): Error at offset X of Y bytes` on bad input, PHP's TypeError and
 * ValueError texts for bad options. The bytes are written and read by `src/serialize`.
 *
 * @example
 * ```ts
 * import { serialize, unserialize } from "bun-sysv/compat";
 * serialize({ a: 1 });        // 'a:1:{s:1:"a";i:1;}'
 * unserialize('i:5;garbage'); // 5 (PHP 8.2 ignores trailing bytes)
 * unserialize("b:2;");        // false, Notice: unserialize(): Error at offset 0 of 4 bytes
 * ```
 * @module
 */

import { bytesToPhpString } from "../src/bytes.ts";
import type { PhpString } from "../src/bytes.ts";
import { UnserializeError } from "../src/errors.ts";
import { PhpEnum, PhpObject, serialize as encode, unserialize as decode } from "../src/serialize/index.ts";
import type { UnserializeOptions, UnserializeWarning } from "../src/serialize/index.ts";
import { emit, ValueError } from "./diagnostics.ts";
import { isPhpArray, phpTypeName, stringArg, type PhpMixed, type PhpStringArg } from "./types.ts";

/**
 * PHP's `Exception` (thrown by `serialize()` for closures), as a JS error named `"Exception"`.
 *
 * @example
 * ```ts
 * import { PhpException, serialize } from "bun-sysv/compat";
 * try { serialize(() => 1); } catch (e) { e instanceof PhpException; } // "Serialization of 'Closure' is not allowed"
 * ```
 */
export class PhpException extends Error {
  override name = "Exception";
}

/** The options array of PHP's `unserialize()`. */
export interface PhpUnserializeOptions {
  /** `true` (default), `false`, or the class names to allow (others become `__PHP_Incomplete_Class`). */
  allowed_classes?: unknown;
  /** Deepest nesting allowed; 0 = unlimited; default 4096 (`unserialize_max_depth`). */
  max_depth?: unknown;
}

/**
 * PHP's `serialize()`: the bytes as a PHP string in JS (text when valid UTF-8, otherwise a
 * `Uint8Array`). A function throws PHP's `Exception: Serialization of 'Closure' is not allowed`.
 *
 * @example
 * ```ts
 * serialize([1, "two", 3.5]); // 'a:3:{i:0;i:1;i:1;s:3:"two";i:2;d:3.5;}'
 * ```
 */
export function serialize(value: unknown): PhpString {
  try {
    return bytesToPhpString(encode(value));
  } catch (e) {
    if (e instanceof TypeError && containsFunction(value, new Set())) throw new PhpException("Serialization of 'Closure' is not allowed");
    throw e;
  }
}

/**
 * PHP's `unserialize()`: the value, or `false` with PHP's notice when `data` is not a valid
 * serialization (empty input: `false` silently). Non-list arrays become plain objects, objects
 * {@link PhpObject}. Differences from PHP: no class is ever instantiated (every `O:` is a
 * `PhpObject`, every `E:` a `PhpEnum` even if PHP would not know the enum), and a `C:` payload is
 * kept rather than dropped with "Class ... has no unserializer".
 *
 * @example
 * ```ts
 * unserialize('a:1:{s:1:"x";d:0.5;}');                  // { x: 0.5 }
 * unserialize('O:3:"Foo":0:{}', { allowed_classes: false }); // PhpIncompleteObject
 * unserialize("i:1;", { max_depth: -1 });               // throws ValueError
 * ```
 */
export function unserialize(data: PhpStringArg, options: PhpUnserializeOptions = {}): PhpMixed {
  data = stringArg("unserialize", 1, "data", data);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  if (bytes.length === 0) return false;
  const settings: UnserializeOptions = {
    allowedClasses: allowedClasses(options.allowed_classes),
    maxDepth: maxDepth(options.max_depth),
    onWarning: report,
  };
  try {
    return decode(bytes, settings);
  } catch (e) {
    if (!(e instanceof UnserializeError)) throw e;
    emit("Notice", "unserialize", `Error at offset ${e.offset} of ${e.length} bytes`);
    return false;
  }
}

function report(warning: UnserializeWarning): void {
  emit(warning.level, warning.bare ? "" : "unserialize", warning.message);
}

function allowedClasses(option: unknown): boolean | string[] | undefined {
  if (option === undefined || typeof option === "boolean") return option;
  if (!isPhpArray(option)) {
    throw new TypeError(`unserialize(): Option "allowed_classes" must be of type array|bool, ${phpTypeName(option)} given`);
  }
  const names: string[] = [];
  for (const entry of option instanceof Map ? option.values() : Object.values(option)) {
    if (isPhpArray(entry)) {
      emit("Warning", "", "Array to string conversion");
      names.push("Array");
    } else {
      names.push(entry === null || entry === undefined || entry === false ? "" : entry === true ? "1" : String(entry));
    }
  }
  return names;
}

function maxDepth(option: unknown): number | undefined {
  if (option === undefined) return undefined;
  const isInt = (typeof option === "number" && Number.isInteger(option)) || typeof option === "bigint";
  if (!isInt) throw new TypeError(`unserialize(): Option "max_depth" must be of type int, ${phpTypeName(option)} given`);
  if (Number(option) < 0) throw new ValueError('unserialize(): Option "max_depth" must be greater than or equal to 0');
  return Number(option);
}

function containsFunction(value: unknown, seen: Set<unknown>): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  const children = value instanceof Map ? [...value.values()] : value instanceof PhpObject ? value.properties.map((p) => p.value) : Object.values(value);
  return children.some((child) => containsFunction(child, seen));
}
