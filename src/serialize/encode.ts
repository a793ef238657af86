/**
 * `serialize()`: JS values to PHP 8.2 `serialize()` bytes. See {@link serialize} for the mapping.
 * @module
 */

import { binaryKeyId, describe, hasOnlyPlainKeys, isCanonicalIntString, phpArrayKey } from "./keys.ts";
import { PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef } from "./types.ts";
import type { PhpProperty } from "./types.ts";
import { encodeName } from "./utf8.ts";
import { SMALL_INTS, toWords, utf8Length, writeAscii, writeBytes, writeFloat, writeInt, writeSmallIntToken } from "./write.ts";

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const textEncoder = new TextEncoder();

/** Room made before each value or key: enough for any fixed-size token (`i:-9223372036854775808;` is 23 bytes). */
const SLACK = 64;
/** Strings longer than this are measured and written by the native UTF-8 encoder. */
const NATIVE_STRING_LENGTH = 64;
/** Results up to this many bytes are copied out by a loop, longer ones by `slice`. */
const SHORT_COPY = 96;
/** Scratch buffers beyond this size are not kept between calls. */
const MAX_KEPT_SCRATCH = 8 * 1024 * 1024;

/** The key tokens of the last record written at each depth (kept across calls: messages repeat shapes). */
interface KeyShape {
  keys: string[];
  /** Each token as little-endian 32-bit words (the last one padded), written with DataView stores. */
  words: number[][];
  lengths: number[];
}
const keyShapes: (KeyShape | undefined)[] = [];
/** Key tokens longer than this are not kept (a cached token must fit in {@link SLACK}). */
const MAX_SHAPE_TOKEN = 48;
const MAX_SHAPE_KEYS = 64;
const MAX_SHAPE_DEPTH = 64;

/**
 * Serializes a JS value into the bytes PHP 8.2's `serialize()` produces for the matching PHP value.
 *
 * | JS | PHP |
 * |---|---|
 * | `null`, `undefined` | `N;` |
 * | `boolean` | `b:0;` / `b:1;` |
 * | safe integer `number` (not `-0`) | `i:` |
 * | other `number`, {@link PhpFloat} | `d:` (`INF`, `-INF`, `NAN`, `-0`, `1.0E+25`) |
 * | `bigint` in int64 | `i:` (outside int64: `RangeError`) |
 * | `string` | `s:` of its UTF-8 bytes (lone surrogates become U+FFFD) |
 * | `Uint8Array` | `s:` of the bytes as they are |
 * | JS array | list `a:n:{i:0;...}` (holes are `N;`) |
 * | plain object, `Map` | array with PHP's key rules (`"5"` becomes `i:5`) |
 * | {@link PhpObject}, {@link PhpEnum}, {@link PhpCustom} | `O:`, `E:`, `C:`; met again: `r:` |
 * | {@link PhpRef} | its value the first time, then `R:` |
 *
 * JS arrays, plain objects and Maps are values, like PHP arrays: one met twice is written twice,
 * and only a cycle (an array inside itself) becomes `R:`. Functions, symbols and instances of
 * other classes throw `TypeError`.
 *
 * @example
 * ```ts
 * import { serialize } from "bun-sysv";
 * new TextDecoder().decode(serialize({ id: 1, name: "ann", score: 1.5, tags: ["a"] }));
 * // 'a:4:{s:2:"id";i:1;s:4:"name";s:3:"ann";s:5:"score";d:1.5;s:4:"tags";a:1:{i:0;s:1:"a";}}'
 * ```
 */
export function serialize(value: unknown): Uint8Array {
  if (sharedInUse) return new Encoder(1024).run(value); // re-entered from a getter
  sharedInUse = true;
  let length;
  try {
    length = shared.encode(value);
  } finally {
    sharedInUse = false;
  }
  return shared.copyOut(length);
}

/**
 * Serialized bytes left in an encoder's buffer by {@link serializeToScratch}: `bytes[0, length)`;
 * `words` is the same buffer as 32-bit words (from offset 0), for copies a word at a time.
 */
