/**
 * Where the pool's CPU goes, per process: runs TASKS zero-duration tasks through `WorkerPool` with each
 * worker wrapped in `/usr/bin/time` and prints user+sys per task of the main process and of each worker.
 * Not part of `bun run bench`; used for the profile table of docs/pool.md.
 *
 * @example
 * ```sh
 * bun bench/pool/profile.ts 100000 1 0   # tasks, Bun workers, PHP workers
 * ```
 */
import { join } from "node:path";
import { WorkerPool, type WorkerSpec } from "../../src/index.ts";

const TASKS = Number(process.argv[2] ?? 100_000);
const BUN = Number(process.argv[3] ?? 1);
const PHP = Number(process.argv[4] ?? 0);
const EXAMPLES = join(import.meta.dir, "..", "..", "examples");
const timed = (command: string[]) => ["/usr/bin/time", "-f", "worker %C: user %U sys %S", ...command];
const workers: WorkerSpec[] = [];
if (BUN > 0) workers.push({ command: timed([process.execPath, join(EXAMPLES, "worker-pool.worker.ts")]), count: BUN });
if (PHP > 0) workers.push({ command: timed(["php", join(EXAMPLES, "worker-pool.php-worker.php")]), count: PHP });
const before = process.cpuUsage();
const pool = WorkerPool.start<{ value: number; duration: number }, number>({ workers });
let done = 0;
try {
  for (let i = 0; i < TASKS; i++) pool.submit({ value: i, duration: 0 });
  pool.finish();
  for await (const outcome of pool.results()) if (outcome.status === "done" && outcome.result === outcome.id * 2) done++;
} finally {
  await pool.close();
}
const cpu = process.cpuUsage(before);
const perTask = (us: number) => `${(us / TASKS).toFixed(2)} us/task`;
console.log(`main: user ${perTask(cpu.user)}, sys ${perTask(cpu.system)}; ${done} of ${TASKS} done; ` +
  `${Math.round(TASKS / (performance.now() / 1000))} tasks/s incl. start`);
