/**
 * PHP's `print_r`, `var_dump` and `var_export` for the values `unserialize` gives (and the JS values a
 * port builds), byte for byte as PHP 8.2 prints them, so a port's output reads like its original's.
 * `print_r(value, true)` and `var_export(value, true)` return the text (a `Uint8Array` when it holds
 * binary strings that are not UTF-8); otherwise the text goes to stdout.
 *
 * A thin layer over the library's printer (`printR`, `varDump`, `varExport` in `src/serialize/print.ts`,
 * which says how JS values map to PHP types): PHP's signatures, writing to stdout, and var_export's
 * "does not handle circular references" warning through the compat diagnostics.
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
import { phpFloatToString, printR, varDump, varExport } from "../src/serialize/print.ts";
import { emit } from "./diagnostics.ts";

/** A float as PHP's `(string)`, `echo` and `print_r` give it (`precision` = 14, `%.14G`). Internal. */
export const floatText14: (x: number) => string = phpFloatToString;

function write(text: string | Uint8Array): void {
  process.stdout.write(text);
}

/** PHP's warning for a value that contains itself (a line without a function prefix, as PHP prints it). */
function recursionWarning(): void {
  emit("Warning", "", "var_export does not handle circular references");
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
  const text = printR(value);
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
  return varDump(...values);
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
  const text = varExport(value, { onRecursion: recursionWarning });
  if (return_) return text;
  write(text);
  return null;
}
