/**
 * The blocking calls a waiter thread can make for the main thread (see pool.ts), and its answers.
 *
 * @example
 * ```ts
 * const call: BlockingCall = { op: "msgrcv", id, maxSize: 8192, type: 0, flags: 0 };
 * const lock: BlockingCall = { op: "flock", fd, operation: LOCK_EX };
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
  /** flock(fd, operation): LOCK_SH or LOCK_EX (LOCK_NB is added only while the call is polled). */
  | { op: "flock"; fd: number; operation: number };

/** What a waiter thread answers. */
export type WaitOutcome =
  /** The call succeeded: `value` is its return; msgrcv adds the message type and payload bytes. */
  | { status: "ok"; value: number; type?: bigint; payload?: Uint8Array }
  /** The call failed with `errno` (EAGAIN for a semaphore timeout). */
  | { status: "error"; errno: number }
  /** The call was interrupted because the caller cancelled it; nothing was consumed. */
  | { status: "cancelled" };
