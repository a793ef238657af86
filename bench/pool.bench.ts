/**
 * Worker pool throughput: 100,000 zero-duration tasks through our {@link WorkerPool} with 1, 2 and 4 Bun
 * workers and a mixed pool (2 Bun + 2 PHP workers running the plain 5-line loop), against a correct PHP 8.2
 * pool (forked workers, tasks and results over queues, one message per task): `../shared/anchors/php-pool.php`
 * when the repository sits beside it, else `bench/pool/php-pool.php`, with the same worker count, in the same
 * sitting, alternately, 3 runs each; the medians count. Each run is a process of its own under `/usr/bin/time`,
 * so CPU per task counts every process of the pool (user + sys). Also: 1,000,000 tasks at 4 workers, submitted
 * as a stream of at most 20,000 unsettled (the main process's RSS after 100,000 results and at the end), the warm-up (first 1,000 results vs the rest) and the p50/p99
 * latency of one task sent to an idle pool.
 *
 * @example
 * ```sh
 * bun run bench pool
 * ```
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeSection } from "./lib/harness.ts";

const TASKS = 100_000;
const RUNS = 3;
const RUN_ONE = join(import.meta.dir, "pool", "run-one.ts");
const SHARED_ANCHOR = join(import.meta.dir, "..", "..", "shared", "anchors", "php-pool.php");
const ANCHOR = existsSync(SHARED_ANCHOR) ? SHARED_ANCHOR : join(import.meta.dir, "pool", "php-pool.php");

interface Config {
  label: string;
  bun: number;
  php: number;
  /** Environment of the main process (the workers get `BUN_JSC_useFTLJIT=0` from the pool anyway). */
  mainEnv?: Record<string, string>;
}

const FTL_ON = { POOL_BENCH_FTL: "1" };

const CONFIGS: Config[] = [
  { label: "1 worker", bun: 1, php: 0 },
  { label: "2 workers", bun: 2, php: 0 },
  { label: "4 workers", bun: 4, php: 0 },
  { label: "mixed: 2 Bun + 2 PHP (plain loop)", bun: 2, php: 2 },
  { label: "1 worker, `ftl: true`", bun: 1, php: 0, mainEnv: FTL_ON },
  { label: "4 workers, `ftl: true`", bun: 4, php: 0, mainEnv: FTL_ON },
  { label: "1 worker, outcomes via resultBatches()", bun: 1, php: 0, mainEnv: { POOL_BENCH_BATCHES: "1" } },
  { label: "4 workers, outcomes via resultBatches()", bun: 4, php: 0, mainEnv: { POOL_BENCH_BATCHES: "1" } },
];

interface Run {
  tasksPerSec: number;
  cpuUsPerTask: number;
  firstThousandPerSec?: number;
  restPerSec?: number;
  rssAt100kMb?: number;
  rssEndMb?: number;
  peakRssMb?: number;
  batches?: { messages: number; tasks: number };
}

/** Runs `command` under /usr/bin/time: its stdout and the user+sys seconds of it and its reaped children. */
function timed(command: string[], env: Record<string, string> = {}): { stdout: string; cpuSeconds: number } {
  const r = Bun.spawnSync(["/usr/bin/time", "-f", "TIME %U %S", ...command], {
    stdout: "pipe", stderr: "pipe", timeout: 300_000, env: { ...process.env, ...env },
  });
  const stderr = r.stderr.toString();
  const match = /TIME ([\d.]+) ([\d.]+)/.exec(stderr);
  if (r.exitCode !== 0 || !match) throw new Error(`${command.join(" ")} failed (${r.exitCode}): ${r.stdout}${stderr}`);
  return { stdout: r.stdout.toString(), cpuSeconds: Number(match[1]) + Number(match[2]) };
}

function ours(config: Config, tasks = TASKS, window = 0): Run {
  const { stdout, cpuSeconds } = timed([process.execPath, RUN_ONE, String(tasks), String(config.bun), String(config.php), String(window)], config.mainEnv);
  const run = JSON.parse(stdout.trim().split("\n").at(-1)!) as Run;
  return { ...run, cpuUsPerTask: (cpuSeconds * 1e6) / tasks };
}

