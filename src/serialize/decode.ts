/**
 * `unserialize()`: PHP 8.2 `serialize()` bytes to JS values, accepting and rejecting exactly what
 * PHP 8.2 does, at the same byte offsets. See {@link unserialize}.
 * @module
 */

import { UnserializeError } from "../errors.ts";
import { canonicalIntFromBytes } from "./keys.ts";
import { countText, hexValue, readCount, readFloatToken, readIntToken, readUnsigned, skipSignedDigits } from "./numbers.ts";
import type { NumberCursor } from "./numbers.ts";
import { canonicalBinaryKey, Finisher, read, recordToMap, setRecord, write } from "./finish.ts";
import type { Holder } from "./finish.ts";
import { asciiLower, hasClassNameChars, isValidClassName, isValidIdentifier, propertyId, unmangle } from "./names.ts";
import { decodeSettings } from "./options.ts";
import type { DecodeSettings, UnserializeOptions, UnserializeWarning } from "./options.ts";
import { PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef } from "./types.ts";
import type { PhpKey, PhpProperty, PhpValue } from "./types.ts";
import { decodeName, decodeString, latin1, releaseView } from "./utf8.ts";

export type { UnserializeOptions, UnserializeWarning } from "./options.ts";

const enum Ch {
  Quote = 0x22,
  Plus = 0x2b,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  Semicolon = 0x3b,
  Backslash = 0x5c,
  LBrace = 0x7b,
  RBrace = 0x7d,
}

/** What the token being parsed is: a value, an array key (canonical int strings become ints) or a property name. */
const enum As {
  Value = 0,
  ArrayKey = 1,
  PropertyName = 2,
}

/** PHP's HT_MAX_SIZE on 64-bit: no array may declare more elements. */
const HT_MAX_SIZE = 0x40000000;
const textEncoder = new TextEncoder();

/** Where the keys of an array were in the input, to recognise the same keys in the next one. */
interface KeyShape {
  starts: number[];
  ends: number[];
  keys: PhpKey[];
}

/**
 * The keys of the last array at a depth that became a plain object with only string keys (distinct,
 * none `__proto__`), and where their tokens were in the input: rows of a table repeat them, so the
 * next array of the same size is checked byte for byte and built without decoding its keys.
 */
interface RecordShape {
  starts: number[];
  ends: number[];
  names: string[];
}

/** Depths up to which {@link Decoder} counts the arrays it met (shapes are learned only where one repeats). */
const COUNTED_DEPTH = 64;
/** Most keys a {@link RecordShape} holds (larger arrays are seldom repeated rows). */
const MAX_SHAPE_KEYS = 64;

const NO_SLOTS: never[] = [];
const EMPTY = new Uint8Array(0);

/** Thrown by the fast pass when it meets `R:`/`r:`: the input is parsed again with locations tracked. */
const RESTART = Symbol("restart with reference tracking");

/**
 * Decodes PHP `serialize()` bytes (a JS string is taken as UTF-8). Never runs code or builds a
 * class: objects become {@link PhpObject}, enums {@link PhpEnum}, `C:` {@link PhpCustom}.
 *
 * Default mode gives plain JS values: lists become arrays, other arrays plain objects (int keys
 * become their decimal strings and take JS's key order), ints beyond 2^53 `bigint`, floats
 * `number` (so `d:1;` and `i:1;` both give `1`), invalid UTF-8 strings `Uint8Array`, `R:`/`r:`
 * shared identity. With `exact: true` the result re-serializes to the identical bytes.
 *
 * Malformed input throws {@link UnserializeError} with PHP's offset (`Error at offset X of Y bytes`).
 *
 * @example
 * ```ts
 * import { serialize, unserialize } from "bun-sysv";
 * unserialize('a:2:{s:2:"id";i:7;s:4:"tags";a:1:{i:0;s:1:"x";}}'); // { id: 7, tags: ["x"] }
 * unserialize("i:9223372036854775807;");                           // 9223372036854775807n
 * const bytes = new TextEncoder().encode("a:1:{i:5;d:1;}");
 * serialize(unserialize(bytes, { exact: true }));                  // the same bytes
 * ```
 */
export function unserialize(input: Uint8Array | string, options?: UnserializeOptions): PhpValue {
  const bytes = typeof input === "string" ? textEncoder.encode(input) : input;
  return unserializeWith(bytes, decodeSettings(options));
}

/**
 * Library-internal (not exported by the package): {@link unserialize} of `bytes[start, end)` with
 * options already checked by {@link decodeSettings}, for callers that decode many values with the
 * same options, or a value inside a larger buffer without making a view of it. The bytes outside the
 * range are never read as part of the value; error offsets are relative to `start`.
 *
 * @example
 * ```ts
 * const settings = decodeSettings({ mapArrays: true });  // once
 * unserializeWith(segment, settings, at + 24, at + 24 + length); // per value
 * ```
 */
