/**
 * Keeping PHP's whole-number floats floats across a Bun read-modify-write. The codec's default mode
 * decodes `d:10;` as the number 10, which `serialize` writes back as `i:10;`; PHP code sharing the store
 * then sees `int(10)` where it stored `10.0`. So, for each value read, the store records the paths where
 * the bytes held a float whose value is a safe integer (the only floats that come back as plain integer
 * numbers; `1.5`, `1e20`, `-0`, `NAN` stay floats anyway), and when a value is written under that key, a
 * number at a recorded path that still has the recorded value is written as a {@link PhpFloat} (the codec's
 * own float marker, see `src/serialize/types.ts`). The paths come from decoding the same bytes again in the
 * codec's exact mode, and only when a cheap byte scan finds a `d:<digits>;` token and a write comes.
 *
 * @example
 * ```ts
 * const shape = floatShapeOf(bytes, settings, from, to); // Map { "price" => 10 } for ['price' => 10.0, 'n' => 1]
 * serialize(restoreFloats({ price: 10, n: 2 }, shape!)); // ...s:5:"price";d:10;s:1:"n";i:2;...
 * ```
 * @module
 */
import { lastDecodeHadWholeFloatToken, unserializeWith } from "../serialize/decode.ts";
import type { DecodeSettings } from "../serialize/options.ts";
import { isPlainObject, PhpFloat, PhpObject, PhpRef, type PhpProperty } from "../serialize/types.ts";

/**
 * Where a value held whole-number floats: a number is a float's value at that place; a Map goes on by
 * child key (list index, array key and property key, all as strings).
 */
export type FloatShape = number | Map<string, FloatShape>;

const D = 0x64, COLON = 0x3a, SEMICOLON = 0x3b, BRACE = 0x7b, MINUS = 0x2d, ZERO = 0x30, NINE = 0x39;

/**
 * True if `bytes[from, to)` has a `d:` token with only digits (PHP's form of every whole float below 1e17),
 * at the start or after `;` or `{`. Cheap; a match inside a string only costs a second decode later.
 */
export function mayHoldWholeFloat(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i + 3 < to; i++) {
    if (bytes[i] !== D || bytes[i + 1] !== COLON) continue;
    if (i !== from && bytes[i - 1] !== SEMICOLON && bytes[i - 1] !== BRACE) continue;
    let j = i + 2;
    if (bytes[j] === MINUS) j++;
    const digits = j;
    while (j < to && bytes[j]! >= ZERO && bytes[j]! <= NINE) j++;
    if (j > digits && j < to && bytes[j] === SEMICOLON) return true;
  }
  return false;
}

/**
 * The {@link FloatShape} of the value serialized in `bytes[from, to)`, or `undefined` if it holds no
 * whole-number float: the bytes decoded in the codec's exact mode (with `settings`' limits), then walked.
 */
export function floatShapeOf(bytes: Uint8Array, settings: DecodeSettings, from: number, to: number): FloatShape | undefined {
  // Exact mode for the floats (PhpFloat), the caller's choice of Map or plain object for the arrays (plain
  // objects decode faster; the paths are strings either way).
  const exact = unserializeWith(bytes, { ...settings, exact: true, onWarning: undefined }, from, to);
  return shapeOf(exact, new Map());
}

/** No key (see `FloatMemory.#absent`). */
const NONE = Symbol("none");

/** Most keys a {@link FloatMemory} keeps. */
export const FLOAT_MEMORY_KEYS = 1024;
/** Most payload bytes a {@link FloatMemory} keeps copies of (larger payloads are shaped at once). */
export const FLOAT_MEMORY_BYTES = 1 << 20;

/**
 * What a {@link FloatMemory} keeps for one key: a copy of the payload bytes read (when not too big) and,
 * once a write asked for it, their {@link FloatShape}.
 */
interface Remembered {
  /** The payload bytes of the last read (kept after shaping: a read of the same bytes keeps the shape). */
  bytes: Uint8Array | undefined;
  shape: FloatShape | undefined;
  shaped: boolean;
}

