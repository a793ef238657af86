/**
 * PHP's argument typing and value printing in the compat layer: the type name PHP's TypeErrors print,
 * PHP's coercive-mode conversion of `int`, `string` and `bool` parameters (one helper each, used by every
 * compat function), and keys in hex as PHP's warnings print them. Only the argument and value types
 * (`PhpIntArg`, `PhpStringArg`, `PhpBoolArg`, `PhpMixed`) are re-exported by `bun-sysv/compat`.
 *
 * @example
 * ```ts
 * phpTypeName([1, 2]);        // "array"
 * phpTypeName(1.5);           // "float"
 * intArg("shmop_read", 2, "offset", "x"); // TypeError: shmop_read(): Argument #2 ($offset) must be of type int, string given
 * intArg("msg_get_queue", 1, "key", "12345678"); // 12345678, as PHP's non-strict mode
 * stringArg("ftok", 1, "filename", 123);        // "123"
 * ```
 * @module
 */
import { formatPhpFloat, isPhpArray, PhpCustom, PhpEnum, PhpFloat, PhpObject } from "../src/serialize/index.ts";

/** True for the JS values that stand for a PHP array (the one rule, from `src/serialize`). */
export { isPhpArray };
import { emit } from "./diagnostics.ts";

/**
 * The PHP type a JS value stands for, as PHP's TypeErrors name it: `null`, `bool`, `int`, `float`,
 * `string`, `array`, `Closure`, or a class name (PHP objects, enums and the compat handle classes).
 * Numbers follow the serializer's rule: a safe integer other than -0 is an `int`, any other number a `float`.
 */
export function phpTypeName(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean": return "bool";
    case "bigint": return "int";
    case "number": return Number.isSafeInteger(value) && !Object.is(value, -0) ? "int" : "float";
    case "string": return "string";
    case "function": return "Closure";
  }
  if (value instanceof Uint8Array) return "string";
  if (value instanceof PhpFloat) return "float";
  if (value instanceof PhpObject || value instanceof PhpEnum || value instanceof PhpCustom) return value.className;
  if (isPhpArray(value)) return "array";
  return (value as object).constructor?.name ?? "object";
}

/**
 * PHP's `mixed` in compat signatures (what `shm_get_var`, `unserialize` and a received message hold): typed
 * `any` on purpose, so a port does with it what the PHP code did (`shm_get_var($shm, 1) + 1`,
 * `$message['task_id']`) without casts. The idiomatic API (`SharedVariables.get<T>()`, `receive<T>()`) is the
 * typed one.
 */
export type PhpMixed = any;

/** What PHP's coercive (non-strict) mode accepts for an `int` parameter: ints, integral floats, numeric strings, bools (null: deprecated, 0). */
export type PhpIntArg = number | bigint | string | boolean | null;
/** What PHP's coercive mode accepts for a `string` parameter: strings, and ints/floats/bools turned into their PHP text. */
export type PhpStringArg = string | Uint8Array | number | bigint | boolean | null;
/** What PHP's coercive mode accepts for a `bool` parameter: bools and any scalar, by PHP's truthiness (`"0"` is false). */
export type PhpBoolArg = boolean | number | bigint | string | null;

const INT64_MIN = -(2 ** 63);
/** PHP's whitespace around a numeric string (` \t\n\r\v\f`). */
const NUMERIC = /^[ \t\n\r\v\f]*([+-]?(?:(\d+)|\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+|\.\d+[eE][+-]?\d+))[ \t\n\r\v\f]*$/;

function typeError(fn: string, position: number, name: string, type: string, value: unknown): TypeError {
  return new TypeError(`${fn}(): Argument #${position} ($${name}) must be of type ${type}, ${phpTypeName(value)} given`);
}

function nullDeprecated(fn: string, position: number, name: string, type: string): void {
  emit("Deprecated", fn, `Passing null to parameter #${position} ($${name}) of type ${type} is deprecated`);
}

