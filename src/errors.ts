/**
 * Errors of bun-sysv: one base class, {@link IpcError}, and a few subclasses to catch by meaning
 * (modelled on Python's sysv_ipc). Every error names the call, the key and the errno.
 *
 * @example
 * ```ts
 * import { ExistsError, SharedMemory } from "bun-sysv";
 * try {
 *   SharedMemory.createNew(key, 1024);
 * } catch (e) {
 *   if (e instanceof ExistsError) console.log(e.code, e.key); // "EEXIST", 0x...
 *   else throw e;
 * }
 * ```
 * @module
 */
import { keyHex } from "./keys/key.ts";

/** What an error is about: the IPC key, the kernel id, and a human detail. */
export interface IpcErrorContext {
  /** The System V key (int32), if the call had one. */
  key?: number;
  /** The kernel id (shmid, msqid, semid), if known. */
  id?: number;
  /** Extra explanation appended to the message. */
  detail?: string;
}

/** Everything an {@link IpcError} carries. */
export interface IpcErrorInit extends IpcErrorContext {
  /** Symbolic errno name: `"EEXIST"`, `"EACCES"`, ... */
  code: string;
  /** Numeric errno (0 when the error did not come from the kernel). */
  errno: number;
  /** The call that failed: `"shmget"`, `"msgsnd"`, `"SharedMemory.read"`, ... */
  syscall: string;
  /** strerror(3) text or an equivalent explanation. */
  text: string;
}

/** Formats a key the way error messages show it: `0x0001e240`, or `IPC_PRIVATE`. */
export function formatKey(key: number): string {
  return key === 0 ? "IPC_PRIVATE" : keyHex(key);
}

/** Base class of every error bun-sysv throws on purpose. */
export class IpcError extends Error {
  override name = "IpcError";
  /** Symbolic errno name (`"EEXIST"`, `"E2BIG"`, ...). */
  readonly code: string;
  /** Numeric errno, 0 if not from the kernel. */
  readonly errno: number;
  /** The call that failed. */
  readonly syscall: string;
  /** The System V key involved, if any. */
  readonly key: number | undefined;
  /** The kernel object id involved, if any. */
  readonly id: number | undefined;

  constructor(init: IpcErrorInit) {
    const where = [
      init.key !== undefined ? `key=${formatKey(init.key)}` : "",
      init.id !== undefined ? `id=${init.id}` : "",
    ].filter(Boolean).join(", ");
    super(`${init.syscall}(${where}): ${init.code} (${init.text})${init.detail ? `: ${init.detail}` : ""}`);
    this.code = init.code;
    this.errno = init.errno;
    this.syscall = init.syscall;
    this.key = init.key;
    this.id = init.id;
    dropInternalFrames(this, new.target);
  }
}

/** Stack lines of the files that only build errors: this one and `ffi/errno.ts`. */
const INTERNAL_FRAME = /[\\/]src[\\/](?:errors|ffi[\\/]errno)\.ts:\d+/;

/**
 * Makes the stack start where the failing call was made: V8's `captureStackTrace` drops the constructors,
 * then the frames of the error-building helpers (`ipcError`, `errorFor`, `check`) go too.
 */
function dropInternalFrames(error: Error, constructor: Function): void {
  Error.captureStackTrace?.(error, constructor);
  const stack = error.stack;
  if (typeof stack !== "string") return;
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line) && !INTERNAL_FRAME.test(line));
  // The subclass's `name` field is set after this base constructor runs: head the stack with the class name.
  error.stack = [`${constructor.name}: ${error.message}`, ...frames].join("\n");
}

/** The key has no object (ENOENT) and the call was not allowed to create one. */
export class NotFoundError extends IpcError { override name = "NotFoundError"; }
/** Create-new was asked and the key already has an object (EEXIST). */
export class ExistsError extends IpcError { override name = "ExistsError"; }
/** The object's mode does not grant the access asked for (EACCES, EPERM). */
export class PermissionError extends IpcError { override name = "PermissionError"; }
/** The call would have to wait and was told not to, or its timeout ran out (EAGAIN, ENOMSG, ETIMEDOUT). */
export class BusyError extends IpcError { override name = "BusyError"; }
/** The data does not fit: message over msgmax, value over the segment's free space (E2BIG, ENOSPC, EFBIG). */
export class TooBigError extends IpcError { override name = "TooBigError"; }
/** The object was removed (EIDRM, or EINVAL on an id that no longer exists). */
export class RemovedError extends IpcError { override name = "RemovedError"; }
/** The handle was detached or closed by this process and can no longer be used (EBADF). */
export class ClosedError extends IpcError { override name = "ClosedError"; }
/** Bytes that are not a valid PHP serialization (EBADMSG); `offset` is where parsing stopped. */
export class UnserializeError extends IpcError {
  override name = "UnserializeError";
  /** Byte offset where the parser stopped, like PHP's `Error at offset X of Y bytes`. */
  readonly offset: number;
  /** Total length of the input in bytes. */
  readonly length: number;
  /** `context` names another call than `unserialize` and its key/id (e.g. a queue's receive). */
  constructor(offset: number, length: number, reason: string, context?: IpcErrorContext & { syscall?: string }) {
    super({
      syscall: "unserialize", ...context, code: "EBADMSG", errno: 74, text: `Error at offset ${offset} of ${length} bytes`,
      detail: context?.detail ?? reason,
    });
    this.offset = offset;
    this.length = length;
  }
}
/** Data read from shared memory does not make sense (bad header, chunk out of bounds) (EBADMSG). */
export class CorruptError extends IpcError { override name = "CorruptError"; }

const BY_CODE: Record<string, new (init: IpcErrorInit) => IpcError> = {
  ENOENT: NotFoundError,
  EEXIST: ExistsError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  EAGAIN: BusyError,
  ENOMSG: BusyError,
  ETIMEDOUT: BusyError,
  E2BIG: TooBigError,
  ENOSPC: TooBigError,
  EFBIG: TooBigError,
  EIDRM: RemovedError,
  EBADF: ClosedError,
  EBADMSG: CorruptError,
};

/** Builds the subclass that fits `init.code` (plain {@link IpcError} for the rest, e.g. EINVAL). */
export function ipcError(init: IpcErrorInit): IpcError {
  const Class = BY_CODE[init.code] ?? IpcError;
  const error = new Class(init);
  Error.captureStackTrace?.(error, ipcError); // the stack starts at ipcError's caller (see IpcError's constructor)
  return error;
}
