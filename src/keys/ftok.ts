/**
 * `ftok(3)`: a key from a file's inode and device and a one-byte project id, exactly as PHP's `ftok()`.
 *
 * @example
 * ```ts
 * import { ftok, FileKey } from "bun-sysv";
 * const key = ftok("/var/run/app.pid", "A");
 * const k0 = new FileKey("/var/run/app.pid");   // project id 0
 * const k1 = k0.next();                        // project id 1
 * ```
 * @module
 */
import { check } from "../ffi/errno.ts";
import { libc } from "../ffi/libc.ts";

/** A project id: a one-character string whose code is 0-255 (`"A"`, `"\0"`, `"\xff"`) or a number 0-255. */
export type ProjectId = string | number;

/** The project id as the byte glibc uses. Throws RangeError for anything that is not exactly one byte. */
export function projectByte(projectId: ProjectId): number {
  if (typeof projectId === "number") {
    if (!Number.isInteger(projectId) || projectId < 0 || projectId > 255) {
      throw new RangeError(`ftok: project id must be an integer 0-255, got ${projectId}`);
    }
    return projectId;
  }
  if (projectId.length !== 1 || projectId.charCodeAt(0) > 255) {
    throw new RangeError(`ftok: project id must be a single character with code 0-255, got ${JSON.stringify(projectId)}`);
  }
  return projectId.charCodeAt(0);
}

/**
 * The System V key of `path` and `projectId`, via glibc's ftok: the same value as PHP's `ftok()`
 * (project ids >= 0x80 give negative keys, as in PHP). Throws NotFoundError if the file is missing.
 */
export function ftok(path: string, projectId: ProjectId): number {
  if (path === "") throw new RangeError("ftok: path must not be empty");
  if (path.includes("\0")) throw new RangeError("ftok: path must not contain NUL bytes");
  const id = projectByte(projectId);
  return check(libc.ftok(path, id), "ftok", { detail: `path ${JSON.stringify(path)}, project id ${id}` });
}

/**
 * A key bound to a file, as in the PHP IPC library: the project id starts at 0 and
 * {@link FileKey.next} (or `clone()`) gives the key with the next project id.
 */
export class FileKey {
  /** The file the key is derived from. */
  readonly path: string;
  /** The project id byte (0-255). */
  readonly projectId: number;
  /** The System V key (int32). */
  readonly key: number;

  constructor(path: string, projectId: ProjectId = 0) {
    this.path = path;
    this.projectId = projectByte(projectId);
    this.key = ftok(path, this.projectId);
  }

  /** The key of the same file with project id + 1 (RangeError after 255). */
  next(): FileKey {
    return new FileKey(this.path, this.projectId + 1);
  }

  /** PHP's `clone $key`: same as {@link FileKey.next}. */
  clone(): FileKey {
    return this.next();
  }

  /** The key as a number. */
  valueOf(): number {
    return this.key;
  }
}