/** An int64 as a JS value: a number when it is safe, else a bigint. */
function intValue(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** A PHP float given to an `int` parameter: whole and in range, or truncated with PHP's deprecation; `null` when it does not fit. */
function floatToInt(x: number, describe: () => string): number | bigint | null {
  if (!Number.isFinite(x) || x < INT64_MIN || x >= 2 ** 63) return null;
  if (!Number.isInteger(x)) {
    emit("Deprecated", "", `Implicit conversion from ${describe()} to int loses precision`);
    x = Math.trunc(x);
  }
  return Number.isSafeInteger(x) ? x + 0 : BigInt(x); // + 0 turns -0 into 0
}

/** The text of a PHP string argument (a `Uint8Array` read byte by byte, as PHP's numeric checks do). */
function latin1(value: string | Uint8Array): string {
  return typeof value === "string" ? value : new TextDecoder("latin1").decode(value);
}

/**
 * A PHP `int` parameter under PHP's coercive typing (non-strict mode), as PHP 8.2 does it: ints as they
 * are (a bigint wraps to int64); a float that is whole and fits int64 (a fractional one is truncated after
 * PHP's `Deprecated: Implicit conversion from float 1.5 to int loses precision`); a numeric string
 * (`"12345678"`, `" 42 "`, `"1e3"`; `"1.5"` deprecated like a float); a bool as 0/1; `null` as 0 after PHP's
 * "Passing null" deprecation. Anything else is PHP's TypeError naming the function, position, parameter
 * and PHP's type of the value (`string`, `float`, `array`, a class name). Returns a number when it is a
 * safe integer, else a bigint.
 *
 * @example
 * ```ts
 * intArg("msg_get_queue", 1, "key", "12345678"); // 12345678
 * intArg("msg_get_queue", 1, "key", "12abc");    // TypeError: msg_get_queue(): Argument #1 ($key) must be of type int, string given
 * ```
 */
export function intArg(fn: string, position: number, name: string, value: unknown): number | bigint {
  switch (typeof value) {
    case "bigint": return intValue(BigInt.asIntN(64, value));
    case "boolean": return value ? 1 : 0;
    case "number": {
      if (Number.isSafeInteger(value)) return value + 0;
      const n = floatToInt(value, () => `float ${formatPhpFloat(value)}`);
      if (n === null) throw typeError(fn, position, name, "int", value);
      return n;
    }
    case "undefined": nullDeprecated(fn, position, name, "int"); return 0;
  }
  if (value === null) {
    nullDeprecated(fn, position, name, "int");
    return 0;
  }
  if (typeof value === "string" || value instanceof Uint8Array) {
    const text = latin1(value);
    const match = NUMERIC.exec(text);
    if (match) {
      if (match[2] !== undefined) { // an integer string: exact, unless it overflows int64 (then it is a float)
        const n = BigInt(match[1]!);
        if (n === BigInt.asIntN(64, n)) return intValue(n);
      }
      const n = floatToInt(Number(match[1]!), () => `float-string "${text}"`);
      if (n !== null) return n;
    }
  }
  throw typeError(fn, position, name, "int", value);
}

/**
 * A PHP `int` parameter (see {@link intArg}) as a JS number, for sizes, offsets, flags and modes
 * (an int64 beyond 2^53 keeps its nearest double, as the kernel's int and size fields are narrower anyway).
 */
export function intNumberArg(fn: string, position: number, name: string, value: unknown): number {
  return Number(intArg(fn, position, name, value));
}

/**
 * A PHP `bool` parameter under coercive typing: bools as they are, scalars by PHP's truthiness (`0`,
 * `0.0`, `""` and `"0"` are false; NAN is true), `null` false after PHP's deprecation; arrays and objects
 * are PHP's TypeError.
 *
 * @example
 * ```ts
 * boolArg("msg_send", 4, "serialize", "0"); // false, as in PHP
 * ```
 */
export function boolArg(fn: string, position: number, name: string, value: unknown): boolean {
  switch (typeof value) {
    case "boolean": return value;
    case "number": return value !== 0;
    case "bigint": return value !== 0n;
    case "string": return value !== "" && value !== "0";
    case "undefined": nullDeprecated(fn, position, name, "bool"); return false;
  }
  if (value === null) {
    nullDeprecated(fn, position, name, "bool");
    return false;
  }
  if (value instanceof Uint8Array) return !(value.length === 0 || (value.length === 1 && value[0] === 0x30));
  throw typeError(fn, position, name, "bool", value);
}

/**
 * A PHP `string` parameter under coercive typing: strings and `Uint8Array`s as they are; ints in decimal,
 * floats as PHP prints them (`precision` 14: `1.5`, `0.3`, `1.0E+25`, `-0`, `INF`), bools as `"1"`/`""`,
 * `null` as `""` after PHP's deprecation; arrays and objects are PHP's TypeError.
 *
 * @example
 * ```ts
 * stringArg("ftok", 1, "filename", 123); // "123"
 * ```
 */
export function stringArg(fn: string, position: number, name: string, value: unknown): string | Uint8Array {
  switch (typeof value) {
    case "string": return value;
    case "bigint": return String(BigInt.asIntN(64, value));
    case "boolean": return value ? "1" : "";
    case "number": return Number.isSafeInteger(value) ? String(value + 0) : phpFloatText(value);
    case "undefined": nullDeprecated(fn, position, name, "string"); return "";
  }
  if (value === null) {
    nullDeprecated(fn, position, name, "string");
    return "";
  }
  if (value instanceof Uint8Array) return value;
  throw typeError(fn, position, name, "string", value);
}

/** A float as PHP's string conversion prints it (`precision` = 14, `%.14G` with PHP's `1.0E+25` layout). */
export function phpFloatText(x: number): string {
  if (Number.isNaN(x)) return "NAN";
  if (!Number.isFinite(x)) return x > 0 ? "INF" : "-INF";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const rounded = Number(x.toPrecision(14));
  const abs = Math.abs(rounded);
  if (abs >= 1e-4 && abs < 1e14) return String(rounded);
  const [mantissa = "", exponent = ""] = rounded.toExponential().split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${exponent.startsWith("-") ? exponent : `+${exponent.replace("+", "")}`}`;
}

/**
 * A key as PHP's warnings print a PHP int with `%lx` (sysvshm, sysvmsg, `sem_get`): 64-bit two's
 * complement, lowercase, no padding (`-1` → `ffffffffffffffff`).
 */
export function hexKey(key: number | bigint): string {
  return BigInt.asUintN(64, BigInt(key)).toString(16);
}

/** A `key_t` as PHP's warnings print it with `%x` (`sem_acquire`, `sem_release`, `sem_remove`, `shm_remove`). */
export function hexKeyT(key: number): string {
  return (key >>> 0).toString(16);
}
