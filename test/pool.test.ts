/**
 * The worker pool with real worker processes: the example (Bun and PHP workers in one pool, Ctrl-C /
 * SIGTERM), and WorkerPool's accounting when workers die, throw, never start, or the pool is aborted.
 * Every pool uses its own key file; afterEach removes whatever its queues left. The test process never
 * blocks: the pool waits with the awaitable receive, and close() kills workers after a deadline.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ftok, MessageQueue, WorkerPool, type PoolReport, type TaskOutcome } from "../src/index.ts";
import { cleanupKeyFile, EXAMPLES, liveObjects, runExample } from "./fixtures/examples/run.ts";
import { tempFile } from "./helpers/ipc.ts";

const keyFiles: string[] = [];
afterEach(() => {
  for (const file of keyFiles.splice(0)) cleanupKeyFile(file);
});

function keyFile(): string {
  const file = tempFile("pool");
  keyFiles.push(file);
  return file;
}

describe("examples/worker-pool.ts", () => {
  test("2 Bun + 1 PHP workers: every result exactly once, every worker took part, no queue left", async () => {
    const run = await runExample("worker-pool.ts", { args: ["--tasks", "300", "--workers", "2", "--php", "1", "--duration-ms", "2"] });
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("worker pool: 300 tasks, 3 workers (2 bun + 1 php), task duration 2 ms\n");
    expect(run.stdout).toContain("results received: 300 done, 0 failed, 0 lost, 0 unstarted, 0 cancelled\n");
    expect(run.stdout).toContain(
      "every result arrived exactly once: yes (300 of 300 tasks answered once, 0 duplicates, 0 missing, 0 wrong values)\n",
    );
    const perWorker = /per worker: #0 bun (\d+), #1 bun (\d+), #2 php (\d+)\n/.exec(run.stdout);
    expect(perWorker).not.toBeNull();
    const counts = perWorker!.slice(1).map(Number);
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b)).toBe(300);
    expect(run.leftovers).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  test("20,000 zero-duration tasks through a mixed pool: exactly once", async () => {
    const run = await runExample("worker-pool.ts", { args: ["--tasks", "20000", "--workers", "2", "--php", "1"] });
    expect(run.stdout).toContain("every result arrived exactly once: yes (20,000 of 20,000 tasks answered once, 0 duplicates");
    expect(run.leftovers).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  test("SIGTERM mid-run: stops, waits for its workers, removes both queues, exits 143", async () => {
    const file = keyFile();
    const proc = Bun.spawn(
      [process.execPath, join(EXAMPLES, "worker-pool.ts"), "--tasks", "2000", "--workers", "2", "--php", "1", "--duration-ms", "10"],
      { env: { ...process.env, SYSV_KEY_FILE: file }, stdout: "pipe", stderr: "pipe", timeout: 20_000, killSignal: "SIGKILL" },
    );
    for (let i = 0; i < 500 && liveObjects(file).length < 2; i++) await Bun.sleep(10); // both queues exist: it runs
    await Bun.sleep(300);
    proc.kill("SIGTERM");
    const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(exitCode).toBe(143);
    expect(stdout).toContain("stopped by SIGTERM\n");
    expect(stdout).toMatch(/results received: \d+ done, 0 failed, 0 lost, 0 unstarted, \d+ cancelled/);
    expect(stdout).toContain("per worker:"); // printed after close(): every worker had exited
    expect(liveObjects(file)).toEqual([]);
  });
});

/** Pids of the live processes whose parent is `pid` (from /proc). */
function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state, ppid, ...
      if (Number(fields[1]) === pid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Starts the example pool with many slow-ish tasks; resolves once it runs (both queues exist), with its workers' pids. */
async function startExample(file: string) {
  const proc = Bun.spawn(
    [process.execPath, join(EXAMPLES, "worker-pool.ts"), "--tasks", "200000", "--workers", "2", "--php", "1", "--duration-ms", "1"],
    { env: { ...process.env, SYSV_KEY_FILE: file }, stdout: "pipe", stderr: "pipe", timeout: 30_000, killSignal: "SIGKILL" },
  );
  for (let i = 0; i < 500 && liveObjects(file).length < 2; i++) await Bun.sleep(10);
  let workers: number[] = [];
  for (let i = 0; i < 300 && workers.length < 3; i++) {
    await Bun.sleep(10);
    workers = childPids(proc.pid);
  }
  expect(workers).toHaveLength(3);
  await Bun.sleep(200); // tasks are flowing
  return { proc, workers };
}

async function allExited(pids: number[], ms: number): Promise<number[]> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && pids.some(alive)) await Bun.sleep(20);
  return pids.filter(alive);
}

