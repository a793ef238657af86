/**
 * PHP's `print_r`, `var_dump` and `var_export` for the values `unserialize` gives (and the JS values a
 * port builds), byte for byte as PHP 8.2 prints them, so a port's output reads like its original's.
 * `print_r(value, true)` and `var_export(value, true)` return the text (a `Uint8Array` when it holds
 * binary strings that are not UTF-8); otherwise the text goes to stdout.
 *
 * How JS values map: numbers that are safe integers (not -0) print as `int`, other numbers and
 * `PhpFloat` as `float` (keep `1.0` a float with `unserialize(x, { exact: true })`); `bigint` is `int`;
 * `string` and `Uint8Array` are strings (lengths in UTF-8 bytes); arrays, `Map`s and plain objects are PHP
 * arrays (numeric string keys become int keys, as in PHP); `PhpObject` is an object (`#n` handles count
 * from 1 within one call); `PhpEnum` an enum case (its backing value is not known, so `print_r` shows
 * `[name]` only); a shared `PhpRef` prints with `&` in `var_dump`.
 *
 * @example
 * ```ts
 * import { print_r, var_dump, var_export } from "bun-sysv/compat";
 * print_r({ count: 100 }, true); // "Array\n(\n    [count] => 100\n)\n"
 * var_export([1.0, "it's"], true); // "array (\n  0 => 1,\n  1 => 'it\\'s',\n)"
 * var_dump("héllo"); // prints: string(6) "héllo"
 * ```
 * @module
 */
import { bytesToPhpString } from "../src/bytes.ts";
import { formatPhpFloat } from "../src/serialize/float.ts";
import { phpArrayKey } from "../src/serialize/keys.ts";
import { PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef, type PhpProperty } from "../src/serialize/types.ts";
import { isPhpArray } from "./types.ts";

type Part = string | Uint8Array;

/** Text output that may contain binary strings: kept as parts, joined to bytes at the end. */
class Out {
  parts: Part[] = [];
  text = "";
  add(s: string): void {
    this.text += s;
  }
  bytes(b: Uint8Array): void {
    if (this.text) this.parts.push(this.text);
    this.text = "";
    this.parts.push(b);
  }
  result(): string | Uint8Array {
    if (this.parts.length === 0) return this.text;
    const all = Buffer.concat([...this.parts, this.text].map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
    return bytesToPhpString(new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
  }
}

const spaces = (n: number) => " ".repeat(Math.max(0, n));
const utf8 = new TextEncoder();

/** PHP's string bytes of a JS string or byte array. */
function stringBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? utf8.encode(value) : value;
}

function isInt(value: unknown): value is number | bigint {
  return typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value) && !Object.is(value, -0));
}

/** A float as PHP's `(string)`, `echo` and `print_r` give it (`precision` = 14, `%.14G`). Internal. */
export function floatText14(x: number): string {
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
function entries(value: unknown[] | Record<string, unknown> | Map<unknown, unknown>): [number | bigint | string | Uint8Array, unknown][] {
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [phpArrayKey(k), v]);
  return Object.keys(value).map((k) => [phpArrayKey(k), (value as Record<string, unknown>)[k]]);
}

/** A property's name as PHP shows it: the name, its visibility and (private) its class. */
function propertyName(p: PhpProperty): string | Uint8Array {
  return typeof p.name === "object" ? p.name : String(p.name);
}

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

function printR(out: Out, value: unknown, indent: number, seen: Set<unknown>): void {
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

function printRKey(p: PhpProperty): string | Uint8Array {
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
    printR(out, item, indent + 8, seen);
    out.add("\n");
  }
  out.add(`${spaces(indent)})\n`);
}

/** A scalar converted to string as PHP's `(string)` does (print_r, echo). */
function scalarText(out: Out, value: unknown): void {
  if (value === true) return out.add("1");
  if (value === false || value === null || value === undefined) return;
  if (value instanceof Uint8Array) return out.bytes(value);
  if (value instanceof PhpFloat) return out.add(floatText14(value.value));
  if (typeof value === "number") return out.add(isInt(value) ? String(value) : floatText14(value));
  out.add(String(value));
}

// ---- var_dump ----

interface DumpState {
  ids: Map<object, number>;
  stack: Set<unknown>;
}

function varDump(out: Out, value: unknown, level: number, state: DumpState): void {
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
    const bytes = stringBytes(value);
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
      varDump(out, p.value, level + 2, state);
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
      varDump(out, item, level + 2, state);
    }
    state.stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add("}\n");
  }
  out.add(`${amp}object(${(value as object).constructor?.name ?? "object"})#0 (0) {\n}\n`);
}

