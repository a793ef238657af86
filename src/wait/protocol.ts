/**
 * The messages between the main thread and a waiter thread: one blocking libc call per request.
 *
 * @example
 * ```ts
 * const req: WaitRequest = { seq: 1, op: "msgrcv", id, maxSize: 8192, type: 0, flags: 0 };
 * ```
 * @module
 */

/** A blocking call a waiter thread can make. */
export type BlockingCall =
  /** msgrcv(id, buf, maxSize, type, flags): receive one message. */
  | { op: "msgrcv"; id: number; maxSize: number; type: number | bigint; flags: number }
  /** msgsnd(id, message, message.length - 8, flags): `message` is `mtype` (int64 LE) + payload. */
  | { op: "msgsnd"; id: number; message: Uint8Array; flags: number }
  /** semtimedop(id, sops, n, timeout): `sops` is a packed `struct sembuf[]`; no timeout = wait forever. */
  | { op: "semop"; id: number; sops: Uint8Array; timeoutMs?: number }
  /** flock(fd, operation): take a file lock (LOCK_SH or LOCK_EX, without LOCK_NB). */
  | { op: "flock"; fd: number; operation: number };

/** A request as posted to a waiter thread. */
export type WaitRequest = BlockingCall & { seq: number };

/** What a waiter thread answers. */
export type WaitOutcome =
  /** The call succeeded: `value` is its return; msgrcv adds the message type and payload bytes. */
  | { status: "ok"; value: number; type?: bigint; payload?: Uint8Array }
  /** The call failed with `errno` (EAGAIN for a semaphore timeout). */
  | { status: "error"; errno: number }
  /** The call was interrupted because the caller cancelled it; nothing was consumed. */
  | { status: "cancelled" };

/** Control words shared with a waiter (Int32Array over a SharedArrayBuffer). */
export const CTL_CANCEL = 0; // seq of the request the caller wants cancelled
export const CTL_SIZE = 2;