describe("worker-pool.ts cleanup", () => {
  test("SIGHUP mid-run (terminal closed): no queue of its keys left, no worker alive, exits 129", async () => {
    const file = keyFile();
    const { proc, workers } = await startExample(file);
    proc.kill("SIGHUP");
    const [stdout, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(exitCode).toBe(129);
    expect(stdout).toContain("stopped by SIGHUP\n");
    expect(liveObjects(file)).toEqual([]);
    expect(await allExited(workers, 3000)).toEqual([]);
  });

  test("the pool killed with SIGKILL: its Bun and PHP workers notice and exit by themselves", async () => {
    const file = keyFile();
    const { proc, workers } = await startExample(file);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(await allExited(workers, 5000)).toEqual([]); // Bun: PR_SET_PDEATHSIG; PHP: its parent pid changed
    // The queues stay (nobody was left to remove them): afterEach removes them.
  });
});

const FIXTURE_WORKER = [process.execPath, join(import.meta.dir, "fixtures/examples/pool-worker.ts")];

type FixtureTask = { op: "double"; value: number } | { op: "throw" } | { op: "exit"; code: number } | { op: "sleep"; ms: number; value: number };

/** Runs `tasks` through a pool of `workers` fixture workers; collects every outcome and the report. */
async function runPool(tasks: FixtureTask[], workers: number, command = FIXTURE_WORKER, file = keyFile()) {
  const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command, count: workers }], keyFile: file });
  const outcomes: TaskOutcome<number>[] = [];
  let report: PoolReport;
  try {
    for (const task of tasks) pool.submit(task);
    pool.finish();
    for await (const outcome of pool.results()) outcomes.push(outcome);
  } finally {
    report = await pool.close({ timeoutMs: 15_000 });
  }
  expect(liveObjects(file)).toEqual([]); // close() removed both queues
  outcomes.sort((a, b) => a.id - b.id);
  expect(outcomes.map((o) => o.id)).toEqual(tasks.map((_, i) => i)); // one outcome per id
  return { outcomes, report };
}

const doubles = (n: number): FixtureTask[] => Array.from({ length: n }, (_, value) => ({ op: "double", value }));

