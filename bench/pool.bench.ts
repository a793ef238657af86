/**
 * Worker pool throughput: 100,000 zero-duration tasks through our {@link WorkerPool} (Bun workers, and a
 * mixed pool with PHP workers) against a correct PHP 8.2 pool (forked workers, tasks and results over
 * queues): `../shared/anchors/php-pool.php` when the repository sits beside it, else `bench/pool/php-pool.php`.
 * Both sides are timed from the start of the pool (workers' start-up included) to the last exit, each
 * configuration run 3 times alternately; the median counts.
 *
 * @example
 * ```sh
 * bun run bench pool
 * ```
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WorkerPool, type WorkerSpec } from "../src/index.ts";
import { table, writeSection, type Row } from "./lib/harness.ts";

const TASKS = 100_000;
const RUNS = 3;
const EXAMPLES = join(import.meta.dir, "..", "examples");
const BUN_WORKER = [process.execPath, join(EXAMPLES, "worker-pool.worker.ts")];
const PHP_WORKER = ["php", join(EXAMPLES, "worker-pool.php-worker.php")];
const SHARED_ANCHOR = join(import.meta.dir, "..", "..", "shared", "anchors", "php-pool.php");
const ANCHOR = existsSync(SHARED_ANCHOR) ? SHARED_ANCHOR : join(import.meta.dir, "pool", "php-pool.php");

interface Config {
  label: string;
  bun: number;
  php: number;
  /** Worker count of the PHP anchor run it is compared with. */
  anchorWorkers: number;
}

const CONFIGS: Config[] = [
  { label: "1 worker", bun: 1, php: 0, anchorWorkers: 1 },
  { label: "4 workers", bun: 4, php: 0, anchorWorkers: 4 },
  { label: "mixed: 2 Bun + 2 PHP workers", bun: 2, php: 2, anchorWorkers: 4 },
];

/** One run of our pool: ns per task, from start() to every worker's exit; checks every result. */
async function ours(config: Config): Promise<number> {
  const workers: WorkerSpec[] = [];
  if (config.bun > 0) workers.push({ command: BUN_WORKER, count: config.bun });
  if (config.php > 0) workers.push({ command: PHP_WORKER, count: config.php });
  const pool = WorkerPool.start<{ value: number; duration: number }, number>({ workers });
  let wrong = 0;
  let report;
  try {
    for (let i = 0; i < TASKS; i++) pool.submit({ value: i, duration: 0 });
    pool.finish();
    for await (const outcome of pool.results()) if (outcome.status !== "done" || outcome.result !== outcome.id * 2) wrong++;
  } finally {
    report = await pool.close(); // queues removed even if something failed
  }
  if (wrong > 0 || report.done !== TASKS) throw new Error(`pool results wrong: ${wrong} wrong, ${report.done} of ${TASKS} done`);
  return (report.elapsedMs * 1e6) / TASKS;
}

/** One run of the PHP anchor: ns per task from its own `tasks/s` line. */
function anchor(workers: number): number {
  const r = Bun.spawnSync(["php", ANCHOR, String(TASKS), String(workers)], { stderr: "pipe", timeout: 120_000 });
  const line = r.stdout.toString();
  const match = /results (\d+) (\d+) tasks\/s/.exec(line);
  if (r.exitCode !== 0 || !match || Number(match[1]) !== TASKS) throw new Error(`php pool failed: ${line}${r.stderr.toString()}`);
  return 1e9 / Number(match[2]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const oursNs = new Map<string, number[]>(CONFIGS.map((c) => [c.label, []]));
const anchorNs = new Map<number, number[]>([[1, []], [4, []]]);
for (let run = 0; run < RUNS; run++) {
  for (const config of CONFIGS) {
    oursNs.get(config.label)!.push(await ours(config));
    console.log(`ours ${config.label}: ${(1e9 / oursNs.get(config.label)!.at(-1)!).toFixed(0)} tasks/s`);
  }
  for (const [workers, times] of anchorNs) {
    times.push(anchor(workers));
    console.log(`php anchor ${workers} worker(s): ${(1e9 / times.at(-1)!).toFixed(0)} tasks/s`);
  }
}

const rows: Row[] = CONFIGS.map((config) => ({
  op: `per task: ours ${config.label}; PHP ${config.anchorWorkers} worker${config.anchorWorkers > 1 ? "s" : ""}`,
  ours: median(oursNs.get(config.label)!),
  vs: { "PHP pool": median(anchorNs.get(config.anchorWorkers)!) },
}));
const rate = (ns: number) => `${Math.round(1e9 / ns).toLocaleString("en-US")}`;
const rates = [
  "| configuration | ours (tasks/s) | PHP pool (tasks/s) |",
  "|---|---|---|",
  ...CONFIGS.map((c) => `| ${c.label} | ${rate(median(oursNs.get(c.label)!))} | ${rate(median(anchorNs.get(c.anchorWorkers)!))} (${c.anchorWorkers} PHP workers) |`),
].join("\n");
writeSection("pool", "Worker pool", [
  `${TASKS.toLocaleString("en-US")} zero-duration tasks, serialize on both ways; median of ${RUNS} runs each, start-up to last exit.`,
  `PHP pool: \`${ANCHOR === SHARED_ANCHOR ? "shared/anchors/php-pool.php" : "bench/pool/php-pool.php"}\` (pcntl_fork workers, blocking msg_receive in its main loop).`,
  "Ours: `WorkerPool` (Bun.spawn'd workers; its main process waits with the awaitable receive, never blocking its event loop).",
  "",
  table(rows),
  "",
  rates,
].join("\n"));