// ---- var_export ----

function exportString(out: Out, value: string | Uint8Array): void {
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

function varExport(out: Out, value: unknown, level: number, stack: Set<unknown>): void {
  value = unwrap(value);
  if (value === null || value === undefined) return out.add("NULL");
  if (typeof value === "boolean") return out.add(String(value));
  if (isInt(value)) {
    return out.add(BigInt(value) === -(2n ** 63n) ? "-9223372036854775807-1" : String(value));
  }
  if (typeof value === "number") return out.add(exportFloat(value));
  if (value instanceof PhpFloat) return out.add(exportFloat(value.value));
  if (typeof value === "string" || value instanceof Uint8Array) return exportString(out, value);
  if (level > 1) out.add(`\n${spaces(level - 1)}`);
  if (value instanceof PhpEnum) return out.add(`\\${value.className}::${value.caseName}`);
  if (stack.has(value)) {
    emitRecursionWarning();
    return out.add("NULL");
  }
  if (value instanceof PhpObject || value instanceof PhpCustom) {
    const stdClass = value.className === "stdClass";
    out.add(stdClass ? "(object) array(\n" : `\\${value.className}::__set_state(array(\n`);
    stack.add(value);
    for (const p of value instanceof PhpObject ? objectProperties(value) : []) {
      out.add(spaces(level + 2));
      const name = propertyName(p);
      if (typeof p.name === "number" || typeof p.name === "bigint") out.add(`${p.name} => `);
      else {
        exportString(out, name);
        out.add(" => ");
      }
      varExport(out, p.value, level + 2, stack);
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
      varExport(out, item, level + 2, stack);
      out.add(",\n");
    }
    stack.delete(value);
    if (level > 1) out.add(spaces(level - 1));
    return out.add(")");
  }
  out.add("NULL");
}

function emitRecursionWarning(): void {
  process.stderr.write("Warning: var_export does not handle circular references\n");
}

function write(text: string | Uint8Array): void {
  process.stdout.write(text);
}

/**
 * PHP's `print_r()`: with `return_ = true` the text, else prints it and returns `true`.
 *
 * @example
 * ```ts
 * import { print_r } from "bun-sysv/compat";
 * print_r([1, [2]], true); // "Array\n(\n    [0] => 1\n    [1] => Array\n        (\n            [0] => 2\n        )\n\n)\n"
 * ```
 */
export function print_r(value: unknown, return_: true): string | Uint8Array;
export function print_r(value: unknown, return_?: false): true;
export function print_r(value: unknown, return_ = false): string | Uint8Array | true {
  const out = new Out();
  printR(out, value, 0, new Set());
  const text = out.result();
  if (return_) return text;
  write(text);
  return true;
}

/**
 * PHP's `var_dump()`: prints each value's type and contents.
 *
 * @example
 * ```ts
 * import { var_dump } from "bun-sysv/compat";
 * var_dump(1, 1.5, "é", [true, null]); // int(1) float(1.5) string(2) "é" array(2) {...}
 * ```
 */
export function var_dump(value: unknown, ...values: unknown[]): void {
  write(varDumpText(value, ...values));
}

/**
 * The text {@link var_dump} prints (PHP has no return form; this is for tests and logs).
 *
 * @example
 * ```ts
 * import { varDumpText } from "bun-sysv/compat";
 * varDumpText(["a"]); // 'array(1) {\n  [0]=>\n  string(1) "a"\n}\n'
 * ```
 */
export function varDumpText(...values: unknown[]): string | Uint8Array {
  const out = new Out();
  for (const value of values) varDump(out, value, 1, { ids: new Map(), stack: new Set() });
  return out.result();
}

/**
 * PHP's `var_export()`: PHP source text for the value; with `return_ = true` returned, else printed.
 *
 * @example
 * ```ts
 * import { var_export } from "bun-sysv/compat";
 * var_export({ a: 1.0 }, true); // "array (\n  'a' => 1,\n)" (1.0 is a JS int: use PhpFloat for 1.0)
 * ```
 */
export function var_export(value: unknown, return_: true): string | Uint8Array;
export function var_export(value: unknown, return_?: false): null;
export function var_export(value: unknown, return_ = false): string | Uint8Array | null {
  const out = new Out();
  varExport(out, value, 1, new Set());
  const text = out.result();
  if (return_) return text;
  write(text);
  return null;
}