describe("WorkerPool", () => {
  test("a worker that dies holding a task: noticed by its exit, that task reported lost and held by it", async () => {
    const tasks = doubles(40);
    tasks[10] = { op: "exit", code: 3 };
    const { outcomes, report } = await runPool(tasks, 2);
    const dead = report.workers.filter((w) => w.died);
    expect(dead).toHaveLength(1);
    expect(dead[0].exit).toEqual({ code: 3, signal: null });
    expect(outcomes[10]).toEqual({ id: 10, status: "lost", heldBy: [dead[0].index] });
    // With batches the dead worker held its whole unanswered batch (at most 16 tasks before any handler time is
    // known): those are lost with it, a contiguous run of ids around 10; every other task is done, once.
    const lost = report.lost;
    expect(lost).toContain(10);
    expect(lost.length).toBeLessThanOrEqual(16);
    expect(lost).toEqual(Array.from({ length: lost.length }, (_, i) => lost[0]! + i));
    for (const id of lost) expect(outcomes[id]).toEqual({ id, status: "lost", heldBy: [dead[0].index] });
    for (const o of outcomes.filter((o) => !lost.includes(o.id))) expect(o).toMatchObject({ status: "done", result: o.id * 2 });
    expect(report.done).toBe(40 - lost.length);
    expect(report.duplicates).toBe(0);
  });

  test("a handler that throws: the task fails with the error text, the worker carries on", async () => {
    const tasks = doubles(20);
    tasks[5] = { op: "throw" };
    const { outcomes, report } = await runPool(tasks, 1);
    expect(outcomes[5]).toEqual({ id: 5, status: "failed", worker: 0, error: "RangeError: asked to fail" });
    expect(report).toMatchObject({ done: 19, failed: 1, lost: [], unstarted: [] });
    expect(report.workers[0]).toMatchObject({ died: false, answered: 20, exit: { code: 0, signal: null } });
  });

  test("workers that never start: every task is unstarted and the pool ends instead of waiting forever", async () => {
    const { outcomes, report } = await runPool(doubles(5), 2, [process.execPath, "-e", "process.exit(2)"]);
    expect(outcomes.every((o) => o.status === "unstarted")).toBe(true);
    expect(report.workers.map((w) => [w.died, w.exit?.code])).toEqual([[true, 2], [true, 2]]);
  });

  test("a task too big for a message fails alone (worker -1); the rest run", async () => {
    const tasks: FixtureTask[] = doubles(6);
    (tasks[2] as { value: unknown }).value = "x".repeat(10_000); // over msgmax (8192)
    const { outcomes, report } = await runPool(tasks, 1);
    expect(outcomes[2]).toMatchObject({ id: 2, status: "failed", worker: -1 });
    expect((outcomes[2] as { error: string }).error).toStartWith("TooBigError");
    expect(report.done).toBe(5);
  });

  test("abort(): results so far are kept, the rest cancelled, queues removed, workers stopped", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 2 }], keyFile: file });
    const outcomes: TaskOutcome<number>[] = [];
    for (let i = 0; i < 30; i++) pool.submit({ op: "sleep", ms: 50, value: i });
    pool.finish();
    for await (const outcome of pool.results()) {
      outcomes.push(outcome);
      if (outcomes.length === 2) pool.abort("test");
    }
    const report = await pool.close({ timeoutMs: 10_000 });
    expect(report.aborted).toBe("test");
    expect(liveObjects(file)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.id)).size).toBe(30);
    expect(outcomes.length).toBe(30);
    expect(report.done + report.cancelled.length).toBe(30);
    expect(report.cancelled.length).toBeGreaterThan(0);
    expect(report.workers.every((w) => w.exit !== undefined && !w.died)).toBe(true);
    expect(() => pool.submit({ op: "double", value: 1 })).toThrow("finish() was called");
  });

  test("the main process keeps its event loop while it waits for results", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 1 }], keyFile: file });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    try {
      pool.submit({ op: "sleep", ms: 400, value: 1 });
      pool.finish();
      for await (const outcome of pool.results()) expect(outcome).toMatchObject({ status: "done", result: 2 });
    } finally {
      clearInterval(timer);
      await pool.close({ timeoutMs: 10_000 });
    }
    expect(ticks.length).toBeGreaterThan(20);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    expect(Math.max(...gaps)).toBeLessThan(150);
  });

  test("foreign messages on the result queue are counted as garbage, never as results", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 1 }], keyFile: file });
    const outcomes: TaskOutcome<number>[] = [];
    try {
      const intruder = MessageQueue.open(pool.keys.results);
      intruder.sendSync(1, "not serialized", { serialize: false });
      intruder.sendSync(1, { id: 0, something: "else" });
      intruder.sendSync(1, { id: 99, worker: 0, result: 1 }); // an id this pool never handed out
      for (let i = 0; i < 5; i++) pool.submit({ op: "sleep", ms: 20, value: i });
      pool.finish();
      for await (const outcome of pool.results()) outcomes.push(outcome);
    } finally {
      const report = await pool.close({ timeoutMs: 10_000 });
      expect(report.garbage).toBe(3);
      expect(report.done).toBe(5);
    }
    expect(outcomes.map((o) => o.status)).toEqual(["done", "done", "done", "done", "done"]);
  });

  test("the queues are ftok(keyFile, 't'/'r'), and a pool of PHP workers alone serves it", async () => {
    const file = keyFile();
    const phpWorker = ["php", join(EXAMPLES, "worker-pool.php-worker.php")];
    const pool = WorkerPool.start<{ value: number; duration: number }, number>({ workers: [{ command: phpWorker, count: 1 }], keyFile: file });
    try {
      expect(pool.keys).toEqual({ tasks: ftok(file, "t"), results: ftok(file, "r") });
      for (let i = 0; i < 10; i++) pool.submit({ value: i, duration: 0 });
      pool.finish();
      const results: number[] = [];
      for await (const outcome of pool.results()) if (outcome.status === "done") results[outcome.id] = outcome.result;
      expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i * 2));
    } finally {
      await pool.close({ timeoutMs: 10_000 });
    }
  });
});

