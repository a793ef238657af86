/**
 * Text the CLI prints: decoded PHP values in PHP's `var_export` style or as JSON-safe data, hex dumps,
 * and aligned tables.
 *
 * @example
 * ```ts
 * varExport(new Map([["a", 1]])); // "array (\n  'a' => 1,\n)"
 * hexDump(new Uint8Array([0x50, 0x48]), 0); // "00000000  50 48  |PH|"
 * ```
 * @module
 */
import { formatPhpFloat } from "../serialize/float.ts";
import { PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef } from "../serialize/types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

function stringBytes(value: string | Uint8Array): string {
  if (typeof value === "string") return value;
  try {
    return utf8.decode(value);
  } catch {
    return Array.from(value, (b) => String.fromCharCode(b)).join("");
  }
}

/** A PHP string literal as var_export writes it: single quotes, NUL as `'' . "\0" . ''`. */
function quote(value: string | Uint8Array): string {
  const text = stringBytes(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'");
  return `'${text.split("\0").join(`' . "\\0" . '`)}'`;
}

function exportFloat(x: number): string {
  const text = formatPhpFloat(x);
  return /[.EN]/.test(text) ? text : `${text}.0`;
}

function exportKey(key: unknown): string {
  return typeof key === "number" || typeof key === "bigint" ? String(key) : quote(key as string | Uint8Array);
}

function entries(value: unknown): Array<[unknown, unknown]> {
  if (value instanceof Map) return [...value.entries()];
  if (Array.isArray(value)) return value.map((v, i) => [i, v]);
  return Object.entries(value as object).map(([k, v]) => [/^(0|-?[1-9]\d*)$/.test(k) ? Number(k) : k, v]);
}

function block(items: Array<[unknown, unknown]>, indent: string, pad: string): string {
  let out = "";
  for (const [k, v] of items) {
    const inner = exportValue(v, indent + pad);
    const nested = inner.startsWith("array (") || inner.includes("::__set_state(") || inner.startsWith("(object)");
    out += `${indent}${pad}${exportKey(k)} => ${nested ? `\n${indent}${pad}` : ""}${inner},\n`;
  }
  return out;
}

function exportValue(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return String(value);
  if (typeof value === "number") return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : exportFloat(value);
  if (typeof value === "string" || value instanceof Uint8Array) return quote(value);
  if (value instanceof PhpFloat) return exportFloat(value.value);
  if (value instanceof PhpRef) return exportValue(value.value, indent);
  if (value instanceof PhpEnum) return `\\${value.className}::${value.caseName}`;
  if (value instanceof PhpCustom) return `\\${value.className}::__set_state(array(\n${indent}))`;
  if (value instanceof PhpObject) {
    const props = value.properties.map((p) => [p.name, p.value] as [unknown, unknown]);
    const body = block(props, indent, "   ");
    if (value.className === "stdClass") return `(object) array(\n${body}${indent})`;
    const name = value instanceof PhpIncompleteObject ? value.originalClassName : value.className;
    return `\\${name}::__set_state(array(\n${body}${indent}))`;
  }
  return `array (\n${block(entries(value), indent, "  ")}${indent})`;
}

/**
 * A decoded PHP value in PHP 8.2's `var_export` format.
 *
 * @example
 * ```ts
 * varExport([1, "a"]); // "array (\n  0 => 1,\n  1 => 'a',\n)"
 * ```
 */
export function varExport(value: unknown): string {
  return exportValue(value, "");
}

/**
 * A decoded PHP value as JSON-safe data: ints beyond 2^53 as strings, keyed arrays as objects, binary
 * strings as `{ "base64": ... }`, objects as `{ "class": ..., "properties": {...} }`, INF/NAN as strings.
 *
 * @example
 * ```ts
 * toJsonValue(new Map([[1, 2n ** 60n]])); // { "1": "1152921504606846976" }
 * ```
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined || typeof value === "boolean" || typeof value === "string") return value ?? null;
  if (typeof value === "bigint") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : String(formatPhpFloat(value));
  if (value instanceof Uint8Array) {
    try {
      return utf8.decode(value);
    } catch {
      return { base64: Buffer.from(value).toString("base64") };
    }
  }
  if (value instanceof PhpFloat) return toJsonValue(value.value);
  if (value instanceof PhpRef) return toJsonValue(value.value);
  if (value instanceof PhpEnum) return { enum: value.className, case: value.caseName };
  if (value instanceof PhpCustom) return { class: value.className, data: Buffer.from(value.data).toString("base64") };
  if (value instanceof PhpObject) {
    const name = value instanceof PhpIncompleteObject ? value.originalClassName : value.className;
    return { class: name, properties: Object.fromEntries(value.properties.map((p) => [stringBytes(p.name as string), toJsonValue(p.value)])) };
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map && [...value.keys()].every((k, i) => k === i)) return [...value.values()].map(toJsonValue);
  return Object.fromEntries(entries(value).map(([k, v]) => [typeof k === "object" ? stringBytes(k as Uint8Array) : String(k), toJsonValue(v)]));
}

/** JSON text of CLI data (bigints as strings). */
export function json(data: unknown): string {
  return JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2);
}

/**
 * `hexdump -C` style lines of `bytes`, offsets starting at `base`.
 *
 * @example
 * ```ts
 * hexDump(new TextEncoder().encode("hi"), 0); // "00000000  68 69  |hi|"
 * ```
 */
export function hexDump(bytes: Uint8Array, base = 0): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, "0"));
    const left = hex.slice(0, 8).join(" "), right = hex.slice(8).join(" ");
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${(base + at).toString(16).padStart(8, "0")}  ${`${left}${right ? `  ${right}` : ""}`.padEnd(49)} |${ascii}|`);
  }
  return lines.join("\n");
}

/**
 * Rows as aligned columns under a header line.
 *
 * @example
 * ```ts
 * table(["KEY", "ID"], [["0x1", "2"]]); // "KEY  ID\n0x1  2"
 * ```
 */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
