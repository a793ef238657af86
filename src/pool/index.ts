/**
 * A worker pool over two message queues: {@link WorkerPool} in the main process, {@link serveTasks}
 * in each Bun worker; PHP workers speak the same protocol (see `protocol.ts`, `docs/examples.md`).
 *
 * @example
 * ```ts
 * import { WorkerPool } from "bun-sysv";
 * const pool = WorkerPool.start({ workers: [{ command: [process.execPath, "worker.ts"], count: 4 }] });
 * pool.submit({ value: 1 });
 * pool.finish();
 * for await (const outcome of pool.results()) console.log(outcome);
 * await pool.close();
 * ```
 * @module
 */
export { WorkerPool, type PoolOptions, type PoolReport, type TaskOutcome, type WorkerReport } from "./pool.ts";
export { serveTasks, type ServeOptions, type ServeSummary, type TaskContext } from "./worker.ts";
export { WORKER_ENV_DEFAULTS, type WorkerExit, type WorkerOutput, type WorkerProcess, type WorkerSpec } from "./children.ts";
export {
  POOL_BATCH_TYPE, POOL_ENV, POOL_HELLO_TYPE, POOL_MESSAGE_TYPE, POOL_STOP,
  type ResultBatchMessage, type ResultMessage, type TaskBatchMessage, type TaskMessage,
} from "./protocol.ts";
