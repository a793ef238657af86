/**
 * The Elysia demo's job service: a {@link WorkerPool} of Bun and PHP workers behind a job store, with
 * the numbers the dashboard shows (queue depth and bytes, counts, throughput, workers, IPC objects).
 *
 * - Jobs are the pool's tasks (`{ value, durationMs }`, result `value * 2`). Unsettled jobs are bounded
 *   by `maxQueued` (beyond it `submit` throws {@link QueueFullError}: HTTP 503); finished jobs are kept
 *   in a bounded store (the newest `keep`).
 * - Each worker writes the id of the job it takes into its 8-byte slot of a small segment (the "slots"),
 *   so a job is `running` while a slot names it, and a worker that dies leaves its job marked `lost`.
 *   A dead worker is replaced through {@link WorkerPool.addWorker}: a new process of the same language,
 *   under the pool's next index, in the dead one's slot (`DEMO_SLOT`); at most
 *   {@link REPLACEMENTS_PER_MINUTE} a minute, so a worker that crashes at start does not spin.
 * - Nothing here blocks the event loop: the pool waits for results off the main thread.
 *
 * @example
 * ```ts
 * const service = JobService.start({ bunWorkers: 2, phpWorkers: 1 });
 * const { id } = service.submit({ value: 21 });
 * await service.shutdown();
 * ```
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ftok, listIpc, MessageQueue, SharedMemory, WorkerPool, type TaskOutcome, type WorkerReport,
} from "../../src/index.ts";

/** One job as clients send it. */
export interface JobInput {
  value: number;
  /** Simulated work in the worker, 0..10000 ms (default 0). */
  durationMs?: number;
}

/** A job's state as `GET /jobs/:id` shows it. */
export interface JobView {
  id: string;
  status: "queued" | "running" | "done" | "failed" | "lost";
  result?: number;
  worker?: number;
  error?: string;
}

/** One worker in the stats. */
export interface WorkerView {
  index: number;
  pid: number;
  language: "bun" | "php";
  done: number;
  alive: boolean;
  /** The job it is running (or last took), if unsettled. */
  job?: string;
  /** How it ended, for a dead one. */
  exit?: string;
  /** For a replacement: the index of the dead worker it replaced. */
  replaces?: number;
}

/** One System V object the demo made. */
export interface IpcView {
  role: string;
  kind: "msg" | "shm";
  key: string;
  id: number;
}

/** What `GET /stats` and every SSE event carry. */
export interface Stats {
  time: number;
  stopping: boolean;
  queue: { depth: number; bytes: number; capacity: number };
  jobs: { submitted: number; queued: number; running: number; done: number; failed: number; lost: number; maxQueued: number };
  throughput: { last1s: number; last10s: number; last60s: number };
  workers: WorkerView[];
  ipc: IpcView[];
  recent: JobView[];
  /**
   * The last 60 seconds, one point per second: jobs waiting (queued or running, in the kernel queue or
   * still in the pool's backlog), the kernel task queue's depth, and jobs finished in that second.
   */
  history: Array<{ t: number; waiting: number; depth: number; done: number }>;
}

/** Options of {@link JobService.start}. */
export interface JobServiceOptions {
  bunWorkers?: number;
  phpWorkers?: number;
  /** Finished jobs kept for `GET /jobs/:id` (default 10,000, newest first out last). */
  keep?: number;
  /** Unsettled jobs accepted before 503 (default 50,000). */
  maxQueued?: number;
}

/** The service cannot take more jobs now (HTTP 503 with Retry-After). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

interface Pending {
  input: JobInput;
  lost?: boolean;
}

const BUN_WORKER = join(import.meta.dir, "worker.ts");
const PHP_WORKER = join(import.meta.dir, "worker.php");
/** Slots in the segment: at most this many workers at once (a replacement reuses the dead worker's slot). */
const MAX_WORKERS = 64;
/** Dead workers replaced in any 60 s, at most; past it a dead worker stays dead (see the module notes). */
export const REPLACEMENTS_PER_MINUTE = 10;