export function unserializeWith(bytes: Uint8Array, settings: DecodeSettings, start = 0, end = bytes.length): PhpValue {
  if (sharedInUse) { // called from an onWarning callback
    const decoder = new Decoder();
    const value = decoder.run(bytes, settings, start, end) as PhpValue;
    lastWholeFloatToken = decoder.wholeFloatToken;
    return value;
  }
  sharedInUse = true;
  let value: PhpValue;
  try {
    value = shared.run(bytes, settings, start, end) as PhpValue;
  } finally {
    sharedInUse = false;
  }
  lastWholeFloatToken = shared.wholeFloatToken;
  return value;
}

let lastWholeFloatToken = false;

/**
 * Library-internal: whether the value the last {@link unserializeWith} call returned had a `d:` token of
 * the form `d:<digits>;` or `d:-<digits>;` (a float PHP wrote for a whole number below 1e17). Read it right
 * after that call: any later decode replaces it. Lets `src/vars` skip a byte scan of the payload.
 */
export function lastDecodeHadWholeFloatToken(): boolean {
  return lastWholeFloatToken;
}

/** `b[from, semicolon)` is `<digits>` or `-<digits>` (at least one digit): the `d:` body PHP writes for a whole float below 1e17. */
function isDigitsToken(b: Uint8Array, from: number, semicolon: number): boolean {
  let p = from;
  if (b[p] === 0x2d) p++;
  if (p >= semicolon) return false;
  for (; p < semicolon; p++) if (b[p]! < 0x30 || b[p]! > 0x39) return false;
  return true;
}

class Decoder implements NumberCursor {
  b: Uint8Array = EMPTY;
  /** The last run met a `d:` token with digits only (see {@link lastDecodeHadWholeFloatToken}). */
  wholeFloatToken = false;
  /** End of the input in `b` (exclusive): nothing at or after it is part of the value. */
  n = 0;
  p = 0;
  /** Start of the input in `b`: offsets in errors are relative to it. */
  private base = 0;
  clamped = false;
  private depth = 0;
  private settings: DecodeSettings = decodeSettings(undefined);
  private exact = false;
  private keyedAsMap = false;
  /**
   * Whether every value's location is recorded (PHP's var_hash) so `R:`/`r:` can point at it.
   * Off for the first pass; an `R:`/`r:` restarts the parse with it on.
   */
  private tracking = false;
  private slotHolders: Holder[] = NO_SLOTS;
  private slotKeys: unknown[] = NO_SLOTS;
  /** Per nesting depth, the key tokens (byte ranges) and keys of the last array parsed there. */
  private shapes: (KeyShape | undefined)[] | null = null;
  /** Per nesting depth, the {@link RecordShape} of the last plain-object array with string keys there. */
  private records: (RecordShape | undefined)[] | null = null;
  /**
   * Non-empty arrays entered so far at each depth up to {@link COUNTED_DEPTH} (1, or 2 for several): key
   * shapes are only worth remembering for the second array at a depth and later (rows of a table), not for
   * a one-off record inside a list.
   */
  private readonly arraysAt = new Uint8Array(COUNTED_DEPTH + 1);
  /** The deepest entry of {@link arraysAt} set in this pass (reset from there down). */
  private deepest = 0;
  /** Warnings of the current pass, reported once it is over (a restarted pass drops them). */
  private warnings: UnserializeWarning[] | null = null;

  /** Decodes `bytes[start, end)`; the decoder is reusable (everything is reset here and released at the end). */
  run(bytes: Uint8Array, settings: DecodeSettings, start: number, end: number): unknown {
    this.wholeFloatToken = false;
    this.b = bytes;
    this.base = start;
    this.n = end;
    this.settings = settings;
    this.exact = settings.exact;
    this.keyedAsMap = settings.keyedAsMap;
    this.reset();
    try {
      return this.decode();
    } finally {
      const warnings = this.warnings;
      this.b = EMPTY;
      this.reset();
      releaseView();
      const report = settings.onWarning;
      if (report && warnings) for (const warning of warnings) report(warning);
    }
  }

  private reset(): void {
    this.p = this.base;
    this.depth = 0;
    this.tracking = false;
    this.slotHolders = NO_SLOTS;
    this.slotKeys = NO_SLOTS;
    this.shapes = null;
    this.records = null;
    this.forgetArrays();
    this.warnings = null;
  }

  private forgetArrays(): void {
    const arraysAt = this.arraysAt;
    for (let depth = this.deepest; depth > 0; depth--) arraysAt[depth] = 0;
    this.deepest = 0;
  }

  /** Whether the array being read is not the first non-empty one at its depth (deeper ones: always). */
  private repeatedHere(): boolean {
    const depth = this.depth;
    return depth > COUNTED_DEPTH || this.arraysAt[depth]! > 1;
  }