export interface ScratchBytes {
  bytes: Uint8Array;
  words: Int32Array;
  length: number;
  /**
   * Whether the bytes hold a back-reference (`r:`/`R:`): its number counts values from this value's start,
   * so the bytes cannot be spliced into a larger message as they are (serialize the whole message instead).
   */
  references: boolean;
}

const scratchResult: ScratchBytes = { bytes: new Uint8Array(0), words: new Int32Array(0), length: 0, references: false };

/**
 * Library-internal (not exported by the package): {@link serialize} without the copy out. The bytes
 * are `result.bytes[0, result.length)`, a view of the shared encoder's buffer, valid only until the
 * next `serialize`/`serializeToScratch` call: copy them at once (the result object is reused too).
 * Throws like `serialize`, before anything is returned.
 *
 * @example
 * ```ts
 * const { bytes, length } = serializeToScratch({ id: 7 });
 * segment.set(bytes.subarray(0, length), offset); // before any other serialize call
 * ```
 */
export function serializeToScratch(value: unknown): ScratchBytes {
  if (sharedInUse) {
    const encoder = new Encoder(1024); // re-entered from a getter: a buffer of its own
    const length = encoder.encode(value);
    return { bytes: encoder.buffer, words: encoder.words, length, references: encoder.references };
  }
  sharedInUse = true;
  try {
    const length = shared.encode(value);
    scratchResult.bytes = shared.buffer;
    scratchResult.words = shared.words;
    scratchResult.length = length;
    scratchResult.references = shared.references;
    shared.trim();
    return scratchResult;
  } finally {
    sharedInUse = false;
  }
}

class Encoder {
  buffer: Uint8Array;
  /** {@link buffer} as 32-bit words (its length is always a multiple of 4). */
  words: Int32Array;
  private view: DataView;
  /** `buffer.length`, kept in a field for the hot capacity checks. */
  private end: number;
  private pos = 0;
  /** Number of the last slot used; every value written takes one, except `R:`. */
  private slot = 0;
  /** Slot of each PHP object and reference already written (enums by `Class:Case`). */
  private seen: Map<unknown, number> | undefined;
  /** The arrays being written, outermost first, and their slots: a container met inside itself is a cycle. */
  private readonly path: object[] = [];
  private readonly pathSlots: number[] = [];
  /** Whether Object.prototype has enumerable keys (then for-in cannot stand in for Object.keys). */
  private inheritedKeys: boolean | undefined;
  /** Whether the last {@link encode} wrote a back-reference (`r:` or `R:`). */
  references = false;

  constructor(size: number) {
    this.buffer = new Uint8Array(size);
    this.end = size;
    this.view = new DataView(this.buffer.buffer);
    this.words = new Int32Array(this.buffer.buffer);
  }

  /** Serializes `value` into {@link buffer} and returns the length. */
  encode(value: unknown): number {
    this.pos = 0;
    this.slot = 0;
    this.seen = undefined;
    this.inheritedKeys = undefined;
    this.references = false;
    try {
      this.value(value);
    } finally {
      this.path.length = 0;
      this.pathSlots.length = 0;
    }
    return this.pos;
  }

  /** Serializes `value` into a new array of its own. */
  run(value: unknown): Uint8Array {
    return this.copyOut(this.encode(value));
  }

  /** A new array of the first `length` bytes (a short one copied by a loop: cheaper than `slice`). */
  copyOut(length: number): Uint8Array {
    const b = this.buffer; // (read after encoding: encoding may replace it)
    let out: Uint8Array;
    if (length <= SHORT_COPY) {
      out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = b[i]!;
    } else {
      out = b.slice(0, length);
    }
    this.trim();
    return out;
  }

  /** Drops a scratch buffer grown past {@link MAX_KEPT_SCRATCH} (its contents are not needed any more). */
  trim(): void {
    if (this.end > MAX_KEPT_SCRATCH) {
      this.pos = 0;
      this.resize(64 * 1024);
    }
  }