/** See the module notes. */
export class JobService {
  readonly #pool: WorkerPool<JobInput, number>;
  readonly #taskQueue: MessageQueue;
  readonly #slots: SharedMemory;
  readonly #slotWords: BigUint64Array;
  readonly #dir: string;
  readonly #keep: number;
  readonly #maxQueued: number;
  readonly #languages: Array<"bun" | "php">;
  readonly #pending = new Map<number, Pending>();
  readonly #finished = new Map<number, JobView>();
  /** Live workers (and a dead one not replaced) by pool index. */
  readonly #workers = new Map<number, WorkerView>();
  /** Each worker's slot, by pool index: its index for the first ones, the dead one's slot for a replacement. */
  readonly #slotOf = new Map<number, number>();
  readonly #dead: WorkerView[] = [];
  /** When the replacements of the last 60 s started. */
  readonly #replacements: number[] = [];
  readonly #listeners = new Set<() => void>();
  /** Jobs finished per second (unix second -> count), last 61 s. */
  readonly #perSecond = new Map<number, number>();
  readonly #history: Stats["history"] = [];
  readonly #ticker: ReturnType<typeof setInterval>;
  readonly #consumed: Promise<void>;
  #submitted = 0;
  #done = 0;
  #failed = 0;
  #lost = 0;
  #stopping = false;
  #stopped: Promise<void> | undefined;

