/**
 * One run of our pool for `bench/pool.bench.ts`, in a process of its own so that `/usr/bin/time` around it
 * counts the CPU of the main process and of every worker (they are its reaped children). Prints one JSON
 * line: tasks/s from start() to the last exit, the warm-up (first 1,000 results vs the rest), the main
 * process's RSS after 100,000 results and at the end, and its peak RSS.
 *
 * @example
 * ```sh
 * bun bench/pool/run-one.ts 100000 4 0        # tasks, Bun workers, plain-loop PHP workers
 * bun bench/pool/run-one.ts 1000000 4 0 20000 # at most 20,000 tasks submitted and unsettled at a time
 * bun bench/pool/run-one.ts latency 1          # p50/p99 of one task to an idle pool (1 Bun worker)
 * POOL_BENCH_BATCHES=1 bun bench/pool/run-one.ts 100000 1 0   # outcomes through resultBatches()
 * POOL_BENCH_FTL=1 bun bench/pool/run-one.ts 100000 1 0       # the pool's ftl: true
 * ```
 */
import { join } from "node:path";
import { WorkerPool, type TaskOutcome, type WorkerSpec } from "../../src/index.ts";

/** `POOL_BENCH_BATCHES=1`: take outcomes with `resultBatches()` instead of `results()`. */
const BATCHES = process.env.POOL_BENCH_BATCHES === "1";

const EXAMPLES = join(import.meta.dir, "..", "..", "examples");
/** `POOL_BENCH_FTL=1`: the pool's `ftl: true` option (JSC's top tier for its hot paths, see src/pool/tiers.ts). */
const FTL = process.env.POOL_BENCH_FTL === "1";
/** `POOL_BENCH_WORKER=path`: another Bun worker script (e.g. a bundle from `bun build --bytecode`). */
const BUN_WORKER = [process.execPath, process.env.POOL_BENCH_WORKER ?? join(EXAMPLES, "worker-pool.worker.ts")];
const PHP_PLAIN_WORKER = ["php", join(EXAMPLES, "worker-pool.php-plain-worker.php")];
type Task = { value: number; duration: number };

function specs(bun: number, php: number): WorkerSpec[] {
  const workers: WorkerSpec[] = [];
  if (bun > 0) workers.push({ command: BUN_WORKER, count: bun });
  if (php > 0) workers.push({ command: PHP_PLAIN_WORKER, count: php });
  return workers;
}

const rssMb = () => process.memoryUsage.rss() / 2 ** 20;

/**
 * `window` 0: every task submitted at once; otherwise at most `window` tasks submitted and unsettled (a
 * stream of work, so the main process's memory shows the pool's own, not a backlog of task objects).
 */
async function throughput(tasks: number, bun: number, php: number, window: number): Promise<void> {
  const pool = WorkerPool.start<Task, number>({ workers: specs(bun, php), stdout: "ignore", ftl: FTL });
  const t0 = performance.now();
  let got = 0, wrong = 0, at1000 = 0, rssAt100k = 0, submitted = 0;
  let report;
  try {
    const first = window > 0 ? Math.min(window, tasks) : tasks;
    for (; submitted < first; submitted++) pool.submit({ value: submitted, duration: 0 });
    if (submitted === tasks) pool.finish();
    const take = (outcome: TaskOutcome<number>) => {
      if (outcome.status !== "done" || outcome.result !== outcome.id * 2) wrong++;
      if (++got === 1000) at1000 = performance.now();
      else if (got === 100_000) rssAt100k = rssMb();
      if (submitted < tasks) {
        pool.submit({ value: submitted, duration: 0 });
        if (++submitted === tasks) pool.finish();
      }
    };
    if (BATCHES) {
      for await (const outcomes of pool.resultBatches()) for (const outcome of outcomes) take(outcome);
    } else {
      for await (const outcome of pool.results()) take(outcome);
    }
  } finally {
    report = await pool.close();
  }
  const tEnd = performance.now();
  if (wrong > 0 || report.done !== tasks) throw new Error(`pool results wrong: ${wrong} wrong, ${report.done} of ${tasks} done`);
  console.log(JSON.stringify({
    tasksPerSec: tasks / (report.elapsedMs / 1000),
    firstThousandPerSec: 1000 / ((at1000 - t0) / 1000),
    restPerSec: (tasks - 1000) / ((tEnd - at1000) / 1000),
    rssAt100kMb: rssAt100k, rssEndMb: rssMb(), peakRssMb: process.resourceUsage().maxRSS / 1024,
    batches: report.batches,
  }));
}

async function latency(bun: number): Promise<void> {
  const pool = WorkerPool.start<Task, number>({ workers: specs(bun, 0), stdout: "ignore" });
  const times: number[] = [];
  try {
    const outcomes = pool.results()[Symbol.asyncIterator]();
    for (let i = 0; i < 220; i++) {
      await Bun.sleep(3); // the pool is idle again: its loop and the worker wait
      const t = performance.now();
      pool.submit({ value: i, duration: 0 });
      await outcomes.next();
      if (i >= 20) times.push((performance.now() - t) * 1000); // the first ones warm up
    }
    pool.finish();
  } finally {
    await pool.close();
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ p50Us: times[times.length >> 1], p99Us: times[Math.floor(times.length * 0.99)] }));
}

if (process.argv[2] === "latency") await latency(Number(process.argv[3] ?? 1));
else await throughput(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 1), Number(process.argv[4] ?? 0), Number(process.argv[5] ?? 0));
