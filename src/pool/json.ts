/**
 * JSON batches between the pool and its Bun workers (message type {@link POOL_JSON_TYPE} in `protocol.ts`).
 * The engine's native `JSON.stringify`/`JSON.parse` need no JIT warm-up, where PHP `serialize()` written in
 * JS does (docs/pool.md, fourth round): a batch travels as JSON only when every value in it comes out of
 * JSON exactly as it comes out of `unserialize(serialize(value))` ({@link jsonExact}), so a handler cannot
 * tell which way its task came. Anything else (Maps, bytes, bigints, `-0`, `NaN`, `undefined`, empty or
 * int-keyed objects, PHP objects, lone surrogates) travels in PHP serialize, as before.
 *
 * @example
 * ```ts
 * import { jsonExact } from "./json.ts";
 * jsonExact({ value: 1, name: "ann" }); // true
 * jsonExact({ 0: "a" });               // false: PHP makes it the list ["a"]
 * ```
 * @module
 */

import { isCanonicalIntString } from "../serialize/keys.ts";
import { runStart } from "./protocol.ts";

/** Deepest nesting checked: deeper values (and cycles) travel in PHP serialize. */
const MAX_DEPTH = 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether `value` survives a JSON round trip as it survives PHP `serialize()` + `unserialize()`: null,
 * booleans, finite numbers but `-0`, well-formed strings, non-empty arrays without holes or `undefined`,
 * and non-empty plain objects with no int-like key (PHP turns `{ "0": x }` into a list and `{}` into `[]`).
 *
 * @example
 * ```ts
 * jsonExact([1, "two", { three: 3 }]); // true
 * jsonExact(new Map());                // false
 * ```
 */
export function jsonExact(value: unknown): boolean {
  return prototypesClean() && exact(value, 0);
}

/**
 * {@link jsonExact} for many values in a row: `prototypesClean()` once, then `exactValue(value)` for each.
 *
 * @example
 * ```ts
 * const clean = prototypesClean();
 * const all = clean && tasks.every(exactValue);
 * ```
 */
export function exactValue(value: unknown): boolean {
  return exact(value, 0);
}

/** No inherited enumerable key on Object.prototype: serialize walks such a key, JSON does not (see {@link exactValue}). */
export function prototypesClean(): boolean {
  for (const _ in Object.prototype) return false;
  return true;
}

function exact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "number":
      return value - value === 0 && (value !== 0 || 1 / value > 0); // finite, not -0
    case "string":
      return value.isWellFormed();
    case "boolean":
      return true;
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        const length = value.length;
        if (length === 0) return Object.getPrototypeOf(value) === Array.prototype;
        for (let i = 0; i < length; i++) if (!exact(value[i], depth + 1)) return false;
        return Object.getPrototypeOf(value) === Array.prototype;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      let count = 0;
      for (const key in value) {
        const c = key.charCodeAt(0); // an int-like key starts with a digit or "-"
        if (((c <= 0x39 && (c >= 0x30 || c === 0x2d)) && isCanonicalIntString(key)) || key === "__proto__") return false;
        if (!exact((value as Record<string, unknown>)[key], depth + 1)) return false;
        count++;
      }
      return count > 0;
    }
    default:
      return false; // undefined, bigint, function, symbol
  }
}

/**
 * Writes `JSON.stringify(value)` as UTF-8 into `bytes` from `start`: the end position, or -1 if it does
 * not fit before `limit` (nothing else is wrong: the caller checked {@link jsonExact}).
 */
export function writeJson(value: unknown, bytes: Uint8Array, start: number, limit: number): number {
  const text = JSON.stringify(value);
  if (text.length > limit - start) return -1; // UTF-8 has at least as many bytes as UTF-16 units
  const { read, written } = encoder.encodeInto(text, bytes.subarray(start, limit));
  return read < text.length ? -1 : start + written;
}

/** The value of a JSON payload as it travels (a run batch keeps `first`), or `undefined` when it is not valid UTF-8 JSON. */
export function parseJson(bytes: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse(decoder.decode(bytes.subarray(start, end)));
  } catch {
    return undefined;
  }
}

/**
 * The value of a JSON batch payload, or `undefined` when it is not valid UTF-8 JSON (not ours: garbage). A
 * batch whose ids are a run travels as `"first": n` instead of `"ids": [n, n + 1, ...]` (half of a result
 * message's bytes): `ids` is filled in here, so readers see one form.
 */
export function readJson(bytes: Uint8Array, start: number, end: number): unknown {
  const value = parseJson(bytes, start, end);
  if (value !== null && typeof value === "object" && "first" in value && !("ids" in value)) {
    const batch = value as { ids?: number[]; tasks?: unknown; results?: unknown };
    const list = batch.tasks ?? batch.results;
    const first = runStart(value);
    if (first < 0 || !Array.isArray(list)) return undefined;
    const ids = new Array<number>(list.length);
    for (let i = 0; i < ids.length; i++) ids[i] = first + i;
    batch.ids = ids;
  }
  return value;
}

/** Whether `ids` is a run `ids[0], ids[0] + 1, ...` (then a JSON batch carries `first` instead). */
export function isRun(ids: readonly number[]): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i] !== ids[0]! + i) return false;
  return ids.length > 0;
}

/** The functions here that a pool runs per task or per message (kept out of FTL, see `tiers.ts`). */
export const JSON_HOT_PATHS: readonly Function[] = [jsonExact, exact, exactValue, prototypesClean, writeJson, parseJson, readJson, isRun];
