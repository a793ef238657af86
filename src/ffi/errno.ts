/**
 * errno numbers of Linux and their names, and the one helper that turns a failing libc return
 * into a thrown {@link IpcError}.
 *
 * @example
 * ```ts
 * import { check } from "./errno.ts";
 * const id = check(libc.shmget(key, 4096, 0o600), "shmget", { key });
 * ```
 * @module
 */
import { ipcError, RemovedError, type IpcError, type IpcErrorContext } from "../errors.ts";
import { lastErrno, strerror } from "./libc.ts";

/** errno values used by System V IPC calls (Linux). */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, E2BIG: 7, EBADF: 9, ECHILD: 10, EAGAIN: 11, ENOMEM: 12,
  EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EINVAL: 22, ENFILE: 23, EMFILE: 24, EFBIG: 27, ENOSPC: 28,
  ERANGE: 34, EDEADLK: 35, ENOSYS: 38, ENOMSG: 42, EIDRM: 43, EBADMSG: 74, EOVERFLOW: 75, ETIMEDOUT: 110,
  // opening a file (FileLock, key files)
  ENOTDIR: 20, EISDIR: 21, EROFS: 30, ENAMETOOLONG: 36, ELOOP: 40,
  // Unix sockets (channels)
  ENOTSOCK: 88, EADDRINUSE: 98, ECONNREFUSED: 111,
} as const;

const NAMES = new Map<number, string>(Object.entries(ERRNO).map(([name, n]) => [n, name]));

/** The symbolic name of an errno value (`17` → `"EEXIST"`), or `"E<n>"` when unknown. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/** Build the error for a given errno (reads strerror's text). */
export function errorFor(errno: number, syscall: string, context: IpcErrorContext = {}): IpcError {
  const error = ipcError({ ...context, syscall, errno, code: errnoName(errno), text: strerror(errno) });
  Error.captureStackTrace?.(error, errorFor); // stacks start at the failing call, not in this helper
  return error;
}

/**
 * The error for a call on an id this handle already had, when the answer means the object is gone
 * (EIDRM, or EINVAL on that stale id): always a {@link RemovedError}, with the errno's own code and text.
 */
export function removedErrorFor(errno: number, syscall: string, context: IpcErrorContext = {}): IpcError {
  const error = new RemovedError({ ...context, syscall, errno, code: errnoName(errno), text: strerror(errno) });
  Error.captureStackTrace?.(error, removedErrorFor);
  return error;
}

/**
 * Returns `ret` unless it is -1, in which case errno is read at once and thrown as an
 * {@link IpcError} subclass naming the call, the key and the errno.
 */
export function check<T extends number>(ret: T, syscall: string, context?: IpcErrorContext): T {
  if (ret !== -1) return ret;
  const error = errorFor(lastErrno(), syscall, context);
  Error.captureStackTrace?.(error, check);
  throw error;
}
