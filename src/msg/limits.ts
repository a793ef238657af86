/**
 * The kernel's message queue limits, asked once per process with `msgctl(0, IPC_INFO)`: the values
 * of `/proc/sys/kernel/msgmax` and `msgmnb` in this process's IPC namespace, without opening a file (a pool
 * worker starts sooner without `node:fs`, docs/pool.md).
 *
 * A process keeps the values it read first: if root raises `kernel.msgmax` while the process runs, its
 * receives stay capped at the old size (a longer message gives E2BIG, never a buffer overrun).
 *
 * @example
 * ```ts
 * import { messageLimits } from "./limits.ts";
 * const { msgmax, msgmnb } = messageLimits(); // 8192, 16384 on a default Linux
 * ```
 * @module
 */
import { IPC_INFO } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";
import { MSGINFO, newStruct, readStruct } from "../ffi/structs.ts";

/** `msgmax`: largest message payload in bytes; `msgmnb`: default byte capacity of a new queue. */
export interface MessageLimits {
  readonly msgmax: number;
  readonly msgmnb: number;
}

let cached: MessageLimits | undefined;

/**
 * The limits of this machine (Linux defaults 8192 / 16384 if the kernel does not answer).
 *
 * @example
 * ```ts
 * if (payload.length > messageLimits().msgmax) throw new Error("too big for one message");
 * ```
 */
export function messageLimits(): MessageLimits {
  if (cached === undefined) {
    const info = newStruct(MSGINFO);
    const ok = libc.msgctl(0, IPC_INFO, info) >= 0; // returns the highest queue index in use, not 0
    const { msgmax, msgmnb } = readStruct(MSGINFO, info);
    cached = { msgmax: ok && msgmax > 0 ? msgmax : 8192, msgmnb: ok && msgmnb > 0 ? msgmnb : 16384 };
  }
  return cached;
}
