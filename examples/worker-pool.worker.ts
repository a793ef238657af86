/**
 * A Bun worker of `worker-pool.ts` (started by the pool, not by hand): takes `{ value, duration }`
 * tasks, sleeps `duration` ms like the a6 article's `processTask`, answers `value * 2`.
 * The pool sets SYSV_POOL_TASK_KEY, SYSV_POOL_RESULT_KEY and SYSV_POOL_WORKER.
 *
 * @example
 * ```sh
 * bun examples/worker-pool.ts --workers 2   # starts two of these
 * ```
 * @module
 */
import { serveTasks } from "../src/pool/worker.ts"; // not the whole library: a worker starts sooner

/** One task of the example pool (the same fields as a6-worker-pool.php's tasks, `id` aside). */
export interface PoolTask {
  value: number;
  /** Simulated work in ms (0 = none). */
  duration: number;
}

const { reason } = await serveTasks<PoolTask, number>((task) =>
  task.duration > 0 ? Bun.sleep(task.duration).then(() => task.value * 2) : task.value * 2
);
process.exit(reason === "stop" ? 0 : 1);