describe("WorkerPool batches", () => {
  const BUN_WORKER = [process.execPath, join(EXAMPLES, "worker-pool.worker.ts")];
  const PHP_BATCH_WORKER = ["php", join(EXAMPLES, "worker-pool.php-worker.php")];
  const PHP_PLAIN_WORKER = ["php", join(EXAMPLES, "worker-pool.php-plain-worker.php")];

  test("mixed pool: batch-aware Bun and PHP workers and a plain-loop PHP worker; every result once, 0 lost", async () => {
    const file = keyFile();
    const tasks = 20_000;
    const pool = WorkerPool.start<{ value: number; duration: number }, number>({
      workers: [{ command: BUN_WORKER, count: 2 }, { command: PHP_BATCH_WORKER }, { command: PHP_PLAIN_WORKER }],
      keyFile: file,
    });
    const seen = new Uint8Array(tasks);
    let wrong = 0;
    let report: PoolReport;
    try {
      for (let i = 0; i < tasks; i++) pool.submit({ value: i, duration: 0 });
      pool.finish();
      for await (const outcome of pool.results()) {
        seen[outcome.id]++;
        if (outcome.status !== "done" || outcome.result !== outcome.id * 2) wrong++;
      }
    } finally {
      report = await pool.close({ timeoutMs: 20_000 });
    }
    expect(liveObjects(file)).toEqual([]);
    expect(wrong).toBe(0);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(report).toMatchObject({ done: tasks, failed: 0, lost: [], unstarted: [], duplicates: 0, garbage: 0 });
    expect(report.batches.messages).toBeGreaterThan(0); // batches travelled ...
    expect(report.batches.tasks).toBeGreaterThan(report.batches.messages);
    expect(report.workers[3].answered).toBeGreaterThan(0); // ... and the plain loop was fed single tasks
    expect(report.workers.every((w) => !w.died && w.exit?.code === 0)).toBe(true);
    expect(report.workers.reduce((n, w) => n + w.answered, 0)).toBe(tasks);
  });

  test("a worker that dies mid-batch: its unanswered tasks are lost and held by it, every other task done once", async () => {
    const tasks = doubles(6000);
    tasks[5000] = { op: "exit", code: 3 };
    const { outcomes, report } = await runPool(tasks, 2);
    const dead = report.workers.filter((w) => w.died);
    expect(dead).toHaveLength(1);
    expect(report.batches.messages).toBeGreaterThan(0);
    expect(report.lost).toContain(5000);
    for (const o of outcomes) {
      if (o.status === "lost") expect(o.heldBy).toContain(dead[0].index);
      else expect(o).toMatchObject({ status: "done", result: o.id * 2 });
    }
    expect(report.done + report.lost.length).toBe(6000);
    expect(report.duplicates).toBe(0);
  });

  test("the last batch-aware worker killed: queued batches go back as single tasks to the plain PHP loop, none lost twice", async () => {
    const file = keyFile();
    const total = 40_000;
    const pool = WorkerPool.start<FixtureTask & { duration: number }, number>({
      workers: [{ command: FIXTURE_WORKER }, { command: PHP_PLAIN_WORKER }], // the plain loop reads value and duration
      keyFile: file,
    });
    const seen = new Uint8Array(total);
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    let killed = false;
    try {
      for (let i = 0; i < total; i++) pool.submit({ op: "double", value: i, duration: 0 });
      pool.finish();
      for await (const outcome of pool.results()) {
        outcomes.push(outcome);
        seen[outcome.id]++;
        // Kill once the Bun worker has said hello (takes batches): a slow start under load must not let the
        // plain PHP loop run alone until then and leave no batch to hand back.
        if (!killed && outcomes.length >= 2000 && pool.batchWorkers > 0) {
          killed = true;
          pool.workers[0].kill("SIGKILL");
        }
      }
    } finally {
      report = await pool.close({ timeoutMs: 20_000 });
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(report.workers[0]).toMatchObject({ died: true, exit: { code: null, signal: "SIGKILL" } });
    expect(report.batches.messages).toBeGreaterThan(0);
    for (const o of outcomes) {
      if (o.status === "lost") expect(o.heldBy).toEqual([0]); // only what the killed worker held
      else expect(o).toMatchObject({ status: "done", result: o.id * 2 });
    }
    expect(report.done + report.lost.length).toBe(total);
    expect(report.unstarted).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.workers[1].answered).toBeGreaterThan(total / 2); // the plain loop finished the rest
    expect(liveObjects(file)).toEqual([]);
  });

  test("abort() while batches flow: every id gets one outcome (done or cancelled), queues removed, workers stopped", async () => {
    const file = keyFile();
    const total = 50_000;
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 2 }], keyFile: file });
    const seen = new Uint8Array(total);
    let count = 0;
    for (let i = 0; i < total; i++) pool.submit({ op: "double", value: i });
    pool.finish();
    for await (const outcome of pool.results()) {
      seen[outcome.id]++;
      if (outcome.status === "done") expect(outcome.result).toBe(outcome.id * 2);
      else expect(outcome.status).toBe("cancelled");
      if (++count === 5000) pool.abort("test");
    }
    const report = await pool.close({ timeoutMs: 10_000 });
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(report.done + report.cancelled.length).toBe(total);
    expect(report.cancelled.length).toBeGreaterThan(0);
    expect(report.batches.messages).toBeGreaterThan(0);
    expect(report.duplicates).toBe(0);
    expect(report.workers.every((w) => w.exit !== undefined && !w.died)).toBe(true);
    expect(liveObjects(file)).toEqual([]);
  });

  test("while batches flow, a task too big for a batch travels alone, and one above msgmax fails alone", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 2 }], keyFile: file });
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    try {
      const iterator = pool.results()[Symbol.asyncIterator]();
      for (let i = 0; i < 500; i++) pool.submit({ op: "double", value: i });
      for (let i = 0; i < 500; i++) outcomes.push((await iterator.next()).value!);
      expect(pool.batchWorkers).toBeGreaterThan(0);
      for (let i = 500; i < 3000; i++) {
        const pad = i === 1700 ? 9000 : i % 400 === 0 ? 7000 : 0; // 7000: more than a batch may hold, under msgmax
        pool.submit({ op: "double", value: i, ...(pad > 0 ? { pad: "x".repeat(pad) } : {}) } as FixtureTask);
      }
      pool.finish();
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) outcomes.push(r.value);
    } finally {
      report = await pool.close({ timeoutMs: 15_000 });
    }
    outcomes.sort((a, b) => a.id - b.id);
    expect(outcomes.map((o) => o.id)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(outcomes[1700]).toMatchObject({ status: "failed", worker: -1 });
    expect((outcomes[1700] as { error: string }).error).toStartWith("TooBigError");
    for (const o of outcomes) if (o.id !== 1700) expect(o).toMatchObject({ status: "done", result: o.id * 2 });
    expect(report.batches.messages).toBeGreaterThan(0);
    expect(liveObjects(file)).toEqual([]);
  });

  test("a worker started through a wrapper process (its parent is not the pool) serves, not mistaken for an orphan", async () => {
    const wrapped = ["/usr/bin/time", "-o", "/dev/null", ...FIXTURE_WORKER]; // time forks: the worker's parent is time
    const { outcomes, report } = await runPool(doubles(50), 1, wrapped);
    expect(outcomes.every((o) => o.status === "done" && o.result === o.id * 2)).toBe(true);
    expect(report.workers[0]).toMatchObject({ died: false, answered: 50 });
  });

  test("resultBatches(): the same outcomes in arrays, every id once, in arrival order; results() then refuses", async () => {
    const file = keyFile();
    const tasks = 5_000;
    const pool = WorkerPool.start<{ value: number; duration: number }, number>({
      workers: [{ command: BUN_WORKER, count: 2 }, { command: PHP_PLAIN_WORKER }],
      keyFile: file,
    });
    const seen = new Uint8Array(tasks);
    let wrong = 0, steps = 0;
    let report: PoolReport;
    try {
      for (let i = 0; i < tasks; i++) pool.submit({ value: i, duration: 0 });
      pool.finish();
      const batches = pool.resultBatches();
      expect(() => pool.results()).toThrow("can be iterated once");
      for await (const outcomes of batches) {
        steps++;
        expect(outcomes.length).toBeGreaterThan(0);
        for (const outcome of outcomes) {
          seen[outcome.id]++;
          if (outcome.status !== "done" || outcome.result !== outcome.id * 2) wrong++;
        }
      }
    } finally {
      report = await pool.close({ timeoutMs: 20_000 });
    }
    expect(liveObjects(file)).toEqual([]);
    expect(wrong).toBe(0);
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(steps).toBeLessThan(tasks); // several outcomes per step
    expect(report).toMatchObject({ done: tasks, failed: 0, lost: [], unstarted: [], duplicates: 0, garbage: 0 });
  });

  test("one task to an idle pool travels alone (no batch), and comes back", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({ workers: [{ command: FIXTURE_WORKER, count: 2 }], keyFile: file });
    let report: PoolReport;
    try {
      const outcomes = pool.results()[Symbol.asyncIterator]();
      pool.submit({ op: "double", value: 21 });
      expect((await outcomes.next()).value).toMatchObject({ id: 0, status: "done", result: 42 });
      expect(pool.batchWorkers).toBeGreaterThan(0); // a hello was read with the result: batches are possible
      await Bun.sleep(50); // idle
      pool.submit({ op: "double", value: 2 });
      expect((await outcomes.next()).value).toMatchObject({ id: 1, status: "done", result: 4 });
      pool.finish();
      expect((await outcomes.next()).done).toBe(true);
    } finally {
      report = await pool.close({ timeoutMs: 10_000 });
    }
    // Each went alone: a single message, or (once every live worker said it takes JSON) a JSON batch of one.
    expect(report.batches.tasks).toBe(report.batches.messages);
    expect(report.done).toBe(2);
  });
});

