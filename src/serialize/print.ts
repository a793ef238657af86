/**
 * The text PHP 8.2's `print_r`, `var_dump` and `var_export` print for a PHP value, byte for byte: one
 * printer for the compat layer's functions of those names and for the CLI's `show`. Nothing is written
 * anywhere: each function returns the text, a `string` when it is valid UTF-8, else a `Uint8Array` with
 * PHP's exact bytes (binary strings are printed as the bytes they are).
 *
 * How JS values map: numbers that are safe integers (not -0) are `int`, other numbers and `PhpFloat`
 * are `float`; `bigint` is `int`; `string` and `Uint8Array` are strings (lengths in UTF-8 bytes);
 * arrays, `Map`s and plain objects are PHP arrays (numeric string keys become int keys, as in PHP);
 * `PhpObject` is an object (`#n` handles count from 1 within one call); `PhpEnum` an enum case (its
 * backing value is not known, so `print_r` shows `[name]` only); a shared `PhpRef` prints with `&` in
 * `var_dump`.
 *
 * @example
 * ```ts
 * import { printR, varDump, varExport } from "bun-sysv";
 * printR({ count: 100 });         // "Array\n(\n    [count] => 100\n)\n"
 * varExport([1.5, "it's"]);       // "array (\n  0 => 1.5,\n  1 => 'it\\'s',\n)"
 * varDump("héllo");               // 'string(6) "héllo"\n'
 * ```
 * @module
 */
import { bytesToPhpString, phpStringToBytes, type PhpString } from "../bytes.ts";
import { formatPhpFloat } from "./float.ts";
import { phpArrayKey } from "./keys.ts";
import { isPhpArray, PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef, type PhpProperty } from "./types.ts";

/** Text that may contain binary strings: kept as parts, joined to bytes at the end. */
class Out {
  parts: Uint8Array[] = [];
  text = "";
  add(s: string): void {
    this.text += s;
  }
  bytes(b: Uint8Array): void {
    if (this.text) this.parts.push(phpStringToBytes(this.text));
    this.text = "";
    this.parts.push(b);
  }
  result(): PhpString {
    if (this.parts.length === 0) return this.text;
    return bytesToPhpString(new Uint8Array(Buffer.concat([...this.parts, phpStringToBytes(this.text)])));
  }
}

const spaces = (n: number) => " ".repeat(Math.max(0, n));

function isInt(value: unknown): value is number | bigint {
  return typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0));
}

/**
 * A float as PHP's `(string)`, `echo`, `print_r` and `strlen` see it (`precision` = 14, `%.14G`):
 * `0.1 + 0.2` is `"0.3"`, `1e15` is `"1.0E+15"`, `-0.0` is `"-0"`.
 *
 * @example
 * ```ts
 * import { phpFloatToString } from "bun-sysv";
 * phpFloatToString(0.1 + 0.2); // "0.3"
 * phpFloatToString(1e15);      // "1.0E+15"
 * ```
 */
export function phpFloatToString(x: number): string {
  if (Number.isNaN(x)) return "NAN";
  if (!Number.isFinite(x)) return x > 0 ? "INF" : "-INF";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, expText] = x.toExponential(13).split("e") as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "").replace(/0+$/, "");
  let body: string;
  if (exp < -4 || exp >= 14) {
    body = `${digits[0]}.${digits.length > 1 ? digits.slice(1) : "0"}E${exp < 0 ? "-" : "+"}${Math.abs(exp)}`;
  } else if (exp < 0) {
    body = `0.${"0".repeat(-exp - 1)}${digits}`;
  } else {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const fraction = digits.slice(exp + 1);
    body = fraction ? `${whole}.${fraction}` : whole;
  }
  return negative ? `-${body}` : body;
}

/** The elements of a PHP array value as [key, value] pairs, keys as PHP has them (int or string). */
function entries(value: unknown[] | Record<string, unknown> | Map<unknown, unknown>): [number | bigint | PhpString, unknown][] {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [phpArrayKey(k), v]);
  return Object.keys(value).map((k) => [phpArrayKey(k), (value as Record<string, unknown>)[k]]);
}

/** A property's bare name (var_dump and var_export add no class to it; print_r adds the visibility). */
function propertyName(p: PhpProperty): PhpString {
  return typeof p.name === "object" ? p.name : String(p.name);
}

/** An object's properties as PHP lists them (an incomplete object first names its lost class). */
function objectProperties(object: PhpObject): PhpProperty[] {
  if (object instanceof PhpIncompleteObject) {
    return [{ name: "__PHP_Incomplete_Class_Name", value: object.originalClassName, visibility: "public", declaringClass: undefined }, ...object.properties];
  }
  return object.properties;
}

function unwrap(value: unknown): unknown {
  return value instanceof PhpRef ? value.value : value;
}

// ---- print_r ----

