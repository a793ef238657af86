/**
 * bun-sysv/compat: PHP 8.2's function names for System V IPC, so PHP code ports line by line.
 *
 * @example
 * ```ts
 * import { ftok, shmop_open, shmop_read } from "bun-sysv/compat";
 * const shm = shmop_open(ftok("/tmp/app.key", "A"), "a", 0, 0);
 * if (shm) console.log(shmop_read(shm, 0, 0));
 * ```
 * @module
 */
export * from "./shmop.ts";
export * from "./ftok.ts";
export * from "./diagnostics.ts";
export * from "./ref.ts";
export * from "./sysvsem.ts";
export * from "./msg.ts";
export * from "./sysvshm.ts";
export * from "./serialize.ts";
export type { PhpBoolArg, PhpIntArg, PhpMixed, PhpStringArg } from "./types.ts";
// processes (pcntl without fork, posix) and the shared signal constants
export * from "./signals-constants.ts";
export * from "./pcntl.ts";
export * from "./posix.ts";
// the PHP IPC library's channels (StreamChannel, MultiStreamChannel)
export * from "./channels.ts";
// porting helpers: PHP's strlen and value printing
export * from "./string.ts";
export * from "./print.ts";
export * from "./pcntl-signal.ts";
export * from "./ipc-library/index.ts";
