/**
 * PHP's `ftok(string $filename, string $project_id): int`, with its ValueErrors, its warning and its
 * `-1` on failure. The key is glibc's (the same value PHP computes); project ids >= 0x80 give negative keys.
 *
 * @example
 * ```ts
 * import { ftok } from "bun-sysv/compat";
 * ftok(import.meta.path, "A"); // e.g. 1090584689
 * ftok("/missing", "A");       // -1 and `Warning: ftok(): ftok() failed - No such file or directory`
 * ```
 * @module
 */
import { IpcError } from "../src/errors.ts";
import { strerror } from "../src/ffi/libc.ts";
import { ftok as keyOf } from "../src/keys/ftok.ts";
import { ValueError, warn } from "./diagnostics.ts";
import { stringArg, type PhpStringArg } from "./types.ts";

/**
 * The one byte of `$project_id`: a one-byte `Uint8Array`, or a one-character string whose code is
 * 0-255 (`"A"`, `"\0"`, `"\xff"`); other strings count as UTF-8 bytes like PHP strings. Ints, floats
 * and bools are PHP's string of them first (`1` means `"1"`, `true` means `"1"`, `1.5` is 3 characters).
 */
function projectByte(projectId: string | Uint8Array): number {
  if (projectId instanceof Uint8Array) {
    if (projectId.length === 1) return projectId[0]!;
  } else if (projectId.length === 1 && projectId.charCodeAt(0) <= 0xff) {
    return projectId.charCodeAt(0);
  }
  throw new ValueError("ftok(): Argument #2 ($project_id) must be a single character");
}

/**
 * `ftok($filename, $project_id)`: the System V key of a file, or -1 with a Warning if the file cannot be
 * stat()ed. Arguments are coerced as PHP's non-strict mode does: `ftok(123, "a")` looks for a file named `123`.
 *
 * @example
 * ```ts
 * const key = ftok("/var/run/app.pid", "\xff"); // negative: 0xff in the top byte
 * ```
 */
export function ftok(filename: PhpStringArg, projectId: PhpStringArg): number {
  const path = stringArg("ftok", 1, "filename", filename);
  const name = typeof path === "string" ? path : new TextDecoder().decode(path);
  // PHP's order: both arguments are parsed (the path's null bytes refused there), then the values checked.
  if (name.includes("\0")) throw new ValueError("ftok(): Argument #1 ($filename) must not contain any null bytes");
  const projectText = stringArg("ftok", 2, "project_id", projectId);
  if (name === "") throw new ValueError("ftok(): Argument #1 ($filename) cannot be empty");
  const project = projectByte(projectText);
  try {
    return keyOf(name, project);
  } catch (e) {
    if (!(e instanceof IpcError)) throw e;
    warn("ftok", `ftok() failed - ${strerror(e.errno)}`);
    return -1;
  }
}