function printRTo(out: Out, value: unknown, indent: number, seen: Set<unknown>): void {
  value = unwrap(value);
  if (value instanceof PhpEnum) {
    out.add(`${value.className} Enum\n`);
    printHash(out, [["name", value.caseName]], indent, seen);
    return;
  }
  if (value instanceof PhpObject || value instanceof PhpCustom) {
    out.add(`${value.className} Object\n`);
    if (seen.has(value)) return out.add(" *RECURSION*");
    const props = value instanceof PhpObject ? objectProperties(value) : [];
    seen.add(value);
    printHash(out, props.map((p) => [printRKey(p), p.value]), indent, seen);
    seen.delete(value);
    return;
  }
  if (isPhpArray(value)) {
    out.add("Array\n");
    if (seen.has(value)) return out.add(" *RECURSION*");
    seen.add(value);
    printHash(out, entries(value), indent, seen);
    seen.delete(value);
    return;
  }
  scalarText(out, value);
}

function printRKey(p: PhpProperty): PhpString {
  const name = propertyName(p);
  if (typeof name !== "string") return name;
  if (p.visibility === "protected") return `${name}:protected`;
  if (p.visibility === "private") return `${name}:${p.declaringClass ?? ""}:private`;
  return name;
}

function printHash(out: Out, items: [unknown, unknown][], indent: number, seen: Set<unknown>): void {
  out.add(`${spaces(indent)}(\n`);
  for (const [key, item] of items) {
    out.add(`${spaces(indent + 4)}[`);
    if (key instanceof Uint8Array) out.bytes(key);
    else out.add(String(key));
    out.add("] => ");
    printRTo(out, item, indent + 8, seen);
    out.add("\n");
  }
  out.add(`${spaces(indent)})\n`);
}

/** A scalar converted to string as PHP's `(string)` does (print_r, echo). */
function scalarText(out: Out, value: unknown): void {
  if (value === true) return out.add("1");
  if (value === false || value === null || value === undefined) return;
  if (value instanceof Uint8Array) return out.bytes(value);
  if (value instanceof PhpFloat) return out.add(phpFloatToString(value.value));
  if (typeof value === "number") return out.add(isInt(value) ? String(value) : phpFloatToString(value));
  out.add(String(value));
}

// ---- var_dump ----

interface DumpState {
  ids: Map<object, number>;
  stack: Set<unknown>;
}

function varDumpTo(out: Out, value: unknown, level: number, state: DumpState): void {
  if (level > 1) out.add(spaces(level - 1));
  let amp = "";
  if (value instanceof PhpRef) {
    amp = "&";
    value = value.value;
  }
  if (value === null || value === undefined) return out.add("NULL\n");
  if (typeof value === "boolean") return out.add(`bool(${value})\n`);
  if (isInt(value)) return out.add(`int(${value})\n`);
  if (typeof value === "number") return out.add(`float(${formatPhpFloat(value)})\n`);
  if (value instanceof PhpFloat) return out.add(`float(${formatPhpFloat(value.value)})\n`);
  if (typeof value === "string" || value instanceof Uint8Array) {
    const bytes = phpStringToBytes(value);
    out.add(`string(${bytes.length}) "`);
    if (typeof value === "string") out.add(value);
    else out.bytes(bytes);
    return out.add(`"\n`);
  }
  if (value instanceof PhpEnum) return out.add(`${amp}enum(${value.className}::${value.caseName})\n`);
  if (value instanceof PhpObject || value instanceof PhpCustom) {
    if (state.stack.has(value)) return out.add("*RECURSION*\n");
    let id = state.ids.get(value);
    if (id === undefined) state.ids.set(value, (id = state.ids.size + 1));
    const props = value instanceof PhpObject ? objectProperties(value) : [];
    out.add(`${amp}object(${value.className})#${id} (${props.length}) {\n`);
    state.stack.add(value);
    for (const p of props) {
      out.add(`${spaces(level + 1)}["`);
      const name = propertyName(p);
      if (typeof name === "string") out.add(name);
      else out.bytes(name);
      out.add(p.visibility === "protected" ? `":protected]=>\n` : p.visibility === "private" ? `":"${p.declaringClass ?? ""}":private]=>\n` : `"]=>\n`);
      varDumpTo(out, p.value, level + 2, state);
    }
    state.stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add("}\n");
  }
  if (isPhpArray(value)) {
    if (state.stack.has(value)) return out.add("*RECURSION*\n");
    const items = entries(value);
    out.add(`${amp}array(${items.length}) {\n`);
    state.stack.add(value);
    for (const [key, item] of items) {
      if (typeof key === "string") out.add(`${spaces(level + 1)}["${key}"]=>\n`);
      else if (key instanceof Uint8Array) {
        out.add(`${spaces(level + 1)}["`);
        out.bytes(key);
        out.add(`"]=>\n`);
      } else out.add(`${spaces(level + 1)}[${key}]=>\n`);
      varDumpTo(out, item, level + 2, state);
    }
    state.stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add("}\n");
  }
  out.add(`${amp}object(${(value as object).constructor?.name ?? "object"})#0 (0) {\n}\n`);
}

// ---- var_export ----

