/**
 * PHP's argument typing and value printing in the compat layer (internal, not re-exported): the type name
 * PHP's TypeErrors print, PHP's coercion of an `int` parameter, and keys in hex as PHP's warnings print them.
 * One copy for every compat module.
 *
 * @example
 * ```ts
 * phpTypeName([1, 2]);        // "array"
 * phpTypeName(1.5);           // "float"
 * intArg("shmop_read", 2, "offset", "x"); // TypeError: shmop_read(): Argument #2 ($offset) must be of type int, string given
 * ```
 * @module
 */
import { PhpCustom, PhpEnum, PhpFloat, PhpObject } from "../src/serialize/index.ts";

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

/** True for the JS values that stand for a PHP array: arrays, `Map`s and plain objects. */
export function isPhpArray(value: unknown): value is unknown[] | Record<string, unknown> | Map<unknown, unknown> {
  if (Array.isArray(value) || value instanceof Map) return true;
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A PHP `int` parameter under PHP's coercive typing: integer numbers and bigints (wrapped to int64), and
 * booleans as 0/1; anything else is PHP's TypeError naming the function, position and parameter.
 */
export function intArg(fn: string, position: number, name: string, value: unknown): number | bigint {
  if (typeof value === "bigint") return BigInt.asIntN(64, value);
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new TypeError(`${fn}(): Argument #${position} ($${name}) must be of type int, ${phpTypeName(value)} given`);
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