function anchor(workers: number): Run {
  const { stdout, cpuSeconds } = timed(["php", ANCHOR, String(TASKS), String(workers)]);
  const match = /results (\d+) (\d+) tasks\/s/.exec(stdout);
  if (!match || Number(match[1]) !== TASKS) throw new Error(`php pool failed: ${stdout}`);
  return { tasksPerSec: Number(match[2]), cpuUsPerTask: (cpuSeconds * 1e6) / TASKS };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const oursRuns = new Map<string, Run[]>(CONFIGS.map((c) => [c.label, []]));
const anchorRuns = new Map<number, Run[]>([[1, []], [2, []], [4, []]]);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
for (let run = 0; run < RUNS; run++) {
  for (const config of CONFIGS) {
    const r = ours(config);
    oursRuns.get(config.label)!.push(r);
    console.log(`ours ${config.label}: ${fmt(r.tasksPerSec)} tasks/s, ${r.cpuUsPerTask.toFixed(2)} us CPU/task`);
  }
  for (const [workers, runs] of anchorRuns) {
    const r = anchor(workers);
    runs.push(r);
    console.log(`php pool ${workers} worker(s): ${fmt(r.tasksPerSec)} tasks/s, ${r.cpuUsPerTask.toFixed(2)} us CPU/task`);
  }
}
const big = ours({ label: "4 workers", bun: 4, php: 0 }, 1_000_000, 20_000);
console.log(`ours 4 workers, 1,000,000 tasks: ${fmt(big.tasksPerSec)} tasks/s, RSS ${big.rssAt100kMb?.toFixed(1)} -> ${big.rssEndMb?.toFixed(1)} MB`);
const bigFtl = ours({ label: "4 workers, ftl", bun: 4, php: 0, mainEnv: FTL_ON }, 1_000_000, 20_000);
console.log(`ours 4 workers, 1,000,000 tasks, ftl: true: ${fmt(bigFtl.tasksPerSec)} tasks/s`);
const latencyOne = JSON.parse(Bun.spawnSync([process.execPath, RUN_ONE, "latency", "1"]).stdout.toString().trim()) as { p50Us: number; p99Us: number };
console.log(`latency, one task to an idle pool: p50 ${latencyOne.p50Us.toFixed(0)} us, p99 ${latencyOne.p99Us.toFixed(0)} us`);

const pick = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key] as number));
const anchorOf = (config: Config) => anchorRuns.get(config.bun + config.php)!;
const rows = CONFIGS.map((config) => {
  const mine = oursRuns.get(config.label)!, php = anchorOf(config);
  const ratio = pick(mine, "tasksPerSec") / pick(php, "tasksPerSec");
  const goal = config.php > 0 ? 1.2 : 3;
  return `| ${config.label} | ${fmt(pick(mine, "tasksPerSec"))} | ${fmt(pick(php, "tasksPerSec"))} (${config.bun + config.php} PHP workers) | ` +
    `**${ratio.toFixed(2)}x** (goal >= ${goal}x) | ${pick(mine, "cpuUsPerTask").toFixed(2)} us / ${pick(php, "cpuUsPerTask").toFixed(2)} us | ` +
    `${pick(mine, "peakRssMb").toFixed(0)} MB | ${fmt(pick(mine, "firstThousandPerSec"))} / ${fmt(pick(mine, "restPerSec"))} | ` +
    `${fmt(pick(mine, "batches" as keyof Run) ?? 0)} |`;
});
const perRun = CONFIGS.map((config) => `- ${config.label}: ours ${oursRuns.get(config.label)!.map((r) => fmt(r.tasksPerSec)).join(", ")}; ` +
  `PHP ${anchorOf(config).map((r) => fmt(r.tasksPerSec)).join(", ")} tasks/s`);
writeSection("pool", "Worker pool", [
  `${TASKS.toLocaleString("en-US")} zero-duration tasks (Bun workers: JSON batches, PHP workers: PHP serialize, docs/pool.md); each configuration run ${RUNS} times, alternating with the PHP pool`,
  "of the same worker count; medians. Times from start (workers' start-up included) to the last exit. CPU per task: user+sys of every",
  "process (`/usr/bin/time` of the run). The machine has 2 cores shared with other jobs: compare the ratios within this run.",
  `PHP pool: \`${ANCHOR === SHARED_ANCHOR ? "shared/anchors/php-pool.php" : "bench/pool/php-pool.php"}\` (pcntl_fork workers, one message per task).`,
  "Ours: `WorkerPool` + `serveTasks` (batches while tasks wait, see docs/pool.md); mixed: the PHP workers run the plain loop (single tasks).",
  "The `ftl: true` rows let JavaScriptCore's top tier (FTL) compile the pool's per-task code in the main process (by default it is kept out, see `src/pool/tiers.ts`);",
  "the `resultBatches()` rows take the outcomes in arrays (one promise per arrival) instead of `for await` over `results()` (one per task).",
  "",
  "| configuration | ours (tasks/s) | PHP pool (tasks/s) | ours/PHP | CPU per task, ours / PHP | peak RSS, main | warm-up: first 1,000 / rest (tasks/s) | tasks per batch message |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((row, i) => {
    const mine = oursRuns.get(CONFIGS[i].label)!;
    const perBatch = median(mine.map((r) => (r.batches && r.batches.messages > 0 ? r.batches.tasks / r.batches.messages : 0)));
    return row.replace(/\| [^|]* \|$/, `| ${perBatch.toFixed(0)} |`);
  }),
  "",
  "Runs (tasks/s):",
  ...perRun,
  "",
  `1,000,000 tasks, 4 Bun workers, submitted as a stream (at most 20,000 unsettled): ${fmt(big.tasksPerSec)} tasks/s; main process RSS ${big.rssAt100kMb!.toFixed(1)} MB after 100,000 results, ` +
    `${big.rssEndMb!.toFixed(1)} MB after 1,000,000 (peak ${big.peakRssMb!.toFixed(1)} MB). The same with \`ftl: true\`: ${fmt(bigFtl.tasksPerSec)} tasks/s.`,
  "",
  `One task sent to an idle pool (1 Bun worker, 200 tries 3 ms apart): p50 ${latencyOne.p50Us.toFixed(0)} us, p99 ${latencyOne.p99Us.toFixed(0)} us.`,
].join("\n"));