  private value(v: unknown): void {
    this.slot++;
    if (this.pos + SLACK > this.end) this.ensure(SLACK);
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        return this.number(v);
      case "boolean":
        return this.boolean(v);
      case "bigint":
        return this.bigint(v);
      case "undefined":
        return this.null();
      case "object":
        if (v === null) return this.null();
        return this.object(v, false);
    }
    throw new TypeError(`cannot serialize a ${typeof v}: PHP has no such value`);
  }

  /** Writes an object-typed value for the slot just taken; `viaRef` when it sits inside a {@link PhpRef}. */
  private object(v: object, viaRef: boolean): void {
    if (Array.isArray(v)) return this.container(v);
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return this.container(v);
    if (proto === PhpFloat.prototype) return this.float((v as PhpFloat).value);
    if (v instanceof Map) return this.container(v);
    if (v instanceof Uint8Array) return this.binary(v);
    if (v instanceof PhpFloat) return this.float(v.value);
    if (v instanceof PhpRef) return this.reference(v);
    if (v instanceof PhpObject || v instanceof PhpCustom || v instanceof PhpEnum) return this.phpObjectLike(v, viaRef);
    throw new TypeError(`cannot serialize ${describe(v)}: use a plain object, Map, array or PhpObject`);
  }

  /** A PHP array; a container met inside itself is a cycle, written as `R:` to the enclosing one. */
  private container(v: object): void {
    const path = this.path;
    for (let i = path.length - 1; i >= 0; i--) {
      if (path[i] === v) return this.backReference(this.pathSlots[i]!);
    }
    path.push(v);
    this.pathSlots.push(this.slot);
    if (Array.isArray(v)) this.list(v);
    else if (v instanceof Map) this.map(v);
    else this.record(v as Record<string, unknown>);
    path.pop();
    this.pathSlots.pop();
  }

  /** Objects keep their identity like PHP objects: met again they are `r:` (or `R:` through a reference). */
  private phpObjectLike(v: PhpObject | PhpCustom | PhpEnum, viaRef: boolean): void {
    const identity = v instanceof PhpEnum ? `${v.className}:${v.caseName}` : v;
    const seen = (this.seen ??= new Map());
    const earlier = seen.get(identity);
    if (earlier !== undefined) {
      if (viaRef) return this.backReference(earlier);
      this.references = true;
      return this.intToken(0x72, earlier);
    }
    seen.set(identity, this.slot);
    if (v instanceof PhpIncompleteObject) {
      return v.customData ? this.custom(v.originalClassName, v.customData) : this.phpObject(v.originalClassName, v.properties);
    }
    if (v instanceof PhpObject) return this.phpObject(v.className, v.properties);
    if (v instanceof PhpEnum) return this.enumCase(v);
    return this.custom(v.className, v.data);
  }

  /** A PHP `&` reference: the first time its value, later `R:` to that slot (objects inside count as the object). */
  private reference(ref: PhpRef): void {
    let inner: unknown = ref.value;
    while (inner instanceof PhpRef) inner = inner.value;
    const seen = (this.seen ??= new Map());
    const isObject = inner instanceof PhpObject || inner instanceof PhpCustom || inner instanceof PhpEnum;
    const key = isObject ? (inner instanceof PhpEnum ? `${inner.className}:${inner.caseName}` : inner) : ref;
    const earlier = seen.get(key);
    if (earlier !== undefined) return this.backReference(earlier);
    seen.set(ref, this.slot);
    if (typeof inner === "object" && inner !== null) return this.object(inner, true);
    this.slot--;
    this.value(inner);
  }

  /** `R:n;`, which does not take a slot of its own. */
  private backReference(slot: number): void {
    this.references = true;
    this.slot--;
    this.intToken(0x52, slot);
  }

  private null(): void {
    this.buffer[this.pos] = 0x4e;
    this.buffer[this.pos + 1] = 0x3b;
    this.pos += 2;
  }

  private boolean(v: boolean): void {
    const b = this.buffer;
    const p = this.pos;
    b[p] = 0x62;
    b[p + 1] = 0x3a;
    b[p + 2] = v ? 0x31 : 0x30;
    b[p + 3] = 0x3b;
    this.pos = p + 4;
  }

  private number(v: number): void {
    if (((v | 0) === v || Number.isSafeInteger(v)) && (v !== 0 || 1 / v > 0)) return this.intToken(0x69, v);
    this.float(v);
  }

  /** `<tag>:<n>;`: `i:` ints and int keys (small ones are two precomputed word stores), `r:`/`R:` back-references. */
  private intToken(tag: number, n: number): void {
    if (n >= 0 && n < SMALL_INTS && tag === 0x69) {
      this.pos = writeSmallIntToken(this.view, this.pos, n);
      return;
    }
    const b = this.buffer;
    b[this.pos] = tag;
    b[this.pos + 1] = 0x3a;
    const p = writeInt(b, this.pos + 2, n);
    b[p] = 0x3b;
    this.pos = p + 1;
  }

  private float(v: number): void {
    const b = this.buffer;
    b[this.pos] = 0x64;
    b[this.pos + 1] = 0x3a;
    const p = writeFloat(b, this.pos + 2, v);
    b[p] = 0x3b;
    this.pos = p + 1;
  }

  private bigint(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`cannot serialize ${v}n: outside PHP's int range (int64)`);
    const p = writeAscii(this.buffer, this.pos, `i:${v};`);
    this.pos = p;
  }

  /** `s:<len>:"<utf-8>";` */
  private string(s: string): void {
    const length = s.length;
    if (length > NATIVE_STRING_LENGTH) return this.longString(s);
    if (this.pos + length + 16 > this.end) this.ensure(length + 16);
    const b = this.buffer;
    const start = this.pos;
    b[start] = 0x73;
    b[start + 1] = 0x3a;
    let p = writeInt(b, start + 2, length);
    b[p] = 0x3a;
    b[p + 1] = 0x22;
    p += 2;
    for (let i = 0; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.longString(s); // not ASCII: measure first; nothing was committed
      b[p++] = c;
    }
    b[p] = 0x22;
    b[p + 1] = 0x3b;
    this.pos = p + 2;
  }

  private longString(s: string): void {
    const byteLength = utf8Length(s);
    this.ensure(byteLength + 32);
    const b = this.buffer;
    let p = writeAscii(b, this.pos, "s:");
    p = writeInt(b, p, byteLength);
    b[p] = 0x3a;
    b[p + 1] = 0x22;
    p += 2;
    p += textEncoder.encodeInto(s, b.subarray(p, p + byteLength)).written;
    b[p] = 0x22;
    b[p + 1] = 0x3b;
    this.pos = p + 2;
  }

  private binary(bytes: Uint8Array): void {
    this.ensure(bytes.length + 32);
    const b = this.buffer;
    let p = writeAscii(b, this.pos, "s:");
    p = writeInt(b, p, bytes.length);
    b[p] = 0x3a;
    b[p + 1] = 0x22;
    p = writeBytes(b, p + 2, bytes);
    b[p] = 0x22;
    b[p + 1] = 0x3b;
    this.pos = p + 2;
  }

  private list(items: unknown[]): void {
    const count = items.length;
    this.header(count);
    for (let i = 0; i < count; i++) {
      this.reserve();
      this.intToken(0x69, i);
      this.value(items[i]);
    }
    this.close();
  }

  private record(record: Record<string, unknown>): void {
    // for-in is JSC's fastest walk over an object's keys (cached per shape); it equals Object.keys
    // here because the prototype is Object.prototype or null, unless someone made an inherited
    // property enumerable (checked once per serialize).
    if ((this.inheritedKeys ??= hasEnumerableInherited())) return this.ownKeysRecord(record);
    // Rows of a table repeat their keys: the token written for each key position at each depth is
    // kept, and copied when the same key string comes again.
    const depth = this.path.length;
    const shape = keyShapes[depth];
    const keys = shape?.keys;
    // When the last record at this depth had under 10 keys, this one is written without counting its keys
    // first: the header goes out as `a:0:{` and its digit is filled in after the walk (moving the body in
    // the rare case the count takes more).
    let countAt = -1;
    if (keys !== undefined && keys.length < 10) {
      this.header(0);
      countAt = this.pos - 3;
    } else {
      let count = 0;
      for (const _ in record) count++;
      this.header(count);
    }
    let index = 0;
    for (const key in record) {
      this.reserve();
      if (keys !== undefined && keys[index] === key) {
        // Word stores may write up to 3 bytes past the token: inside the reserved room, overwritten next.
        const words = shape!.words[index]!;
        const view = this.view;
        let p = this.pos;
        for (let i = 0; i < words.length; i++, p += 4) view.setUint32(p, words[i]!, true);
        this.pos += shape!.lengths[index]!;
      } else {
        this.newKey(key, index, depth);
      }
      index++;
      this.value(record[key]);
    }
    if (countAt >= 0) this.fillCount(countAt, index);
    this.close();
  }

  /** Writes `count` at `at`, where one digit was left for it, moving what follows when it takes more. */
  private fillCount(at: number, count: number): void {
    if (count < 10) {
      this.buffer[at] = 0x30 + count;
      return;
    }
    const extra = String(count).length - 1;
    this.ensure(extra + 1);
    this.buffer.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    writeInt(this.buffer, at, count);
  }

  private ownKeysRecord(record: Record<string, unknown>): void {
    const keys = Object.keys(record);
    this.header(keys.length);
    for (let i = 0; i < keys.length; i++) {
      this.reserve();
      this.newKey(keys[i]!, i, MAX_SHAPE_DEPTH);
      this.value(record[keys[i]!]);
    }
    this.close();
  }

  /** A record key: `i:5;` for canonical int strings, else `s:...`; remembered for the next record at `depth`. */
  private newKey(key: string, index: number, depth: number): void {
    const start = this.pos;
    if (isCanonicalIntString(key)) this.pos = writeAscii(this.buffer, this.pos, `i:${key};`);
    else this.string(key);
    if (this.pos - start <= MAX_SHAPE_TOKEN && index < MAX_SHAPE_KEYS && depth < MAX_SHAPE_DEPTH) {
      const memo = (keyShapes[depth] ??= { keys: [], words: [], lengths: [] });
      if (index <= memo.keys.length) {
        memo.keys[index] = key;
        memo.words[index] = toWords(this.buffer, start, this.pos);
        memo.lengths[index] = this.pos - start;
      }
    }
  }

  private map(map: Map<unknown, unknown>): void {
    if (!hasOnlyPlainKeys(map)) return this.mergedMap(map);
    this.header(map.size);
    for (const key of map.keys()) {
      // (keys() + get() beats destructuring entries in JSC: no pair array per entry)
      this.reserve();
      if (typeof key === "number") this.intToken(0x69, key);
      else this.string(key as string);
      this.value(map.get(key));
    }
    this.close();
  }

  /** A Map whose keys PHP would merge ("5" and 5, 1.5 and 1...): last value wins at the first position. */
  private mergedMap(map: Map<unknown, unknown>): void {
    const merged = new Map<string, [number | bigint | string | Uint8Array, unknown]>();
    for (const [key, value] of map) {
      const phpKey = phpArrayKey(key);
      const id = typeof phpKey === "object" ? binaryKeyId(phpKey) : `${typeof phpKey === "string" ? "s" : "i"}${String(phpKey)}`;
      const entry = merged.get(id);
      if (entry) entry[1] = value;
      else merged.set(id, [phpKey, value]);
    }
    this.header(merged.size);
    for (const [key, value] of merged.values()) {
      this.reserve();
      if (typeof key === "string") this.string(key);
      else if (typeof key === "object") this.binary(key);
      else if (typeof key === "bigint") this.bigint(key);
      else this.intToken(0x69, key);
      this.value(value);
    }
    this.close();
  }

  private phpObject(className: string, properties: PhpProperty[]): void {
    this.className(0x4f, className);
    this.pos = writeAscii(this.buffer, this.pos, ":");
    this.header(properties.length, false);
    for (const p of properties) {
      this.reserve();
      this.propertyName(p);
      this.value(p.value);
    }
    this.close();
  }

  private propertyName(p: PhpProperty): void {
    if (p.visibility === "public") {
      if (typeof p.name === "number") return this.intToken(0x69, p.name);
      if (typeof p.name === "bigint") return this.bigint(p.name);
      if (typeof p.name === "string") return this.string(p.name);
      return this.binary(p.name);
    }
    const prefix = p.visibility === "protected" ? "*" : p.declaringClass;
    if (!prefix) throw new TypeError(`private property "${String(p.name)}" has no declaringClass`);
    const name = typeof p.name === "object" ? p.name : textEncoder.encode(String(p.name));
    const owner = encodeName(prefix);
    const mangled = new Uint8Array(owner.length + name.length + 2);
    mangled.set(owner, 1);
    mangled.set(name, owner.length + 2);
    this.binary(mangled);
  }

  private enumCase(e: PhpEnum): void {
    const name = encodeName(`${e.className}:${e.caseName}`);
    this.ensure(name.length + 32);
    const b = this.buffer;
    let p = writeAscii(b, this.pos, "E:");
    p = writeInt(b, p, name.length);
    p = writeAscii(b, p, ':"');
    p = writeBytes(b, p, name);
    this.pos = writeAscii(b, p, '";');
  }

  private custom(className: string, data: Uint8Array): void {
    this.className(0x43, className);
    this.ensure(data.length + 32);
    const b = this.buffer;
    let p = writeAscii(b, this.pos, ":");
    p = writeInt(b, p, data.length);
    p = writeAscii(b, p, ":{");
    p = writeBytes(b, p, data);
    b[p] = 0x7d;
    this.pos = p + 1;
  }

  /** `O:<len>:"<Class>"` / `C:...`; leaves room for the count header after it. */
  private className(tag: number, className: string): void {
    if (className.length === 0) throw new TypeError("a PHP class name cannot be empty");
    const name = encodeName(className);
    this.ensure(name.length + SLACK);
    const b = this.buffer;
    b[this.pos] = tag;
    b[this.pos + 1] = 0x3a;
    let p = writeInt(b, this.pos + 2, name.length);
    p = writeAscii(b, p, ':"');
    p = writeBytes(b, p, name);
    b[p] = 0x22;
    this.pos = p + 1;
  }

  /** `a:<n>:{`, or `<n>:{` after an object's class name. */
  private header(count: number, array = true): void {
    const b = this.buffer;
    let p = this.pos;
    if (array) {
      b[p] = 0x61;
      b[p + 1] = 0x3a;
      p += 2;
    }
    p = writeInt(b, p, count);
    b[p] = 0x3a;
    b[p + 1] = 0x7b;
    this.pos = p + 2;
  }

  private close(): void {
    if (this.pos >= this.end) this.ensure(1);
    this.buffer[this.pos++] = 0x7d;
  }

  /** Room for any fixed-size token (ints, floats, keys, headers, `N;`): {@link SLACK} bytes. */
  private reserve(): void {
    if (this.pos + SLACK > this.end) this.ensure(SLACK);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.end) return;
    let size = this.end * 2;
    while (size < this.pos + extra) size *= 2;
    this.resize(size);
  }

  private resize(size: number): void {
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, Math.min(this.pos, size)));
    this.buffer = grown;
    this.end = size;
    this.view = new DataView(grown.buffer);
    this.words = new Int32Array(grown.buffer);
  }
}

/** The encoder `serialize` reuses (its buffer stays warm); a nested call gets its own. */
const shared = new Encoder(64 * 1024);
let sharedInUse = false;


function hasEnumerableInherited(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}