  private constructor(options: JobServiceOptions) {
    const bun = options.bunWorkers ?? 2, php = options.phpWorkers ?? 0;
    if (bun + php < 1 || bun + php > MAX_WORKERS) throw new RangeError(`1 to ${MAX_WORKERS} workers, got ${bun + php}`);
    this.#keep = options.keep ?? 10_000;
    this.#maxQueued = options.maxQueued ?? 50_000;
    this.#languages = [...Array(bun).fill("bun"), ...Array(php).fill("php")];
    this.#dir = mkdtempSync(join(tmpdir(), "bun-sysv-demo-"));
    const keyFile = join(this.#dir, "key");
    writeFileSync(keyFile, "");
    this.#slots = SharedMemory.createNew(ftok(keyFile, "s"), MAX_WORKERS * 8);
    this.#slotWords = new BigUint64Array(MAX_WORKERS);
    try {
      const env = { DEMO_SLOTS_KEY: String(this.#slots.key) };
      const workers = [];
      if (bun) workers.push({ command: [process.execPath, BUN_WORKER], count: bun, env });
      if (php) workers.push({ command: ["php", PHP_WORKER], count: php, env });
      this.#pool = WorkerPool.start<JobInput, number>({ workers, keyFile, onWorkerExit: (w) => this.#onWorkerExit(w) });
    } catch (error) {
      this.#slots.remove();
      this.#slots.detach();
      rmSync(this.#dir, { recursive: true, force: true });
      throw error;
    }
    this.#taskQueue = MessageQueue.open(this.#pool.keys.tasks);
    for (const w of this.#pool.workers) {
      this.#workers.set(w.index, { index: w.index, pid: w.pid, language: this.#languages[w.index]!, done: 0, alive: true });
      this.#slotOf.set(w.index, w.index);
    }
    this.#consumed = this.#consume();
    this.#ticker = setInterval(() => this.#tick(), 1000);
  }

  /**
   * Starts the pool (`bunWorkers` Bun + `phpWorkers` PHP workers) and the slot segment.
   *
   * @example
   * ```ts
   * const service = JobService.start({ bunWorkers: 2, phpWorkers: 1, keep: 1000 });
   * ```
   */
  static start(options: JobServiceOptions = {}): JobService {
    return new JobService(options);
  }

  /** Whether `php` is on the PATH (the default worker mix depends on it). */
  static hasPhp(): boolean {
    return Bun.which("php") !== null;
  }

  /** True once shutdown began: no new jobs. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Queues one job; throws {@link QueueFullError} when full or stopping. */
  submit(input: JobInput): { id: string } {
    return { id: this.submitMany([input])[0]! };
  }

  /** Queues jobs in order, all or none; returns their ids. */
  submitMany(inputs: JobInput[]): string[] {
    if (this.#stopping) throw new QueueFullError("the server is shutting down", 5);
    if (this.#pending.size + inputs.length > this.#maxQueued) {
      const rate = Math.max(1, this.#rate(10));
      throw new QueueFullError(
        `the job queue is full (${this.#pending.size} of ${this.#maxQueued} jobs waiting)`,
        Math.min(60, Math.max(1, Math.ceil((this.#pending.size + inputs.length - this.#maxQueued) / rate))),
      );
    }
    const ids: string[] = [];
    try {
      for (const input of inputs) {
        const task = { value: input.value, durationMs: input.durationMs ?? 0 };
        const id = this.#pool.submit(task);
        this.#pending.set(id, { input: task });
        this.#submitted++;
        ids.push(String(id));
      }
    } catch (error) {
      throw new QueueFullError(`the worker pool stopped: ${error instanceof Error ? error.message : String(error)}`, 5);
    }
    return ids;
  }

  /** A job's state, or undefined for an unknown id (or one dropped from the bounded store). */
  job(idText: string): JobView | undefined {
    if (!/^\d+$/.test(idText)) return undefined;
    const id = Number(idText);
    const finished = this.#finished.get(id);
    if (finished) return finished;
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    const worker = this.#runningOn(id);
    return worker === undefined ? { id: idText, status: "queued" } : { id: idText, status: "running", worker };
  }

  /** Everything the dashboard shows. */
  stats(): Stats {
    const now = Date.now();
    let depth = 0, bytes = 0, capacity = 0;
    try {
      const s = this.#taskQueue.stat();
      depth = s.messages; bytes = s.bytes; capacity = s.maxBytes;
    } catch { /* removed at shutdown */ }
    const running = new Set<number>();
    this.#readSlots();
    for (const w of this.#workers.values()) {
      const id = Number(this.#slotWords[this.#slotOf.get(w.index)!]) - 1;
      w.job = w.alive && id >= 0 && this.#pending.has(id) ? String(id) : undefined;
      if (w.job !== undefined) running.add(id);
    }
    // Keys compared unsigned, whichever way the listing gives them.
    const roles = new Map([[this.#pool.keys.tasks >>> 0, "task queue"], [this.#pool.keys.results >>> 0, "result queue"], [this.#slots.key >>> 0, "worker slots"]]);
    return {
      time: now,
      stopping: this.#stopping,
      queue: { depth, bytes, capacity },
      jobs: {
        submitted: this.#submitted, queued: this.#pending.size - running.size, running: running.size,
        done: this.#done, failed: this.#failed, lost: this.#lost, maxQueued: this.#maxQueued,
      },
      throughput: { last1s: this.#rate(1), last10s: this.#rate(10), last60s: this.#rate(60) },
      workers: [...[...this.#workers.values()].sort((a, b) => a.index - b.index), ...this.#dead].map((w) => ({ ...w })),
      ipc: listIpc().filter((o) => o.kind !== "sem" && roles.has(o.key >>> 0)).map((o) => ({
        role: roles.get(o.key >>> 0)!, kind: o.kind as "msg" | "shm", key: o.keyHex, id: o.id,
      })),
      recent: [...this.#finished.values()].slice(-10).reverse(),
      history: this.#history.slice(),
    };
  }

  /** Calls `listener` on every change of worker state and once a second; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** PIDs of the live worker processes (for tests and the page). */
  get workerPids(): number[] {
    return [...this.#workers.values()].filter((w) => w.alive).map((w) => w.pid);
  }

  /**
   * Stops taking jobs, waits up to `deadlineMs` for the queued and running ones, then stops every
   * worker and removes the queues and the slot segment. Idempotent.
   */
  shutdown(deadlineMs = 5000): Promise<void> {
    this.#stopped ??= this.#shutdown(deadlineMs);
    return this.#stopped;
  }

  async #shutdown(deadlineMs: number): Promise<void> {
    this.#stopping = true;
    this.#changed();
    const deadline = performance.now() + deadlineMs;
    while (this.#pending.size > 0 && performance.now() < deadline && this.workerPids.length > 0) await Bun.sleep(20);
    this.#pool.abort("shutdown"); // removes both queues; every worker wakes with EIDRM or gets SIGTERM
    try {
      await this.#pool.close({ timeoutMs: 3000 });
    } catch { /* the report of an aborted pool: nothing to add */ }
    await this.#consumed;
    clearInterval(this.#ticker);
    this.#slots.remove();
    this.#slots.detach();
    this.#taskQueue.close();
    rmSync(this.#dir, { recursive: true, force: true });
    this.#changed();
    this.#listeners.clear();
  }

  async #consume(): Promise<void> {
    for await (const outcome of this.#pool.results()) this.#settle(outcome);
  }

  #settle(outcome: TaskOutcome<number>): void {
    const pending = this.#pending.get(outcome.id);
    const earlier = this.#finished.get(outcome.id);
    if (!pending && !(earlier?.status === "lost" && outcome.status === "done")) return; // a late "lost"/"cancelled" from the pool
    this.#pending.delete(outcome.id);
    const id = String(outcome.id);
    let view: JobView;
    if (outcome.status === "done") {
      if (earlier) this.#lost--; // it was answered after all
      view = { id, status: "done", result: outcome.result, worker: outcome.worker };
      this.#done++;
      const second = Math.floor(Date.now() / 1000);
      this.#perSecond.set(second, (this.#perSecond.get(second) ?? 0) + 1);
      const w = this.#workers.get(outcome.worker);
      if (w) w.done++;
    } else if (outcome.status === "failed") {
      view = { id, status: "failed", worker: outcome.worker, error: outcome.error };
      this.#failed++;
    } else {
      view = { id, status: "lost", error: `the pool reported it ${outcome.status}` };
      this.#lost++;
    }
    this.#store(outcome.id, view);
  }

  #store(id: number, view: JobView): void {
    this.#finished.delete(id);
    this.#finished.set(id, view);
    if (this.#finished.size > this.#keep) this.#finished.delete(this.#finished.keys().next().value!);
  }

  #readSlots(): void {
    if (!this.#slots.attached) { // after shutdown
      this.#slotWords.fill(0n);
      return;
    }
    new Uint8Array(this.#slotWords.buffer).set(this.#slots.read(0, MAX_WORKERS * 8));
  }

  #runningOn(id: number): number | undefined {
    this.#readSlots();
    for (const w of this.#workers.values()) if (w.alive && Number(this.#slotWords[this.#slotOf.get(w.index)!]) - 1 === id) return w.index;
    return undefined;
  }

  #onWorkerExit(report: WorkerReport): void {
    const w = this.#workers.get(report.index);
    if (!w) return;
    w.alive = false;
    w.exit = report.exit?.signal ?? `exit code ${report.exit?.code}`;
    if (report.died && !this.#stopping) {
      this.#readSlots();
      const id = Number(this.#slotWords[this.#slotOf.get(report.index)!]) - 1;
      const pending = this.#pending.get(id);
      if (pending) {
        this.#pending.delete(id);
        this.#lost++;
        this.#store(id, { id: String(id), status: "lost", worker: report.index, error: `worker #${report.index} (pid ${report.pid}) died: ${w.exit}` });
      }
      this.#replace(w);
    }
    this.#changed();
  }

  /**
   * A new process of the dead worker's language, started by the pool ({@link WorkerPool.addWorker}) under
   * the pool's next index, writing into the dead one's slot. Called from `onWorkerExit`, so the pool never
   * sees every worker gone while a replacement is allowed.
   */
  #replace(dead: WorkerView): void {
    const now = performance.now();
    while (this.#replacements.length > 0 && now - this.#replacements[0]! >= 60_000) this.#replacements.shift();
    if (this.#replacements.length >= REPLACEMENTS_PER_MINUTE) return; // stays listed as dead
    this.#replacements.push(now);
    const slot = this.#slotOf.get(dead.index)!;
    this.#slots.write(new Uint8Array(8), slot * 8); // the dead one's job is settled: the slot starts empty
    const command = dead.language === "bun" ? [process.execPath, BUN_WORKER] : ["php", PHP_WORKER];
    let index: number;
    try {
      index = this.#pool.addWorker({ command, env: { DEMO_SLOTS_KEY: String(this.#slots.key), DEMO_SLOT: String(slot) } });
    } catch {
      return; // the pool has stopped or the spawn failed: it stays listed as dead
    }
    // The dead worker stays listed (as dead, the last 8); the replacement is a new entry in its slot.
    this.#workers.delete(dead.index);
    this.#slotOf.delete(dead.index);
    this.#dead.push({ ...dead, job: undefined });
    if (this.#dead.length > 8) this.#dead.shift();
    this.#slotOf.set(index, slot);
    this.#workers.set(index, { index, pid: this.#pool.workers[index]!.pid, language: dead.language, done: 0, alive: true, replaces: dead.index });
  }

  #rate(seconds: number): number {
    const now = Math.floor(Date.now() / 1000);
    let n = 0;
    for (let s = now - seconds; s < now; s++) n += this.#perSecond.get(s) ?? 0;
    return Math.round((n / seconds) * 10) / 10;
  }

  #tick(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const s of this.#perSecond.keys()) if (s < now - 61) this.#perSecond.delete(s);
    let depth = 0;
    try {
      depth = this.#taskQueue.stat().messages;
    } catch { /* removed at shutdown */ }
    this.#history.push({ t: now - 1, waiting: this.#pending.size, depth, done: this.#perSecond.get(now - 1) ?? 0 });
    if (this.#history.length > 60) this.#history.shift();
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
