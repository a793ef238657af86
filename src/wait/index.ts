/**
 * Off-main-thread waiting shared by semaphores and message queues.
 *
 * @example
 * ```ts
 * import { runBlocking } from "./wait/index.ts";
 * const r = await runBlocking({ op: "semop", id, sops, timeoutMs: 100 });
 * ```
 * @module
 */
export * from "./pool.ts";