  private decode(): unknown {
    try {
      if (this.n === this.base) this.fail(this.base, "empty input");
      let result: unknown;
      try {
        result = this.parse(undefined, undefined, As.Value);
      } catch (e) {
        if (e !== RESTART) throw e;
        result = this.trackedRun();
      }
      if (!this.settings.allowTrailing && this.p < this.n) this.fail(this.p, "unexpected bytes after the value");
      return result;
    } catch (e) {
      if (e instanceof RangeError) this.fail(this.p, "nesting too deep for the JS stack");
      throw e;
    }
  }

  private trackedRun(): unknown {
    this.p = this.base;
    this.depth = 0;
    this.warnings = null;
    this.shapes = null;
    this.records = null;
    this.forgetArrays();
    this.slotHolders = [];
    this.slotKeys = [];
    this.tracking = true;
    const root = { value: undefined as unknown };
    this.parse(root, undefined, As.Value);
    return new Finisher(this.keyedAsMap).finish(root.value);
  }

  /**
   * Parses one value (or, with `asKey`, one array key / property name) at `this.p`. In tracking
   * mode the value is also stored at (`holder`, `key`), containers before their children.
   */
  private parse(holder: Holder | undefined, key: unknown, as: As): unknown {
    const b = this.b;
    const start = this.p;
    if (start >= this.n) this.fail(start, "unexpected end of data");
    const tag = b[start];
    const asKey = as !== As.Value;
    if (this.tracking && !asKey && tag !== 0x52 /* R */) {
      this.slotHolders.push(holder!);
      this.slotKeys.push(key);
    }
    let value: unknown;
    switch (tag) {
      case 0x69: // i
        value = this.integer(start);
        if (asKey) return value;
        break;
      case 0x73: // s
        return this.string(start, holder, key, as);
      case 0x61: // a
        return this.array(start, holder, key, asKey);
      case 0x64: // d
        value = this.float(start);
        if (asKey) this.fail(this.p, "a float cannot be an array key");
        break;
      case 0x62: // b
        value = this.boolean(start);
        if (asKey) this.fail(this.p, "a boolean cannot be an array key");
        break;
      case 0x4e: // N
        if (b[start + 1] !== Ch.Semicolon || start + 1 >= this.n) this.fail(start, "bad null");
        this.p = start + 2;
        if (asKey) this.fail(this.p, "null cannot be an array key");
        value = null;
        break;
      case 0x4f: // O
      case 0x43: // C
        return this.object(start, tag === 0x43, holder, key, asKey);
      case 0x45: // E
        value = this.enumCase(start, asKey);
        break;
      case 0x53: // S
        return this.escapedString(start, holder, key, as);
      case 0x52: // R
      case 0x72: // r
        if (!this.tracking && !asKey) throw RESTART;
        return this.reference(start, tag === 0x72, holder, key, asKey);
      case Ch.RBrace:
        this.warn("Notice", "Unexpected end of serialized data", false);
        this.fail(start, "fewer elements than declared");
        break;
      default:
        this.fail(start, `unexpected byte 0x${tag!.toString(16).padStart(2, "0")}`);
    }
    if (this.tracking) this.place(holder!, key, value);
    return value;
  }

  // ---- scalars ----

  /** `i:[+-]?[0-9]+;` — out of int64 range clamps with a warning, like PHP. */
  private integer(start: number): number | bigint {
    const value = readIntToken(this, start);
    if (this.p < 0) this.fail(start, "bad int");
    if (this.clamped) this.warn("Warning", "Numerical result out of range", false);
    return value;
  }

  /** `b:0;` or `b:1;` */
  private boolean(start: number): boolean {
    const b = this.b;
    const c = b[start + 2];
    if (b[start + 1] !== Ch.Colon || (c !== 0x30 && c !== 0x31) || b[start + 3] !== Ch.Semicolon || start + 3 >= this.n) {
      this.fail(start, "bad boolean");
    }
    this.p = start + 4;
    return c === 0x31;
  }

  /** `d:` (PHP's grammar, see {@link readFloatToken}); a {@link PhpFloat} in exact mode. */
  private float(start: number): number | PhpFloat {
    const value = readFloatToken(this, start);
    if (this.p < 0) this.fail(start, "bad float");
    if (!this.wholeFloatToken && Number.isInteger(value)) this.wholeFloatToken = isDigitsToken(this.b, start + 2, this.p - 1);
    return this.exact ? new PhpFloat(value) : value;
  }

