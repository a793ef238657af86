/**
 * PHP's `print_r()` text for the values the ports print (arrays, objects as arrays, scalars), so a
 * port's output reads like its original's.
 *
 * @example
 * ```ts
 * printR({ count: 100 }); // "Array\n(\n    [count] => 100\n)\n"
 * ```
 * @module
 */

function isArray(value: unknown): value is Record<string, unknown> | unknown[] {
  return Array.isArray(value) || (value !== null && typeof value === "object" && !(value instanceof Uint8Array));
}

function scalar(value: unknown): string {
  if (value === true) return "1";
  if (value === false || value === null || value === undefined) return "";
  if (value instanceof Uint8Array) return Buffer.from(value).toString("latin1");
  return String(value);
}

/** The text `print_r($value)` prints. */
export function printR(value: unknown, indent = 0): string {
  if (!isArray(value)) return scalar(value);
  const pad = " ".repeat(indent);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const body = entries.map(([key, item]) => `${pad}    [${String(key)}] => ${printR(item, indent + 8)}\n`).join("");
  return `Array\n${pad}(\n${body}${pad})\n`;
}
