/**
 * PHP 8.2's sysvmsg constants. The flag values are PHP's own bits (translated to the kernel's
 * IPC_NOWAIT / MSG_NOERROR / MSG_EXCEPT inside `msg_receive`), not libc's.
 *
 * @example
 * ```ts
 * import { MSG_IPC_NOWAIT, MSG_ENOMSG, msg_receive, ref } from "bun-sysv/compat";
 * const code = ref<number>();
 * msg_receive(queue, 0, ref(), 1024, ref(), true, MSG_IPC_NOWAIT, code);
 * if (code.value === MSG_ENOMSG) console.log("empty");
 * ```
 * @module
 */

/** `msg_receive` flag: do not wait for a message (fail with MSG_ENOMSG). */
export const MSG_IPC_NOWAIT = 1;
/** `msg_receive` flag: truncate a message longer than `$max_message_size` instead of failing with E2BIG. */
export const MSG_NOERROR = 2;
/** `msg_receive` flag: with a positive type, receive the first message of any other type. */
export const MSG_EXCEPT = 4;
/** errno of a non-blocking `msg_send` on a full queue. */
export const MSG_EAGAIN = 11;
/** errno of a non-blocking `msg_receive` that found no matching message. */
export const MSG_ENOMSG = 42;