  /** `s:<len>:"<bytes>";` */
  private string(start: number, holder: Holder | undefined, key: unknown, as: As): unknown {
    const b = this.b;
    let p = start + 2;
    let length = 0;
    let c = b[p]!;
    if (b[start + 1] !== Ch.Colon || start + 1 >= this.n) this.fail(start, "bad string");
    while (c >= Ch.Zero && c <= Ch.Nine) {
      length = length * 10 + (c - Ch.Zero);
      c = b[++p]!;
    }
    if (p === start + 2 || c !== Ch.Colon || b[p + 1] !== Ch.Quote || p + 1 >= this.n) this.fail(start, "bad string header");
    if (p - start - 2 > 15) length = readUnsigned(this.b, start + 2, p);
    const textStart = p + 2;
    if (this.n - textStart < length) this.fail(start + 2, `string length ${length} exceeds the ${this.n - textStart} bytes left`);
    const end = textStart + length;
    if (end >= this.n || b[end] !== Ch.Quote) this.fail(end, 'missing \'"\' after string');
    if (end + 1 >= this.n || b[end + 1] !== Ch.Semicolon) this.fail(end + 1, "missing ';' after string");
    this.p = end + 2;
    if (as === As.ArrayKey) {
      const first = b[textStart]!;
      if ((first >= Ch.Zero && first <= Ch.Nine) || first === Ch.Minus) {
        const int = canonicalIntFromBytes(b, textStart, end);
        if (int !== undefined) return int;
      }
    }
    const value = decodeString(b, textStart, end);
    if (this.tracking && as === As.Value) this.place(holder!, key, value);
    return value;
  }