function exportString(out: Out, value: PhpString): void {
  const escape = (s: string) => s.replace(/[\\']/g, (c) => `\\${c}`);
  if (typeof value === "string") {
    out.add(`'${value.split("\0").map(escape).join(`' . "\\0" . '`)}'`);
    return;
  }
  // Binary: escape the quote and backslash bytes, split at NULs, keep other bytes as they are.
  out.add("'");
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    const b = value[i];
    if (i < value.length && b !== 0x27 && b !== 0x5c && b !== 0) continue;
    if (i > start) out.bytes(value.subarray(start, i));
    if (i < value.length) out.add(b === 0 ? `' . "\\0" . '` : `\\${String.fromCharCode(b!)}`);
    start = i + 1;
  }
  out.add("'");
}

function exportFloat(x: number): string {
  const text = formatPhpFloat(x);
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

function varExportTo(out: Out, value: unknown, level: number, stack: Set<unknown>, onRecursion: () => void): void {
  value = unwrap(value);
  if (value === null || value === undefined) return out.add("NULL");
  if (typeof value === "boolean") return out.add(String(value));
  if (isInt(value)) {
    return out.add(BigInt(value) === -(2n ** 63n) ? "-9223372036854775807-1" : String(value));
  }
  if (typeof value === "number") return out.add(exportFloat(value));
  if (value instanceof PhpFloat) return out.add(exportFloat(value.value));
  if (typeof value === "string" || value instanceof Uint8Array) return exportString(out, value);
  if (stack.has(value)) { // before the line break a nested array or object starts with, as PHP checks
    onRecursion();
    return out.add("NULL");
  }
  if (level > 1) out.add(`\n${spaces(level - 1)}`);
  if (value instanceof PhpEnum) return out.add(`\\${value.className}::${value.caseName}`);
  if (value instanceof PhpObject || value instanceof PhpCustom) {
    const stdClass = value.className === "stdClass";
    out.add(stdClass ? "(object) array(\n" : `\\${value.className}::__set_state(array(\n`);
    stack.add(value);
    for (const p of value instanceof PhpObject ? objectProperties(value) : []) {
      out.add(spaces(level + 2));
      if (typeof p.name === "number" || typeof p.name === "bigint") out.add(`${p.name} => `);
      else {
        exportString(out, propertyName(p));
        out.add(" => ");
      }
      varExportTo(out, p.value, level + 2, stack, onRecursion);
      out.add(",\n");
    }
    stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add(stdClass ? ")" : "))");
  }
  if (isPhpArray(value)) {
    out.add("array (\n");
    stack.add(value);
    for (const [key, item] of entries(value)) {
      out.add(spaces(level + 1));
      if (typeof key === "string" || key instanceof Uint8Array) exportString(out, key);
      else out.add(String(key));
      out.add(" => ");
      varExportTo(out, item, level + 2, stack, onRecursion);
      out.add(",\n");
    }
    stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add(")");
  }
  out.add("NULL");
}

/**
 * The text PHP's `print_r($value, true)` returns (cycles print ` *RECURSION*`, as PHP's do).
 *
 * @example
 * ```ts
 * import { printR } from "bun-sysv";
 * printR([1, [2]]); // "Array\n(\n    [0] => 1\n    [1] => Array\n        (\n            [0] => 2\n        )\n\n)\n"
 * printR(1.0);      // "1" (a JS number that is an integer is an int: PhpFloat keeps a float)
 * ```
 */
export function printR(value: unknown): PhpString {
  const out = new Out();
  printRTo(out, value, 0, new Set());
  return out.result();
}

/**
 * The text PHP's `var_dump(...$values)` prints (object `#n` handles count from 1 for each value).
 *
 * @example
 * ```ts
 * import { varDump } from "bun-sysv";
 * varDump(["a"]);        // 'array(1) {\n  [0]=>\n  string(1) "a"\n}\n'
 * varDump(1, 1.5, null); // "int(1)\nfloat(1.5)\nNULL\n"
 * ```
 */
export function varDump(...values: unknown[]): PhpString {
  const out = new Out();
  for (const value of values) varDumpTo(out, value, 1, { ids: new Map(), stack: new Set() });
  return out.result();
}

/** Options of {@link varExport}. */
export interface VarExportOptions {
  /**
   * Called when the value contains itself (that place prints `NULL`, as in PHP, which also warns
   * "var_export does not handle circular references"). Default: nothing.
   */
  onRecursion?: () => void;
}

/**
 * The PHP source text PHP's `var_export($value, true)` returns: floats keep a `.0`, strings are
 * single-quoted (NUL as `' . "\0" . '`), objects are `\Class::__set_state(array(...))`.
 *
 * @example
 * ```ts
 * import { PhpFloat, varExport } from "bun-sysv";
 * varExport({ a: new PhpFloat(1) }); // "array (\n  'a' => 1.0,\n)"
 * varExport("it's");                 // "'it\\'s'"
 * ```
 */
export function varExport(value: unknown, options: VarExportOptions = {}): PhpString {
  const out = new Out();
  varExportTo(out, value, 1, new Set(), options.onRecursion ?? (() => {}));
  return out.result();
}