/**
 * Per key, what a store needs to write the last value read back with its whole-number floats: a copy of
 * the payload bytes (shaped only if a write comes; reads stay cheap) and, once shaped, its {@link FloatShape}
 * (a later read of the very same bytes keeps it: a value read and written back unchanged is shaped once). Only
 * values with such floats are kept; at most {@link FLOAT_MEMORY_KEYS} keys and {@link FLOAT_MEMORY_BYTES}
 * bytes of copies, the least recently read dropped first.
 *
 * @example
 * ```ts
 * const memory = new FloatMemory();
 * memory.read(1, bytes, settings, from, to); // after a get
 * const shape = memory.shape(1);             // before the write
 * ```
 */
export class FloatMemory {
  readonly #entries = new Map<number | bigint, Remembered>();
  #bytes = 0;
  #settings: DecodeSettings | null = null;
  /**
   * A key known to have no entry (its last read held no whole float, or it was forgotten), or `NONE`:
   * a store that reads and writes the same float-free key over and over does no Map work for it.
   */
  #absent: number | bigint | typeof NONE = NONE;

  /**
   * Records the value just read for `key` from `bytes[from, to)` (decoded with `settings`, default mode).
   * `decoded`: the caller decoded exactly these bytes just now with `unserializeWith`, so the decoder's
   * note of a whole-float token stands in for the byte scan ({@link mayHoldWholeFloat}).
   */
  read(key: number | bigint, bytes: Uint8Array, settings: DecodeSettings, from: number, to: number, decoded = false): void {
    const entries = this.#entries;
    const whole = !settings.exact && (decoded ? lastDecodeHadWholeFloatToken() : mayHoldWholeFloat(bytes, from, to));
    if (!whole && (entries.size === 0 || key === this.#absent)) return;
    const k = memoryKey(key);
    if (whole && settings === this.#settings) {
      const known = entries.get(k);
      if (known?.bytes !== undefined && sameBytes(known.bytes, bytes, from, to)) {
        entries.delete(k); // the same bytes again: keep what is known, now the most recently read
        entries.set(k, known);
        return;
      }
    }
    this.#drop(k);
    if (!whole) {
      this.#absent = key;
      return;
    }
    this.#settings = settings;
    if (this.#absent !== NONE && memoryKey(this.#absent) === k) this.#absent = NONE; // (5 and 5n: one key)
    if (to - from <= FLOAT_MEMORY_BYTES) {
      entries.set(k, { bytes: bytes.slice(from, to), shape: undefined, shaped: false });
      this.#bytes += to - from;
    } else {
      const shape = safeShape(bytes, settings, from, to);
      if (shape !== undefined) entries.set(k, { bytes: undefined, shape, shaped: true });
    }
    for (const [oldest] of entries) {
      if (entries.size <= FLOAT_MEMORY_KEYS && this.#bytes <= FLOAT_MEMORY_BYTES) break;
      this.#drop(oldest);
    }
  }

  /** The float shape of the last value read for `key`, or `undefined`. */
  shape(key: number | bigint): FloatShape | undefined {
    const entries = this.#entries;
    if (entries.size === 0 || key === this.#absent) return undefined;
    const k = memoryKey(key);
    const entry = entries.get(k);
    if (entry === undefined || entry.shaped) return entry?.shape;
    const shape = safeShape(entry.bytes!, this.#settings!, 0, entry.bytes!.length);
    if (shape === undefined) {
      this.#drop(k);
      return undefined;
    }
    entry.shape = shape;
    entry.shaped = true;
    return shape;
  }

  /** Forgets `key` (deleted). */
  forget(key: number | bigint): void {
    if (this.#entries.size !== 0 && key !== this.#absent) this.#drop(memoryKey(key));
  }

  /** Forgets everything (detached). */
  clear(): void {
    this.#absent = NONE;
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(k: number | bigint): void {
    const entry = this.#entries.get(k);
    if (entry === undefined) return;
    if (entry.bytes !== undefined) this.#bytes -= entry.bytes.length;
    this.#entries.delete(k);
  }
}

/** Whether `copy` holds exactly `bytes[from, to)` (native compare). */
function sameBytes(copy: Uint8Array, bytes: Uint8Array, from: number, to: number): boolean {
  return copy.length === to - from && Buffer.compare(copy, bytes.subarray(from, to)) === 0;
}

/** `5` and `5n` are the same variable: one Map key for both. */
function memoryKey(key: number | bigint): number | bigint {
  return typeof key === "bigint" && key >= -0x1fffffffffffffn && key <= 0x1fffffffffffffn ? Number(key) : key;
}

/** {@link floatShapeOf}, `undefined` if the exact decode fails (the default one succeeded: never fail a read or write over it). */
function safeShape(bytes: Uint8Array, settings: DecodeSettings, from: number, to: number): FloatShape | undefined {
  try {
    return floatShapeOf(bytes, settings, from, to);
  } catch {
    return undefined;
  }
}

const IN_PROGRESS = Symbol("in progress");
type Memo = Map<object, FloatShape | undefined | typeof IN_PROGRESS>;

/**
 * The shape of an exact-mode tree. Only `PhpRef`s and `PhpObject`s can be shared there (arrays are values):
 * each is walked once (its shape reused), and a cycle through one is not followed.
 */
function shapeOf(exact: unknown, memo: Memo): FloatShape | undefined {
  if (typeof exact !== "object" || exact === null) return undefined;
  if (exact instanceof PhpFloat) {
    const v = exact.value;
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : undefined;
  }
  let node: Map<string, FloatShape> | undefined;
  if (Array.isArray(exact)) {
    for (let i = 0; i < exact.length; i++) {
      const shape = shapeOf(exact[i], memo);
      if (shape !== undefined) (node ??= new Map()).set(String(i), shape);
    }
    return node;
  }
  if (exact instanceof Map) {
    for (const [k, v] of exact) {
      const shape = shapeOf(v, memo);
      if (shape !== undefined) (node ??= new Map()).set(String(k), shape);
    }
    return node;
  }
  if (!(exact instanceof PhpRef) && !(exact instanceof PhpObject)) {
    if (!isPlainObject(exact)) return undefined; // PhpEnum, PhpCustom, Uint8Array
    for (const k of Object.keys(exact)) {
      const shape = shapeOf(exact[k], memo);
      if (shape !== undefined) (node ??= new Map()).set(k, shape);
    }
    return node;
  }
  const known = memo.get(exact);
  if (known === IN_PROGRESS) return undefined;
  if (known !== undefined || memo.has(exact)) return known;
  memo.set(exact, IN_PROGRESS);
  if (exact instanceof PhpRef) {
    const inner = shapeOf(exact.value, memo);
    memo.set(exact, inner);
    return inner;
  }
  for (const p of exact.properties) {
    if (typeof p.name === "object") continue;
    const shape = shapeOf(p.value, memo);
    if (shape !== undefined) (node ??= new Map()).set(propertyKey(p), shape);
  }
  memo.set(exact, node);
  return node;
}

function propertyKey(p: PhpProperty): string {
  return `${p.visibility}\0${p.declaringClass ?? ""}\0${String(p.name)}`;
}

/**
 * `value` with every number at a path of `shape` that equals the float recorded there replaced by a
 * {@link PhpFloat}. Containers on such paths are copied (arrays, plain objects, Maps, PhpObjects); the
 * caller's value is never changed, and returned as is when nothing applies.
 */
export function restoreFloats(value: unknown, shape: FloatShape): unknown {
  if (typeof shape === "number") {
    return typeof value === "number" && value === shape && !Object.is(value, -0) ? new PhpFloat(value) : value;
  }
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (const [key, sub] of shape) {
      const i = Number(key);
      if (!(i < value.length)) continue;
      const next = restoreFloats(value[i], sub);
      if (next !== value[i]) (out ??= value.slice())[i] = next;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let out: Map<unknown, unknown> | undefined;
    for (const [k, v] of value) {
      const sub = shape.get(String(k));
      if (sub === undefined) continue;
      const next = restoreFloats(v, sub);
      if (next !== v) (out ??= new Map(value)).set(k, next);
    }
    return out ?? value;
  }
  if (value instanceof PhpObject) {
    let changed = false;
    const properties = value.properties.map((p) => {
      const sub = typeof p.name === "object" ? undefined : shape.get(propertyKey(p));
      const next = sub === undefined ? p.value : restoreFloats(p.value, sub);
      if (next === p.value) return p;
      changed = true;
      return { ...p, value: next };
    });
    if (!changed) return value;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value)), value) as PhpObject; // subclasses too
    copy.properties = properties;
    return copy;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, sub] of shape) {
    if (!Object.hasOwn(value, key)) continue;
    const next = restoreFloats(value[key], sub);
    if (next === value[key]) continue;
    out ??= { ...value };
    Object.defineProperty(out, key, { value: next, writable: true, enumerable: true, configurable: true }); // "__proto__" too
  }
  return out ?? value;
}
