/**
 * Text the CLI prints: decoded PHP values in PHP's `var_export` style (the library's printer) or as
 * JSON-safe data, hex dumps, and aligned tables.
 *
 * @example
 * ```ts
 * varExport(new Map([["a", 1]])); // "array (\n  'a' => 1,\n)"
 * hexDump(new Uint8Array([0x50, 0x48]), 0); // "00000000  50 48  |PH|"
 * ```
 * @module
 */
import { writeSync } from "node:fs";
import { phpStringToBytes, type PhpString } from "../bytes.ts";
import { formatPhpFloat } from "../serialize/float.ts";
import { PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef } from "../serialize/types.ts";

/**
 * A decoded PHP value in PHP 8.2's `var_export` format: the library's printer (`src/serialize/print.ts`),
 * a `Uint8Array` when the value holds binary strings (print it with {@link printLine}).
 *
 * @example
 * ```ts
 * varExport([1, "a"]); // "array (\n  0 => 1,\n  1 => 'a',\n)"
 * ```
 */
export { varExport } from "../serialize/print.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A PHP string as JSON text: the string itself, or bytes as UTF-8 if they are, else one char per byte. */
function stringBytes(value: string | Uint8Array): string {
  if (typeof value === "string") return value;
  try {
    return utf8.decode(value);
  } catch {
    return Array.from(value, (b) => String.fromCharCode(b)).join("");
  }
}

/** The keys and values of a keyed PHP array (a `Map`, or a plain object whose keys JSON keeps as they are). */
function entries(value: unknown): Array<[unknown, unknown]> {
  return value instanceof Map ? [...value.entries()] : Object.entries(value as object);
}

/**
 * Prints one line made of text and PHP strings (what {@link varExport} returns): as text when every
 * part is, else as the exact bytes (a binary string prints as its bytes, as PHP prints it).
 *
 * @example
 * ```ts
 * printLine("1 => ", varExport("hi")); // 1 => 'hi'
 * ```
 */
export function printLine(...parts: PhpString[]): void {
  if (parts.every((p) => typeof p === "string")) {
    console.log(parts.join(""));
    return;
  }
  try {
    writeSync(1, Buffer.concat([...parts, "\n"].map((p) => phpStringToBytes(p))));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e; // the reader went away, as console.log allows
  }
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
    return { class: name, properties: Object.fromEntries(value.properties.map((p) => [typeof p.name === "object" ? stringBytes(p.name) : String(p.name), toJsonValue(p.value)])) };
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
