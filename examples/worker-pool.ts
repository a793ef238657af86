/**
 * The worker pool: tasks go out over a task queue, results come back over a result queue, to and from
 * Bun workers (`worker-pool.worker.ts`) and, with `--php N`, PHP workers (`worker-pool.php-worker.php`)
 * in the same pool. The fixed version of `a6-worker-pool.php` (see docs/examples.md).
 *
 * Usage:
 *   bun run examples/worker-pool.ts [--tasks 100000] [--workers 4] [--php 0] [--duration-ms 0]
 *
 * - `--workers N`: Bun workers; `--php N`: PHP workers in addition (needs `php` 8.2 with sysvmsg), so
 *   `--workers 2 --php 1` starts 3 workers: 2 Bun + 1 PHP (said at start and in the summary).
 * - `--duration-ms N`: each task sleeps N ms in its worker (a6's tasks slept 100-500 ms).
 * - SYSV_KEY_FILE: the file whose `ftok` keys (`"t"`, `"r"`) name the two queues; by default a temp file
 *   of the pool's own. The queues are removed and the workers stopped at the end, also after Ctrl-C (SIGINT),
 *   SIGTERM or SIGHUP (terminal closed); workers whose pool dies without that (SIGKILL) exit by themselves.
 *
 * Prints a summary and exits 0 if every task's result arrived exactly once with the right value.
 *
 * @example
 * ```sh
 * bun run examples/worker-pool.ts --tasks 20000 --workers 2 --php 1
 * ```
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WorkerPool, type PoolReport, type WorkerSpec } from "../src/index.ts";
import type { PoolTask } from "./worker-pool.worker.ts";

const USAGE = `usage: bun run examples/worker-pool.ts [--tasks 100000] [--workers 4] [--php 0] [--duration-ms 0]
  --tasks N        tasks to run
  --workers N      Bun worker processes (default 4)
  --php N          PHP worker processes started in addition to the Bun ones (needs php 8.2 with sysvmsg):
                   --workers 2 --php 1 starts 3 workers, 2 Bun + 1 PHP; --workers 0 --php 2 only PHP
  --duration-ms N  each task sleeps N ms in its worker
  SYSV_KEY_FILE    file whose ftok keys ("t", "r") name the two queues (default: a temp file)`;

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      tasks: { type: "string", default: "100000" },
      workers: { type: "string", default: "4" },
      php: { type: "string", default: "0" },
      "duration-ms": { type: "string", default: "0" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (e) {
  usageError((e as Error).message);
}
const args = parsed.values;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) usageError(`--${name} must be an integer >= 0, got ${text}`);
  return n;
}

const taskCount = count("tasks", args.tasks);
const bunWorkers = count("workers", args.workers);
const phpWorkers = count("php", args.php);
const durationMs = count("duration-ms", args["duration-ms"]);
if (bunWorkers + phpWorkers === 0) usageError("--workers and --php are both 0: no worker to run the tasks");

const workers: WorkerSpec[] = [];
if (bunWorkers > 0) workers.push({ command: [process.execPath, join(import.meta.dir, "worker-pool.worker.ts")], count: bunWorkers });
if (phpWorkers > 0) workers.push({ command: ["php", join(import.meta.dir, "worker-pool.php-worker.php")], count: phpWorkers });
const kindOf = (index: number) => (index < bunWorkers ? "bun" : "php");

const pool = WorkerPool.start<PoolTask, number>({
  workers,
  keyFile: process.env.SYSV_KEY_FILE || undefined,
  onWorkerExit: (w) => {
    if (!w.died) return;
    const how = w.exit?.signal ? `signal ${w.exit.signal}` : `exit code ${w.exit?.code}`;
    console.error(`worker #${w.index} (${kindOf(w.index)}, pid ${w.pid}) died: ${how}`);
  },
});
let interrupted: NodeJS.Signals | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  interrupted = signal;
  pool.abort(signal);
};
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);
process.once("SIGHUP", onSignal);
console.log(`starting ${bunWorkers + phpWorkers} workers: ${bunWorkers} bun + ${phpWorkers} php`);

const outcomes = new Uint8Array(taskCount); // outcomes seen per id (the pool promises exactly one)
const results = new Uint8Array(taskCount); // results seen per id
let duplicates = 0, wrongValues = 0;
const perWorker = new Map<number, number>();
const problems: string[] = [];
let report: PoolReport;
try {
  for (let i = 0; i < taskCount; i++) pool.submit({ value: i * 10, duration: durationMs });
  pool.finish();
  // resultBatches(): the outcomes that arrived together in one array, one promise per arrival instead of
  // one per task (`for await` over results() resumes this loop once per task: docs/pool.md, fifth round).
  for await (const batch of pool.resultBatches()) for (const outcome of batch) {
    if (outcomes[outcome.id]++ > 0) duplicates++;
    if (outcome.status === "done") {
      results[outcome.id]++;
      if (outcome.result !== outcome.id * 10 * 2) wrongValues++;
      perWorker.set(outcome.worker, (perWorker.get(outcome.worker) ?? 0) + 1);
    } else if (outcome.status !== "cancelled" && problems.length < 10) { // cancelled: counted above, not listed
      problems.push(`task ${outcome.id}: ${outcome.status}${"error" in outcome ? ` (${outcome.error})` : ""}` +
        `${"heldBy" in outcome ? ` (held by dead worker ${outcome.heldBy.map((i) => `#${i}`).join(" or ")})` : ""}`);
    }
  }
} finally {
  report = await pool.close(); // waits for every worker's exit and removes both queues, whatever happened
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onSignal);
}

const once = results.reduce((n, times) => n + (times === 1 ? 1 : 0), 0);
const missing = results.reduce((n, times) => n + (times === 0 ? 1 : 0), 0);
duplicates += report.duplicates;
const exactlyOnce = once === taskCount && duplicates === 0 && wrongValues === 0;
const seconds = report.elapsedMs / 1000;
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

console.log(`worker pool: ${fmt(taskCount)} tasks, ${bunWorkers + phpWorkers} workers (${bunWorkers} bun + ${phpWorkers} php), ` +
  `task duration ${durationMs} ms`);
console.log(`results received: ${fmt(report.done)} done, ${report.failed} failed, ${report.lost.length} lost, ` +
  `${report.unstarted.length} unstarted, ${report.cancelled.length} cancelled`);
console.log(`every result arrived exactly once: ${exactlyOnce ? "yes" : "NO"} (${fmt(once)} of ${fmt(taskCount)} tasks ` +
  `answered once, ${duplicates} duplicates, ${missing} missing, ${wrongValues} wrong values)`);
console.log(`throughput: ${fmt(taskCount / seconds)} tasks/s (${seconds.toFixed(2)} s, worker start-up included)`);
console.log(`per worker: ${report.workers.map((w) => `#${w.index} ${kindOf(w.index)} ${fmt(perWorker.get(w.index) ?? 0)}` +
  `${w.died ? " (died)" : ""}`).join(", ")}`);
for (const problem of problems) console.log(`  ${problem}`);
console.log(`queues removed: yes (task key 0x${(pool.keys.tasks >>> 0).toString(16)}, result key 0x${(pool.keys.results >>> 0).toString(16)})`);
if (interrupted) {
  console.log(`stopped by ${interrupted}`);
  process.exit(interrupted === "SIGINT" ? 130 : interrupted === "SIGHUP" ? 129 : 143);
}
process.exit(exactlyOnce ? 0 : 1);
