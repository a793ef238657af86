/**
 * PHP's diagnostics in the compat layer: warnings/notices/deprecations become one line on stderr
 * (`Warning: shmop_open(): Unable to attach ...`), or go to a handler you set; PHP 8's thrown
 * `ValueError`, `TypeError` and `Error` become thrown JS errors with those names.
 *
 * @example
 * ```ts
 * import { setDiagnosticHandler, shmop_open } from "bun-sysv/compat";
 * const seen: string[] = [];
 * setDiagnosticHandler((d) => seen.push(d.text));
 * shmop_open(0x1234, "a", 0, 0); // false; seen[0] = 'Warning: shmop_open(): Unable to attach ...'
 * setDiagnosticHandler(null);    // back to stderr
 * ```
 * @module
 */

/** The PHP error levels the compat layer emits. */
export type DiagnosticLevel = "Warning" | "Notice" | "Deprecated";

/** One PHP diagnostic. `text` is the full line, e.g. `Warning: msg_send(): msgsnd failed: Invalid argument`. */
export interface Diagnostic {
  level: DiagnosticLevel;
  /** PHP function name, e.g. `"shm_put_var"` (empty for PHP's prefix-less lines such as deprecations). */
  fn: string;
  /** The message after `fn(): `. */
  message: string;
  text: string;
}

/** Receives diagnostics instead of stderr. */
export type DiagnosticHandler = (d: Diagnostic) => void;

let handler: DiagnosticHandler | null = null;

/** Replace where diagnostics go (`null` restores the default: one line on stderr). Returns the previous handler. */
export function setDiagnosticHandler(next: DiagnosticHandler | null): DiagnosticHandler | null {
  const previous = handler;
  handler = next;
  return previous;
}

/** Emit a PHP diagnostic from `fn` (`fn` empty: PHP's form without a function prefix, as for deprecations). */
export function emit(level: DiagnosticLevel, fn: string, message: string): void {
  const d: Diagnostic = { level, fn, message, text: fn ? `${level}: ${fn}(): ${message}` : `${level}: ${message}` };
  if (handler) handler(d);
  else process.stderr.write(`${d.text}\n`);
}

/** `Warning: fn(): message`. */
export function warn(fn: string, message: string): void {
  emit("Warning", fn, message);
}

/** PHP 8 `ValueError`: an argument has a wrong value. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** PHP's base `Error` class (thrown for misuse such as a destroyed handle); `name` is `"Error"`. */
export class PhpError extends Error {
  override name = "Error";
}

/** PHP's `TypeError` is JS's own. */
export const PhpTypeError = TypeError;