describe("WorkerPool replaceDead / addWorker", () => {
  const PHP_PLAIN_WORKER = ["php", join(EXAMPLES, "worker-pool.php-plain-worker.php")];
  type SlowTask = { op: "sleep"; ms: number; value: number; duration: number }; // the fixture and the plain PHP loop both read it

  /** Runs `total` 1 ms tasks; SIGKILLs worker `victim` at its first answer; every outcome and the report. */
  async function killOneMidRun(workers: { command: string[]; count?: number }[], victim: number, total: number) {
    const file = keyFile();
    const pool = WorkerPool.start<SlowTask, number>({ workers, keyFile: file, replaceDead: true, stdout: "ignore" });
    const seen = new Uint8Array(total);
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    let killed = false;
    try {
      for (let i = 0; i < total; i++) pool.submit({ op: "sleep", ms: 1, value: i, duration: 1 });
      pool.finish();
      for await (const outcome of pool.results()) {
        outcomes.push(outcome);
        seen[outcome.id]++;
        if (!killed && outcome.status === "done" && outcome.worker === victim) {
          killed = true;
          pool.workers[victim].kill("SIGKILL");
        }
      }
    } finally {
      report = await pool.close({ timeoutMs: 20_000 });
    }
    expect(killed).toBe(true);
    expect(liveObjects(file)).toEqual([]);
    expect(seen.every((n) => n === 1)).toBe(true); // one outcome per id
    for (const o of outcomes) {
      if (o.status === "lost") expect(o.heldBy).toEqual([victim]); // only what the killed worker held
      else expect(o).toMatchObject({ status: "done", result: o.id * 2 });
    }
    expect(report.done + report.lost.length).toBe(total);
    expect(report).toMatchObject({ unstarted: [], cancelled: [], duplicates: 0, garbage: 0 });
    const added = workers.reduce((n, w) => n + (w.count ?? 1), 0); // the replacement's index: the next one
    expect(report.workers).toHaveLength(added + 1);
    expect(report.workers[victim]).toMatchObject({ died: true, exit: { code: null, signal: "SIGKILL" }, replacedBy: added });
    expect(report.workers[added]).toMatchObject({ index: added, replaces: victim, died: false, exit: { code: 0, signal: null } });
    expect(report.workers[added].command).toEqual(report.workers[victim].command);
    expect(report.workers[added].answered).toBeGreaterThan(0); // the replacement answered tasks
    expect(report.workers.reduce((n, w) => n + w.answered, 0)).toBe(report.done);
    return report;
  }

  test("a batch-aware Bun worker SIGKILLed mid-run is replaced; every task done or lost exactly once", async () => {
    const report = await killOneMidRun([{ command: FIXTURE_WORKER, count: 2 }], 0, 1500);
    expect(report.batches.messages).toBeGreaterThan(0);
  });

  test("the plain 5-line PHP loop SIGKILLed mid-run in a mixed pool is replaced by another PHP loop", async () => {
    await killOneMidRun([{ command: FIXTURE_WORKER }, { command: PHP_PLAIN_WORKER }], 1, 1500);
  });

  test("a worker that exits at once: replacements bounded by maxPerMinute, then the pool ends, tasks unstarted", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<FixtureTask, number>({
      workers: [{ command: [process.execPath, "-e", "process.exit(2)"] }], keyFile: file, replaceDead: { maxPerMinute: 3 },
    });
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    try {
      for (const task of doubles(5)) pool.submit(task);
      for await (const outcome of pool.results()) outcomes.push(outcome); // ends without finish(): every worker exited
    } finally {
      report = await pool.close({ timeoutMs: 10_000 });
    }
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill("unstarted"));
    expect(report.workers.map((w) => [w.index, w.died, w.exit?.code, w.replaces, w.replacedBy])).toEqual([
      [0, true, 2, undefined, 1], [1, true, 2, 0, 2], [2, true, 2, 1, 3], [3, true, 2, 2, undefined],
    ]);
    expect(() => pool.addWorker({ command: FIXTURE_WORKER })).toThrow(/addWorker: the pool has stopped/);
    expect(liveObjects(file)).toEqual([]);
  });

  test("addWorker(): the next index, takes tasks like any worker; after finish() it gets its STOP too", async () => {
    const file = keyFile();
    const pool = WorkerPool.start<SlowTask, number>({ workers: [{ command: PHP_PLAIN_WORKER }], keyFile: file });
    let report: PoolReport;
    const seen = new Uint8Array(400);
    try {
      expect(() => pool.addWorker({ command: FIXTURE_WORKER, count: 2 })).toThrow(RangeError);
      expect(pool.addWorker({ command: FIXTURE_WORKER })).toBe(1);
      for (let i = 0; i < 400; i++) pool.submit({ op: "sleep", ms: 1, value: i, duration: 1 });
      pool.finish();
      let late = -1;
      for await (const outcome of pool.results()) {
        seen[outcome.id]++;
        expect(outcome).toMatchObject({ status: "done", result: outcome.id * 2 });
        if (late < 0 && outcome.id >= 390) late = pool.addWorker({ command: PHP_PLAIN_WORKER }); // STOPs may be sent already
      }
      expect(late).toBe(2);
    } finally {
      report = await pool.close({ timeoutMs: 10_000 });
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(report.workers.map((w) => [w.index, w.died, w.exit?.code])).toEqual([[0, false, 0], [1, false, 0], [2, false, 0]]);
    expect(report.workers[0].answered).toBeGreaterThan(0);
    expect(report.workers[1].answered).toBeGreaterThan(0);
    expect(liveObjects(file)).toEqual([]);
  });
});
