/**
 * JavaScriptCore's tiers for the pool's main-process hot paths. JSC runs a function in its interpreter, then
 * compiles it with Baseline, DFG and at last FTL, each time on background threads. FTL compiles are the
 * costliest: over the first 100,000 tasks of a pool they took ~25 ms of CPU (the per-task functions of the
 * ledger, the pump and the JSON checks), which competes for the cores with the workers and returns less than
 * it costs in a run that short (docs/pool.md, fifth round). So a pool keeps those functions out of FTL, as
 * its workers run with FTL off (`WORKER_ENV_DEFAULTS` in `children.ts`); `PoolOptions.ftl: true` leaves them to JSC.
 * Measured both ways: 100,000 tasks 15-18% faster without FTL at 1 worker; warm, in one process, the FTL
 * code moves ~15% more tasks per second, though 1,000,000 tasks at 4 workers still ran faster without it.
 *
 * @example
 * ```ts
 * import { keepOutOfFtl } from "./tiers.ts";
 * keepOutOfFtl([ledger.settle, ledger.take]);
 * ```
 * @module
 */
import { noFTL } from "bun:jsc";

/**
 * Marks each function never to be compiled by FTL (it stays in DFG). Once per function and for the life
 * of the process: a function shared by every pool of the process is marked by the first pool that asks.
 */
export function keepOutOfFtl(functions: readonly Function[]): void {
  for (const f of functions) {
    if (marked.has(f)) continue;
    marked.add(f);
    noFTL(f as (...args: unknown[]) => unknown);
  }
}

const marked = new WeakSet<Function>();