  /** `S:<len>:"..."` where `\hh` escapes a byte (accepted by PHP 8.2, never produced). */
  private escapedString(start: number, holder: Holder | undefined, key: unknown, as: As): unknown {
    const b = this.b;
    const headerEnd = this.lengthHeader(start, Ch.Quote);
    const length = readUnsigned(this.b, start + 2, headerEnd);
    let p = headerEnd + 2;
    if (this.n - p < length) this.fail(start + 2, `string length ${length} exceeds the ${this.n - p} bytes left`);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (p >= this.n) this.fail(start, "escaped string ends early");
      if (b[p] !== Ch.Backslash) {
        out[i] = b[p++]!;
        continue;
      }
      const hi = hexValue(b[p + 1]);
      const lo = hexValue(b[p + 2]);
      if (hi < 0 || lo < 0 || p + 2 >= this.n) this.fail(start, "bad escape in S: string");
      out[i] = (hi << 4) | lo;
      p += 3;
    }
    if (p >= this.n || b[p] !== Ch.Quote) this.fail(p, 'missing \'"\' after string');
    if (p + 1 >= this.n || b[p + 1] !== Ch.Semicolon) this.fail(p + 1, "missing ';' after string");
    this.p = p + 2;
    if (as === As.ArrayKey) {
      const int = canonicalIntFromBytes(out, 0, length);
      if (int !== undefined) return int;
    }
    const value = decodeString(out, 0, length);
    if (this.tracking && as === As.Value) this.place(holder!, key, value);
    return value;
  }

  // ---- arrays ----

  /** `a:<n>:{<key><value>...}` */
  private array(start: number, holder: Holder | undefined, key: unknown, asKey: boolean): unknown {
    const b = this.b;
    let p = start + 2;
    let count = 0;
    let c = b[p]!;
    while (c >= Ch.Zero && c <= Ch.Nine) {
      count = count * 10 + (c - Ch.Zero);
      c = b[++p]!;
    }
    if (b[start + 1] !== Ch.Colon || p === start + 2 || c !== Ch.Colon || b[p + 1] !== Ch.LBrace || p + 1 >= this.n) {
      this.fail(start, "bad array header");
    }
    if (p - start - 2 > 15) count = this.signedCount(start + 2, p); // exact, clamped past int64
    p += 2;
    this.p = p;
    if (asKey) this.fail(p, "an array cannot be an array key");
    if (count >= HT_MAX_SIZE || count > Math.floor((this.n - p) / 2)) this.fail(p, `array of ${count} elements cannot fit in the ${this.n - p} bytes left`);
    if (count === 0) {
      if (p >= this.n || b[p] !== Ch.RBrace) this.fail(p, "missing '}'");
      this.p = p + 1;
      const empty: unknown[] = [];
      if (this.tracking) this.place(holder!, key, new Map());
      return empty;
    }
    this.enter(p);
    const depth = this.depth;
    if (depth <= COUNTED_DEPTH) {
      if (this.arraysAt[depth]! < 2) this.arraysAt[depth]!++;
      if (depth > this.deepest) this.deepest = depth;
    }
    const value = this.tracking ? this.trackedArrayBody(count, holder!, key) : this.arrayBody(count);
    this.depth--;
    this.close();
    return value;
  }

  /** Elements of a non-empty array, fast path (no references in the input): a list while keys are 0, 1, 2... */
  private arrayBody(count: number): unknown {
    if (this.records !== null && !this.keyedAsMap) {
      const shape = this.records[this.depth];
      if (shape !== undefined && shape.names.length === count) {
        const record = this.shapedRecord(shape, count);
        if (record !== null) return record;
      }
    }
    const keyStart = this.p;
    let k = this.isIndexKey(0) ? 0 : this.arrayKey(0);
    const keyEnd = this.p;
    let v = this.element();
    if (k !== 0) {
      if (typeof k === "string" && k !== "__proto__" && !this.keyedAsMap && count <= MAX_SHAPE_KEYS && this.repeatedHere()) {
        const record: Record<string, unknown> = {};
        record[k] = v;
        return this.stringRecord(record, { starts: [keyStart], ends: [keyEnd], names: [k] }, count);
      }
      return this.keyedBody(null, k, v, 0, count);
    }
    // Sized up front (count <= bytes left / 2): growing small arrays one push at a time costs more.
    const list: unknown[] = new Array(count);
    list[0] = v;
    let length = 1;
    for (let i = 1; i < count; i++) {
      k = this.isIndexKey(i) ? i : this.arrayKey(i);
      v = this.element();
      if (k === length) list[length++] = v;
      else if (typeof k === "number" && k >= 0 && k < length) list[k] = v; // duplicate: last wins, position kept
      else {
        list.length = length;
        return this.keyedBody(list, k, v, i, count);
      }
    }
    if (length < count) list.length = length;
    return list;
  }

  /**
   * An array of `count` elements whose keys may be those of `shape` (same depth, same size): each
   * key token is compared with the remembered one and the object built with the known names. At
   * the first different key the rest is read by {@link stringRecord}; `null` if the very first
   * key differs (nothing read then).
   */
  private shapedRecord(shape: RecordShape, count: number): Record<string, unknown> | null {
    const b = this.b;
    const { starts, ends, names } = shape;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
      const start = this.p;
      const from = starts[i]!;
      const length = ends[i]! - from;
      let j = 0;
      if (start + length <= this.n) while (j < length && b[start + j] === b[from + j]) j++;
      if (j !== length) {
        if (i === 0) return null;
        const known = { starts: starts.slice(0, i), ends: ends.slice(0, i), names: names.slice(0, i) };
        return this.stringRecord(record, known, count) as Record<string, unknown>;
      }
      this.p = start + length;
      record[names[i]!] = this.element(); // names are distinct and never "__proto__"
    }
    return record;
  }

  /**
   * The rest of an array being built as a plain object whose keys so far are `known` (distinct
   * strings, none `__proto__`). If all its keys are such strings, its shape is remembered for the
   * next array at this depth; from the first other key on, {@link recordBody} takes over.
   */
  private stringRecord(record: Record<string, unknown>, known: RecordShape, count: number): unknown {
    for (let i = known.names.length; i < count; i++) {
      const start = this.p;
      const k = this.arrayKey(i);
      const end = this.p;
      const v = this.element();
      if (typeof k !== "string" || k === "__proto__" || Object.hasOwn(record, k)) {
        if (typeof k === "object") return this.mapBody(recordToMap(record, null), k, v, i, count);
        return this.recordBody(record, -1, true, k, v, i, count);
      }
      record[k] = v;
      known.starts.push(start);
      known.ends.push(end);
      known.names.push(k);
    }
    (this.records ??= [])[this.depth] = known;
    return record;
  }

  /** The rest of an array that is not a list, from element `i` (`k` => `v` already parsed). */
  private keyedBody(list: unknown[] | null, k: PhpKey, v: unknown, i: number, count: number): unknown {
    if (this.keyedAsMap || typeof k === "object") {
      const map = new Map<PhpKey, unknown>();
      if (list !== null) for (let j = 0; j < list.length; j++) map.set(j, list[j]);
      return this.mapBody(map, k, v, i, count);
    }
    const record: Record<string, unknown> = {};
    if (list !== null) for (let j = 0; j < list.length; j++) record[j] = list[j];
    return this.recordBody(record, list === null ? -1 : list.length - 1, false, k, v, i, count);
  }

  /**
   * The rest of an array decoded as a plain object, from element `i` (`k` => `v` already parsed, not
   * a binary key). `record` holds the elements before: index keys up to `lastIndex` in order, then
   * (`sawOtherKey`) other keys.
   */
  private recordBody(record: Record<string, unknown>, lastIndex: number, sawOtherKey: boolean, k: PhpKey, v: unknown, i: number, count: number): unknown {
    // JS lists array-index keys first, ascending. From the first key JS would move, keep the
    // insertion order in `order`, in case a binary key forces a switch to Map later.
    let order: string[] | null = null;
    for (;;) {
      const name = typeof k === "string" ? k : String(k);
      if (order !== null) {
        if (!Object.hasOwn(record, name)) order.push(name);
      } else if (typeof k !== "number" || k < 0 || k > 4294967294) {
        sawOtherKey = true;
      } else if (sawOtherKey || k <= lastIndex) {
        if (!Object.hasOwn(record, name)) order = [...Object.keys(record), name];
      } else {
        lastIndex = k;
      }
      if (name === "__proto__") setRecord(record, name, v);
      else record[name] = v;
      if (++i === count) return record;
      k = this.arrayKey(i);
      v = this.element();
      if (typeof k === "object") return this.mapBody(recordToMap(record, order), k, v, i, count);
    }
  }

  /** The rest of an array decoded as a Map, from element `i` (`k` => `v` already parsed). */
  private mapBody(map: Map<PhpKey, unknown>, k: PhpKey, v: unknown, i: number, count: number): Map<PhpKey, unknown> {
    let binaryKeys: Map<string, Uint8Array> | null = null;
    for (;;) {
      if (typeof k === "object") k = canonicalBinaryKey((binaryKeys ??= new Map()), k);
      map.set(k, v);
      if (++i === count) return map;
      k = this.arrayKey(i);
      v = this.element();
    }
  }

  /** An element value of the fast path: the common tags directly, the rest through {@link parse}. */
  private element(): unknown {
    const start = this.p;
    if (start < this.n) {
      switch (this.b[start]) {
        case 0x73: // s
          return this.string(start, undefined, undefined, As.Value);
        case 0x69: // i
          return this.integer(start);
        case 0x64: // d
          return this.float(start);
        case 0x62: // b
          return this.boolean(start);
        case 0x61: // a
          return this.array(start, undefined, undefined, false);
      }
    }
    return this.parse(undefined, undefined, As.Value);
  }

  /** Whether the next key is `i:<index>;` in PHP's own spelling, the key of a list's element; consumed if so. */
  private isIndexKey(index: number): boolean {
    const b = this.b;
    const p = this.p;
    let digits = 1;
    for (let rest = index; rest >= 10; rest = (rest / 10) | 0) digits++;
    const end = p + 2 + digits; // the ';'
    if (end >= this.n || b[p] !== 0x69 || b[p + 1] !== Ch.Colon || b[end] !== Ch.Semicolon) return false;
    for (let q = end - 1, rest = index; q > p + 1; q--, rest = (rest / 10) | 0) {
      if (b[q] !== Ch.Zero + (rest % 10)) return false;
    }
    this.p = end + 1;
    return true;
  }

  /** An array key: `i:` or `s:` directly, anything else through {@link parse} (which fails or converts). */
  private arrayKey(index: number): PhpKey {
    const start = this.p;
    const b = this.b;
    // Shape prediction: the previous array at this depth had key token [from, to) at this index
    // (rows of a table repeat their keys). Equal bytes are the same self-delimiting token.
    const depth = this.depth;
    const shape = this.shapes?.[depth];
    if (shape !== undefined && index < shape.keys.length) {
      const from = shape.starts[index]!;
      const length = shape.ends[index]! - from;
      if (start + length <= this.n) {
        let j = 0;
        while (j < length && b[start + j] === b[from + j]) j++;
        if (j === length) {
          this.p = start + length;
          return shape.keys[index]!;
        }
      }
    }
    const tag = b[start];
    const warnings = this.warnings?.length ?? 0;
    let key: PhpKey;
    if (tag === 0x73 && start < this.n) key = this.string(start, undefined, undefined, As.ArrayKey) as PhpKey;
    else if (tag === 0x69 && start < this.n) key = this.integer(start);
    else return this.parse(undefined, undefined, As.ArrayKey) as PhpKey;
    if (this.repeatedHere() && (this.warnings?.length ?? 0) === warnings && index < 64) {
      const memo = ((this.shapes ??= [])[depth] ??= { starts: [], ends: [], keys: [] });
      if (index <= memo.keys.length) {
        memo.starts[index] = start;
        memo.ends[index] = this.p;
        memo.keys[index] = key;
      }
    }
    return key;
  }

  /** Elements of a non-empty array when references may occur: a Map placed before its children. */
  private trackedArrayBody(count: number, holder: Holder, key: unknown): Map<PhpKey, unknown> {
    const map = new Map<PhpKey, unknown>();
    let binaryKeys: Map<string, Uint8Array> | null = null;
    this.place(holder, key, map);
    for (let i = 0; i < count; i++) {
      let k = this.arrayKey(i);
      if (typeof k === "object") k = canonicalBinaryKey((binaryKeys ??= new Map()), k);
      map.set(k, null); // PHP resets a duplicate's slot before parsing the new value
      this.parse(map, k, As.Value);
    }
    return map;
  }

  // ---- objects ----

  /** `O:<len>:"<Class>":<n>:{<name><value>...}` or `C:<len>:"<Class>":<len>:{<payload>}` */
  private object(start: number, custom: boolean, holder: Holder | undefined, key: unknown, asKey: boolean): unknown {
    const b = this.b;
    const headerEnd = this.lengthHeader(start, Ch.Quote);
    if (asKey) this.fail(start, "an object cannot be an array key");
    const length = readUnsigned(this.b, start + 2, headerEnd);
    const nameStart = headerEnd + 2;
    if (this.n - nameStart < length || length === 0) this.fail(start + 2, "bad class name length");
    const nameEnd = nameStart + length;
    if (nameEnd >= this.n || b[nameEnd] !== Ch.Quote) this.fail(nameEnd, 'missing \'"\' after class name');
    if (nameEnd + 1 >= this.n || b[nameEnd + 1] !== Ch.Colon) this.fail(nameEnd + 1, "missing ':' after class name");
    if (!isValidClassName(b, nameStart, nameEnd)) this.fail(start, "invalid class name");
    const className = decodeName(b, nameStart, nameEnd);
    const allowed = this.isAllowed(className);
    if (custom) return this.customObject(nameEnd, className, allowed, holder, key);
    if (nameEnd >= this.n - 2) {
      this.warn("Warning", "Bad unserialize data", true);
      this.fail(nameEnd, "truncated object header");
    }
    const countEnd = skipSignedDigits(this.b, this.n, nameEnd + 2);
    const count = this.signedCount(nameEnd + 2, countEnd);
    if (count < 0 || count > Math.floor((this.n - nameEnd) / 2)) this.fail(countEnd, `object of ${count} properties cannot fit`);
    if (countEnd >= this.n || b[countEnd] !== Ch.Colon) this.fail(countEnd, "missing ':' after property count");
    if (countEnd + 1 >= this.n || b[countEnd + 1] !== Ch.LBrace) this.fail(countEnd + 1, "missing '{'");
    const p = countEnd + 2;
    this.p = p;
    if (count >= HT_MAX_SIZE) this.fail(p, "too many properties");
    const object = allowed ? new PhpObject(className) : new PhpIncompleteObject(className);
    if (this.tracking) this.place(holder!, key, object);
    this.enter(p);
    this.properties(object.properties, count);
    this.depth--;
    this.close();
    return object;
  }

  private properties(properties: PhpProperty[], count: number): void {
    // Names seen so far, to find duplicates (last value wins, PHP keeps the first position).
    const names = new Map<string, PhpProperty>();
    for (let i = 0; i < count; i++) {
      const k = this.parse(undefined, undefined, As.PropertyName) as PhpKey; // i:, s: or S:; the rest failed
      const id = propertyId(k);
      let entry = names.get(id);
      if (entry === undefined) {
        entry = unmangle(k);
        names.set(id, entry);
        properties.push(entry);
      } else {
        entry.value = null;
      }
      const value = this.parse(entry, undefined, As.Value);
      if (!this.tracking) entry.value = value;
    }
  }

  private customObject(nameEnd: number, className: string, allowed: boolean, holder: Holder | undefined, key: unknown): unknown {
    const b = this.b;
    const lengthEnd = skipSignedDigits(this.b, this.n, nameEnd + 2);
    const length = this.signedCount(nameEnd + 2, lengthEnd);
    if (lengthEnd + 1 >= this.n || b[lengthEnd] !== Ch.Colon) this.fail(lengthEnd, "missing ':' after payload length");
    if (b[lengthEnd + 1] !== Ch.LBrace) this.fail(lengthEnd + 1, "missing '{' before payload");
    const p = lengthEnd + 2;
    if (length < 0 || this.n - p <= length) {
      const required = Number.isSafeInteger(length) ? String(length) : latin1(b, nameEnd + 2, lengthEnd);
      this.warn("Warning", `Insufficient data for unserializing - ${countText(required)} required, ${this.n - p} present`, true);
      this.fail(p, "Serializable payload longer than the input");
    }
    if (b[p + length] !== Ch.RBrace) this.fail(p + length, "missing '}' after Serializable payload");
    const data = b.slice(p, p + length);
    this.p = p + length + 1;
    const value = allowed ? new PhpCustom(className, data) : new PhpIncompleteObject(className, {}, data);
    if (this.tracking) this.place(holder!, key, value);
    return value;
  }

  /** `E:<len>:"<Enum>:<Case>";` */
  private enumCase(start: number, asKey: boolean): PhpEnum {
    const b = this.b;
    const headerEnd = this.lengthHeader(start, Ch.Quote);
    if (asKey) this.fail(start, "an enum cannot be an array key");
    const length = readUnsigned(this.b, start + 2, headerEnd);
    const p = headerEnd + 2;
    if (this.n - p < length || length === 0) this.fail(start + 2, "bad enum name length");
    const end = p + length;
    if (end >= this.n || b[end] !== Ch.Quote) this.fail(end, 'missing \'"\' after enum name');
    if (end + 1 >= this.n || b[end + 1] !== Ch.Semicolon) this.fail(end + 1, "missing ';' after enum name");
    let colon = p;
    while (colon < end && b[colon] !== Ch.Colon) colon++;
    const text = (from: number, to: number) => decodeName(b, from, to);
    // PHP prints names with %s: a NUL byte ends them in the message.
    const shown = (from: number, to: number) => text(from, to).split("\0", 1)[0]!;
    if (colon === end) {
      this.warn("Warning", `Invalid enum name '${shown(p, end)}' (missing colon)`, false);
      this.fail(start, "enum name without ':'");
    }
    if (!hasClassNameChars(b, p, colon)) this.fail(start, "invalid enum class name");
    if (!isValidClassName(b, p, colon)) {
      this.warn("Warning", `Class '${shown(p, colon)}' not found`, false);
      this.fail(start, "invalid enum class name");
    }
    if (!isValidIdentifier(b, colon + 1, end)) {
      this.warn("Warning", `Undefined constant ${shown(p, colon)}::${shown(colon + 1, end)}`, false);
      this.fail(end + 2, "invalid enum case name");
    }
    this.p = end + 2;
    return new PhpEnum(text(p, colon), text(colon + 1, end));
  }

  // ---- references ----

  /** `R:<slot>;` (PHP reference) or `r:<slot>;` (same object again). */
  private reference(start: number, objectOnly: boolean, holder: Holder | undefined, key: unknown, asKey: boolean): unknown {
    const b = this.b;
    let p = start + 2;
    while (b[p]! >= Ch.Zero && b[p]! <= Ch.Nine) p++;
    if (b[start + 1] !== Ch.Colon || p === start + 2 || b[p] !== Ch.Semicolon || p >= this.n) this.fail(start, "bad reference");
    this.p = p + 1;
    if (asKey) this.fail(this.p, "a reference cannot be an array key");
    const id = readUnsigned(this.b, start + 2, p) - 1;
    if (id < 0 || id >= this.slotHolders.length) this.fail(this.p, `reference to unknown slot ${id + 1}`);
    const targetHolder = this.slotHolders[id]!;
    const targetKey = this.slotKeys[id];
    if (targetHolder === holder && targetKey === key) this.fail(this.p, "reference to itself");
    let target = read(targetHolder, targetKey);
    if (objectOnly) {
      if (target instanceof PhpRef) target = target.value;
      if (!(target instanceof PhpObject || target instanceof PhpEnum || target instanceof PhpCustom)) this.fail(this.p, "r: to a value that is not an object");
      this.place(holder!, key, target);
      return target;
    }
    if (this.exact && !(target instanceof PhpRef)) {
      target = new PhpRef(target);
      write(targetHolder, targetKey, target);
    }
    this.place(holder!, key, target);
    return target;
  }

  // ---- helpers ----

  /** Checks `X:<digits>:<next>` and returns the index of the second ':'; fails at `start` otherwise. */
  private lengthHeader(start: number, next: number): number {
    const b = this.b;
    let p = start + 2;
    while (b[p]! >= Ch.Zero && b[p]! <= Ch.Nine) p++;
    if (b[start + 1] !== Ch.Colon || p === start + 2 || b[p] !== Ch.Colon || b[p + 1] !== next || p + 1 >= this.n) {
      this.fail(start, "bad header");
    }
    return p;
  }

  /** PHP's parse_iv2 for counts: clamps with a warning beyond int64. */
  private signedCount(from: number, to: number): number {
    const value = readCount(this, from, to);
    if (this.clamped) this.warn("Warning", "Numerical result out of range", false);
    return value;
  }

  /** One more nesting level (a non-empty array or any object), failing past `maxDepth`. */
  private enter(p: number): void {
    const maxDepth = this.settings.maxDepth;
    if (maxDepth > 0 && this.depth >= maxDepth) {
      this.warn(
        "Warning",
        `Maximum depth of ${maxDepth} exceeded. The depth limit can be changed using the max_depth unserialize() option or the unserialize_max_depth ini setting`,
        false,
      );
      this.fail(p, `nesting deeper than maxDepth ${maxDepth}`);
    }
    this.depth++;
  }

  /** The `}` closing an array or object body. */
  private close(): void {
    if (this.p >= this.n || this.b[this.p] !== Ch.RBrace) this.fail(this.p, "missing '}'");
    this.p++;
  }

  private isAllowed(className: string): boolean {
    const allowed = this.settings.allowed;
    return allowed === null || allowed.has(asciiLower(className));
  }

  private place(holder: Holder, key: unknown, value: unknown): void {
    write(holder, key, value);
  }

  private warn(level: "Warning" | "Notice", message: string, bare: boolean): void {
    (this.warnings ??= []).push({ level, message, bare });
  }

  private fail(offset: number, reason: string): never {
    throw new UnserializeError(Math.min(offset, this.n) - this.base, this.n - this.base, reason);
  }
}



/** The decoder `unserialize` reuses; a call made while it is busy (from onWarning) gets its own. */
const shared = new Decoder();
let sharedInUse = false;
