/**
 * The shapes {@link WorkerPool} takes and gives: its options, the report of each worker and of the run.
 *
 * @example
 * ```ts
 * const report: PoolReport = await pool.close();
 * report.workers.filter((w) => w.died).map((w) => w.exit); // [{ code: null, signal: "SIGKILL" }]
 * ```
 * @module
 */
import type { WorkerExit, WorkerOutput, WorkerSpec } from "./children.ts";
import type { WorkerPool } from "./pool.ts";

/** Options of {@link WorkerPool.start}. */
export interface PoolOptions {
  /** The kinds of worker to start and how many of each. */
  workers: WorkerSpec[];
  /** File for `ftok` of both queue keys (default: a temp file of the pool's own). */
  keyFile?: string;
  /** Where workers' stdout goes (default `"inherit"`); stderr is always inherited. */
  stdout?: WorkerOutput;
  /** Called as each worker exits; `died` is true unless it exited with code 0 after STOP (or an abort). */
  onWorkerExit?: (worker: WorkerReport) => void;
  /**
   * Replace a worker that dies (see {@link WorkerReport.died}) with a new process of the same spec, under a
   * new index (the next one: `workers.length` at that moment), as long as the pool runs and its STOPs are not
   * sent. `true`: at most {@link DEFAULT_RESTARTS_PER_MINUTE} replacements in any 60 s, over the whole pool;
   * `{ maxPerMinute }` sets that bound. Beyond it a dead worker is not replaced (a worker that crashes at
   * start does not spin); once every worker has exited the pool ends as without this option. Default off.
   */
  replaceDead?: boolean | { maxPerMinute: number };
  /**
   * Let JavaScriptCore's top tier (FTL) compile the pool's per-task code in this process. Default off: its
   * compiles cost more CPU in the first ~100,000 tasks than they save (the workers run with FTL off for the
   * same reason, see `WORKER_ENV_DEFAULTS`); warm, FTL code moves ~15% more tasks per second, for a
   * long-running pool whose main process is its bottleneck (docs/pool.md, fifth round). The first pool of a process decides: a
   * function kept out of FTL stays out.
   */
  ftl?: boolean;
}

/** Replacements in any 60 s with `replaceDead: true`. */
export const DEFAULT_RESTARTS_PER_MINUTE = 10;

/** One worker in the final report. */
export interface WorkerReport {
  index: number;
  pid: number;
  command: readonly string[];
  exit: WorkerExit | undefined;
  /** Exited without being asked to (before STOP, or with a non-zero code or a signal), the pool not aborted. */
  died: boolean;
  /** Results (and errors) it sent. */
  answered: number;
  /** Index of the worker started in its place (`replaceDead`), if any. */
  replacedBy?: number;
  /** Index of the dead worker it replaced (`replaceDead`), if it is a replacement. */
  replaces?: number;
}

/** What {@link WorkerPool.close} returns. */
export interface PoolReport {
  submitted: number;
  done: number;
  failed: number;
  lost: number[];
  unstarted: number[];
  cancelled: number[];
  /** Results for an id already settled (should be 0). */
  duplicates: number;
  /** Messages on the result queue that were not results of this pool (should be 0). */
  garbage: number;
  workers: WorkerReport[];
  /** Batch messages sent (types 2 and 4, see `protocol.ts`), the tasks they carried, and how many of them went in JSON; the rest went one per message. */
  batches: { messages: number; tasks: number; json: number };
  /** Why the pool was aborted, if it was. */
  aborted: string | undefined;
  /** From start until every worker had exited and every task was settled. */
  elapsedMs: number;
}
