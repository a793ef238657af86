/**
 * {@link WorkerPool}: PHP's fork-a-pool-of-workers pattern for Bun, over two message queues and
 * separate processes (Bun and PHP workers mixed), with every task accounted for exactly once.
 *
 * ```
 * submit(task) --msgsnd(type 1: {id, task}, or type 2: a batch {ids, tasks})--> [task queue] --msgrcv--> worker i
 * worker i --msgsnd(type 1: {id, worker, result}, or type 2: {worker, ids, results})--> [result queue] --> results()
 * finish(): one STOP per worker once no task is left queued; close(): wait for every exit, remove both queues
 * ```
 *
 * - Results come back as messages, never through a shared array: nothing is read-modified-written.
 * - Batches (see `protocol.ts`, docs/pool.md): while tasks wait and a worker has said it takes batches,
 *   several tasks travel in one message and their results come back in one; a lone task travels alone.
 *   Batches stay small enough to spread over the workers and to carry a few milliseconds of work each
 *   (from the handler times workers report), so slow tasks go one per message.
 * - The main process fills the task queue without waiting, takes every result already there with
 *   non-waiting receives into one reused buffer, and only when none is left (after a short spin) waits
 *   with the awaitable `receive` (a waiter thread), so its event loop runs on.
 * - A worker that dies is noticed by its exit (`onWorkerExit`); once every worker has exited, a task that
 *   was taken but never answered is reported `lost`, with the dead worker(s) that can have held it (with
 *   batches, the whole unanswered batch of a dead worker); a task no worker took is `unstarted`.
 * - With `replaceDead` a dead worker is replaced by a new process of its spec (bounded per minute), and
 *   `addWorker` starts one by hand: each new worker takes the next index (indexes are never reused).
 *
 * @example
 * ```ts
 * import { WorkerPool } from "bun-sysv";
 * const pool = WorkerPool.start<{ value: number }, number>({
 *   workers: [{ command: [process.execPath, "worker.ts"], count: 3 }, { command: ["php", "worker.php"] }],
 * });
 * try {
 *   for (let i = 0; i < 100; i++) pool.submit({ value: i });
 *   pool.finish();
 *   for await (const outcome of pool.results()) if (outcome.status === "done") console.log(outcome.result);
 * } finally {
 *   const report = await pool.close(); // every worker exited, both queues removed
 * }
 * ```
 * @module
 */
import { availableParallelism } from "node:os";
import { BusyError, TooBigError } from "../errors.ts";
import { ERRNO } from "../ffi/errno.ts";
import { IPC_NOWAIT } from "../ffi/constants.ts";
import { receiveError, sendError } from "../msg/errors.ts";
import { QueueIo } from "../msg/io.ts";
import { prepareWaiters } from "../wait/pool.ts";
import { keepOutOfFtl } from "./tiers.ts";
import { serializeToScratch } from "../serialize/encode.ts";
import { writeInt } from "../serialize/write.ts";
import { spawnWorker, type WorkerProcess, type WorkerSpec } from "./children.ts";
import { TaskLedger, type TaskOutcome } from "./ledger.ts";
import { decodePoolMessage, drainResults, drainTasks, takeBatches } from "./drain.ts";
import { exactValue, isRun, JSON_HOT_PATHS, parseJson, prototypesClean, writeJson } from "./json.ts";
import {
  BATCH_HEAD, BATCH_MID, isResultBatch, isRunResultBatch, POOL_BATCH_TYPE, POOL_HELLO_TYPE, POOL_JSON_TYPE, POOL_MESSAGE_TYPE, POOL_STOP_PAYLOAD,
  SINGLE_HEAD, SINGLE_MID,
} from "./protocol.ts";
import { createPoolQueues, removePoolQueues, type PoolQueues } from "./queues.ts";
import { DEFAULT_RESTARTS_PER_MINUTE, type PoolOptions, type PoolReport, type WorkerReport } from "./report.ts";

export type { TaskOutcome } from "./ledger.ts";
export type { PoolOptions, PoolReport, WorkerReport } from "./report.ts";

/**
 * How long the main process keeps trying for results without waiting before it parks a waiter thread, while
 * the workers leave it a core of its own (with more workers than cores, spinning takes CPU from them).
 */
const SPIN_MS = 0.05;
const CORES = availableParallelism();
/** Longest single wait: the loop then looks again. Only a safety net: waits end at once on abort. */
const MAX_WAIT_MS = 200;
/** Most tasks in one batch message. */
const MAX_BATCH = 256;
/** A batch carries at most about this much work (us), judged from the handler times workers report: slow tasks travel alone. */
const BATCH_WORK_US = 5000;
/** Batch limit before any worker has reported its handler time. */
const FIRST_BATCH_LIMIT = 16;
/** Single tasks kept out per worker that takes no batches, in a mixed pool. */
const SINGLES_PER_PLAIN_WORKER = 2;
/**
 * Longest time single tasks wait at start for a hello while every worker not heard from yet is a Bun process
 * (which says hello by default): a worker that takes batches would answer a queue full of single tasks one by
 * one, and load the PHP codec for them (docs/pool.md, fourth round).
 */
const HELLO_WAIT_MS = 100;


/** Whether `command` starts a Bun process (this one's executable, or `bun`): its worker says hello unless told not to. */
function isBunCommand(command: readonly string[]): boolean {
  const program = command[0] ?? "";
  return program === process.execPath || /(^|\/)bun(-[\w.]+)?$/.test(program);
}

function isTimeout(error: unknown): boolean {
  return error instanceof BusyError && error.code === "ETIMEDOUT";
}

/** A byte buffer that grows, for building messages. */
class Bytes {
  b = new Uint8Array(4096);
  n = 0;
  room(extra: number): Uint8Array {
    if (this.n + extra > this.b.length) {
      const grown = new Uint8Array(Math.max(this.b.length * 2, this.n + extra));
      grown.set(this.b.subarray(0, this.n));
      this.b = grown;
    }
    return this.b;
  }
  put(bytes: Uint8Array, length = bytes.length): void {
    const b = this.room(length);
    const n = this.n;
    if (length < 64) {
      for (let i = 0; i < length; i++) b[n + i] = bytes[i]!;
    } else {
      b.set(length === bytes.length ? bytes : bytes.subarray(0, length), n);
    }
    this.n = n + length;
  }
  /** `i:<n>;` */
  index(n: number): void {
    const b = this.room(24);
    b[this.n] = 0x69; // i
    b[this.n + 1] = 0x3a; // :
    const p = writeInt(b, this.n + 2, n);
    b[p] = 0x3b; // ;
    this.n = p + 1;
  }
  int(n: number): void {
    this.n = writeInt(this.room(24), this.n, n);
  }
  byte(c: number): void {
    this.room(1)[this.n++] = c;
  }
}

/** A pool of worker processes fed through a task queue (see the module notes). */
export class WorkerPool<T = unknown, R = unknown> implements AsyncDisposable {
  readonly #queues: PoolQueues;
  readonly #options: PoolOptions;
  readonly #children: WorkerProcess[] = [];
  readonly #died: boolean[] = [];
  /** Each worker's spec (a replacement gets the same). */
  readonly #specs: WorkerSpec[] = [];
  /** Who replaced whom (`replaceDead`), by index. */
  readonly #replacedBy: (number | undefined)[] = [];
  readonly #replaces: (number | undefined)[] = [];
  /** Replacements allowed in any 60 s (0: `replaceDead` off), and when the recent ones started. */
  readonly #restartLimit: number;
  readonly #restarts: number[] = [];
  /** Which workers said hello (take batches), while alive; and which of them take JSON batches. */
  readonly #batchAware: boolean[] = [];
  readonly #jsonAware: boolean[] = [];
  /** Which workers showed what they are (a hello, or a single result without one); live ones not yet: `#unknown`. */
  readonly #known: boolean[] = [];
  #unknown = 0;
  /** Live workers not heard from yet that are not Bun processes (they may never say hello). */
  #unknownForeign = 0;
  readonly #ledger: TaskLedger<T, R>;
  /** Raw calls on the two queues (the hot path: no per-call options, no copies). */
  readonly #taskIo: QueueIo;
  readonly #resultIo: QueueIo;
  /** Aborted when every worker has exited or the pool is aborted: ends every wait. */
  readonly #halt = new AbortController();
  readonly #started = performance.now();
  readonly #settled: Promise<void>;
  #live = 0;
  #liveBatch = 0;
  #liveJson = 0;
  #finishing = false;
  #stopsSent = false;
  #stopsLeft = 0;
  /** The task queue was full: wait for results until this few tasks are out. */
  #resumeAt = -1;
  #parked: "idle" | "receive" | undefined;
  #wakeIdle: (() => void) | undefined;
  #nudge = new AbortController();
  #waitSignal: AbortSignal;
  #abortReason: string | undefined;
  /** The next message, built once (it stays here while the queue is full): `#message.b[0, #message.n)`. */
  readonly #message = new Bytes();
  #messageType = 0;
  #messageIsStop = false;
  /** Scratch for the parts of a batch. */
  readonly #ids = new Bytes();
  readonly #tasks = new Bytes();
  /** A JSON batch being built (`JSON.stringify` of it, or of `#jsonRun` when its ids are a run, is the message). */
  readonly #jsonBatch: { ids: number[]; tasks: T[] } = { ids: [], tasks: [] };
  readonly #jsonRun: { first: number; tasks: T[] } = { first: 0, tasks: this.#jsonBatch.tasks };
  /** Smoothed JSON bytes per task of the batches sent (0 before the first). */
  #jsonBytesPerTask = 0;
  /** Batch messages sent and the tasks in them. */
  readonly #batches = { messages: 0, tasks: 0, json: 0 };
  /** Single tasks out (sent as type 1, not answered). */
  #singlesOut = 0;
  /** Most tasks per batch now, from the handler times workers report. */
  #batchLimit = FIRST_BATCH_LIMIT;
  /** Smoothed handler time per task (us) the workers reported; -1 before the first report. */
  #perTaskUs = -1;
  /** Bytes the task queue holds (msg_qbytes). */
  readonly #capacity: number;
  #fatal: unknown;
  #elapsedMs = 0;
  #iterated = false;
  #removed = false;

  private constructor(options: PoolOptions, queues: PoolQueues) {
    this.#options = options;
    this.#queues = queues;
    this.#taskIo = new QueueIo(queues.tasks.key, queues.tasks.id);
    this.#resultIo = new QueueIo(queues.results.key, queues.results.id);
    this.#waitSignal = AbortSignal.any([this.#halt.signal, this.#nudge.signal]);
    this.#capacity = queues.tasks.stat().maxBytes;
    const specs = options.workers.flatMap((spec) => Array.from({ length: spec.count ?? 1 }, () => spec));
    if (specs.length === 0) throw new RangeError("a WorkerPool needs at least one worker");
    const replace = options.replaceDead;
    this.#restartLimit = replace === true ? DEFAULT_RESTARTS_PER_MINUTE : typeof replace === "object" ? replace.maxPerMinute : 0;
    if (!(this.#restartLimit >= 0)) throw new RangeError(`WorkerPool.start: replaceDead.maxPerMinute must be >= 0, got ${this.#restartLimit}`);
    this.#ledger = new TaskLedger<T, R>();
    this.#halt.signal.addEventListener("abort", () => this.#wake());
    for (const spec of specs) this.#startWorker(spec);
    // While the workers start (~8 ms each), not after the caller's first submits: the first wait for a
    // result would otherwise compile the waiter helper while a hello waits in the queue (docs/pool.md).
    prepareWaiters();
    if (options.ftl !== true) {
      keepOutOfFtl([
        this.submit, this.#take, this.#drain, this.#build, this.#buildJsonBatch, this.#fill, this.#sentMessage, this.#wake,
        this.#noteWork, this.#batchSize, this.#waitingForHello, this.#receive, this.#run,
        ...this.#ledger.hotPaths(), ...this.#taskIo.hotPaths(), ...JSON_HOT_PATHS,
      ]);
    }
    this.#settled = this.#run();
  }

  /**
   * Creates the queues and starts the workers (spawned at once; tasks wait in the queue until they run).
   *
   * @example
   * ```ts
   * const pool = WorkerPool.start({ workers: [{ command: ["php", "worker.php"], count: 4 }] });
   * ```
   */
  static start<T = unknown, R = unknown>(options: PoolOptions): WorkerPool<T, R> {
    const queues = createPoolQueues(options.keyFile);
    try {
      return new WorkerPool<T, R>(options, queues);
    } catch (error) {
      removePoolQueues(queues); // workers already started wake with EIDRM and exit
      throw error;
    }
  }

  /** Keys of the task and result queues (what workers get as SYSV_POOL_TASK_KEY / SYSV_POOL_RESULT_KEY). */
  get keys(): { tasks: number; results: number } {
    return { tasks: this.#queues.tasks.key, results: this.#queues.results.key };
  }

  /** Every worker process started, by index (pid, command, exit once exited): replacements and added ones too. */
  get workers(): readonly WorkerProcess[] {
    return this.#children;
  }

  /** How many live workers said they take batches (see `protocol.ts`). */
  get batchWorkers(): number {
    return this.#liveBatch;
  }

  /**
   * Starts one more worker of `spec` (its `count` must be 1 or left out) on the pool's queues and returns its
   * index: the next one (`workers.length` before the call; indexes are never reused, so a new worker is a
   * new entry in the report). It says hello and takes tasks like any other; if the STOPs were already sent it
   * gets one too. Throws once the pool has stopped (every worker exited, or aborted), or if the spawn fails.
   *
   * @example
   * ```ts
   * const index = pool.addWorker({ command: ["php", "worker.php"] }); // pool.workers[index].pid
   * ```
   */
  addWorker(spec: WorkerSpec): number {
    if (this.#halt.signal.aborted || this.#removed) {
      throw new Error(`WorkerPool.addWorker: the pool has stopped (${this.#abortReason ?? "every worker has exited"})`);
    }
    if ((spec.count ?? 1) !== 1) throw new RangeError(`WorkerPool.addWorker: one worker per call (count 1 or left out), got count ${spec.count}`);
    const index = this.#startWorker(spec);
    if (this.#stopsSent) {
      this.#stopsLeft++;
      this.#wake();
    }
    return index;
  }

  #startWorker(spec: WorkerSpec): number {
    const keys = { taskKey: this.#queues.tasks.key, resultKey: this.#queues.results.key };
    const index = this.#children.length;
    const child = spawnWorker(index, spec, keys, this.#options.stdout ?? "inherit");
    this.#children.push(child);
    this.#specs.push(spec);
    this.#died.push(false);
    this.#batchAware.push(false);
    this.#jsonAware.push(false);
    this.#known.push(false);
    this.#unknown++;
    if (!isBunCommand(spec.command)) this.#unknownForeign++;
    this.#replacedBy.push(undefined);
    this.#replaces.push(undefined);
    this.#ledger.addWorker();
    this.#live++;
    void child.exited.then(() => this.#onExit(child));
    return index;
  }

  #report(child: WorkerProcess): WorkerReport {
    const report: WorkerReport = {
      index: child.index, pid: child.pid, command: child.command, exit: child.exit,
      died: this.#died[child.index]!, answered: this.#ledger.answered[child.index]!,
    };
    const by = this.#replacedBy[child.index], of = this.#replaces[child.index];
    if (by !== undefined) report.replacedBy = by;
    if (of !== undefined) report.replaces = of;
    return report;
  }

  /**
   * `replaceDead`: a new process of the dead worker's spec, unless the pool is ending (aborted, queues gone,
   * STOPs sent) or {@link PoolOptions.replaceDead}'s bound of replacements in the last 60 s is reached.
   */
  #replace(dead: WorkerProcess): void {
    if (this.#restartLimit === 0 || this.#abortReason !== undefined || this.#removed || this.#stopsSent || this.#halt.signal.aborted) return;
    const now = performance.now();
    while (this.#restarts.length > 0 && now - this.#restarts[0]! >= 60_000) this.#restarts.shift();
    if (this.#restarts.length >= this.#restartLimit) return;
    this.#restarts.push(now);
    let index: number;
    try {
      index = this.#startWorker(this.#specs[dead.index]!);
    } catch {
      return; // the spawn failed (command gone): not replaced; the bound counts it
    }
    this.#replacedBy[dead.index] = index;
    this.#replaces[index] = dead.index;
  }

  #onExit(child: WorkerProcess): void {
    this.#live--;
    this.#know(child.index);
    let json = false;
    if (this.#batchAware[child.index]) {
      this.#batchAware[child.index] = false;
      this.#liveBatch--;
      if (this.#jsonAware[child.index]) {
        this.#jsonAware[child.index] = false;
        this.#liveJson--;
        json = true;
      }
    }
    const asked = this.#abortReason !== undefined || (this.#stopsSent && child.exit?.code === 0);
    this.#died[child.index] = !asked;
    if (!asked) this.#replace(child);
    this.#options.onWorkerExit?.(this.#report(child));
    if (this.#live === 0) {
      this.#halt.abort(new Error("every worker has exited"));
      return;
    }
    if (this.#liveBatch === 0 && !this.#removed) this.#reclaimBatches(POOL_BATCH_TYPE);
    if (json && this.#liveJson === 0 && !this.#removed) this.#reclaimBatches(POOL_JSON_TYPE);
    if (this.#parked === "receive") this.#nudgeLoop(); // look again (STOPs, batches)
  }

  /** Worker `index` said hello, answered a single task, or exited: it no longer holds back single tasks (see `#build`). */
  #know(index: number): void {
    if (this.#known[index] === false) {
      this.#known[index] = true;
      this.#unknown--;
      if (!isBunCommand(this.#specs[index]!.command)) this.#unknownForeign--;
    }
  }

  /**
   * No live worker takes batches of `type` any more (2: none takes batches; 4: none takes JSON): those still
   * queued go back to be sent again (as single tasks, or as type-2 batches).
   */
  #reclaimBatches(type: number): void {
    try {
      if (this.#messageType === type && this.#message.n > 0) {
        const batch = decodePoolMessage(type, this.#message.b, 0, this.#message.n) as { ids: number[]; tasks: T[] };
        batch.ids.forEach((id, i) => this.#ledger.requeue(id, batch.tasks[i] as T));
        this.#message.n = 0;
      }
      takeBatches(this.#queues.tasks, type, (id, task) => this.#ledger.requeue(id, task as T));
    } catch (error) {
      this.#fatal ??= error;
      this.abort(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#wake();
  }

  /**
   * Queues a task and returns its id (0, 1, 2, ...). Tasks go to the kernel queue in id order as
   * fast as it takes them. Throws after {@link WorkerPool.finish} or once the pool has stopped.
   *
   * @example
   * ```ts
   * const id = pool.submit({ value: 21 });
   * ```
   */
  submit(task: T): number {
    if (this.#finishing) throw new Error("WorkerPool.submit: finish() was called, no more tasks");
    if (this.#halt.signal.aborted) {
      throw new Error(`WorkerPool.submit: the pool has stopped (${this.#abortReason ?? "every worker has exited"})`);
    }
    const id = this.#ledger.add(task);
    this.#wake();
    return id;
  }

  /**
   * No more tasks: once the last one has left the queue, one STOP per live worker; workers exit as they take them.
   *
   * @example
   * ```ts
   * pool.finish();
   * ```
   */
  finish(): void {
    this.#finishing = true;
    this.#wake();
  }

  /**
   * Every task's outcome as it arrives (done/failed), then, once every worker has exited, the
   * lost/unstarted/cancelled ones. Ends after {@link WorkerPool.finish} when every task is settled.
   * One consumer only.
   *
   * @example
   * ```ts
   * for await (const o of pool.results()) if (o.status !== "done") console.error(o);
   * ```
   */
  results(): AsyncIterable<TaskOutcome<R>> {
    if (this.#iterated) throw new Error("WorkerPool.results() / resultBatches() can be iterated once");
    this.#iterated = true;
    return this.#ledger.outcomes;
  }

  /**
   * The same outcomes as {@link WorkerPool.results}, in the same order, in arrays: each step gives every
   * outcome that arrived since the last one (a batch's results together). One promise per step instead
   * of one per task: for a consumer that handles many small tasks. Use this or `results()`, not both.
   *
   * @example
   * ```ts
   * for await (const outcomes of pool.resultBatches()) for (const o of outcomes) if (o.status === "done") total += o.result;
   * ```
   */
  resultBatches(): AsyncIterable<TaskOutcome<R>[]> {
    if (this.#iterated) throw new Error("WorkerPool.results() / resultBatches() can be iterated once");
    this.#iterated = true;
    return this.#ledger.outcomes.batches();
  }

  /**
   * Stops now: takes the results already there, removes both queues (workers blocked in msgrcv wake
   * with EIDRM and exit), sends the workers SIGTERM; unsettled tasks become `cancelled`. For Ctrl-C.
   *
   * @example
   * ```ts
   * process.once("SIGINT", () => pool.abort("SIGINT"));
   * ```
   */
  abort(reason = "aborted"): void {
    if (this.#abortReason !== undefined || this.#removed) return;
    this.#abortReason = reason;
    try {
      drainResults(this.#queues.results, (type, bytes) => this.#take(type, bytes, 0, bytes.length));
    } finally {
      this.#removeQueues();
      for (const child of this.#children) child.kill("SIGTERM");
      this.#halt.abort(new Error(`aborted: ${reason}`));
    }
  }

  /**
   * Finishes (see {@link WorkerPool.finish}), waits for every worker's exit and every outcome, removes
   * both queues and returns the report. `timeoutMs`: then workers still running get SIGKILL.
   *
   * @example
   * ```ts
   * const { done, lost, elapsedMs } = await pool.close();
   * ```
   */
  async close(options: { timeoutMs?: number } = {}): Promise<PoolReport> {
    this.finish();
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      for (const child of this.#children) child.kill("SIGKILL");
    }, options.timeoutMs);
    try {
      await this.#settled;
      await Promise.all(this.#children.map((child) => child.exited));
    } finally {
      clearTimeout(timer);
      this.#removeQueues();
    }
    if (this.#fatal !== undefined) throw this.#fatal;
    const ledger = this.#ledger;
    return {
      submitted: ledger.submitted, ...ledger.counts,
      lost: ledger.lost, unstarted: ledger.unstarted, cancelled: ledger.cancelled,
      workers: this.#children.map((child) => this.#report(child)),
      batches: { ...this.#batches },
      aborted: this.#abortReason, elapsedMs: this.#elapsedMs,
    };
  }

  /** `await using pool = WorkerPool.start(...)`: {@link WorkerPool.close}, queues removed even on error. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** New work to send: an idle loop wakes; a loop waiting for a result stops waiting (nothing is lost). */
  #wake(): void {
    if (this.#parked === "idle") {
      const wake = this.#wakeIdle;
      this.#wakeIdle = undefined;
      wake?.();
    } else if (this.#parked === "receive" && this.#resumeAt < 0) {
      this.#nudgeLoop();
    }
  }

  /** Ends the loop's wait for a result (nothing is lost: a message taken meanwhile goes back), once per wait. */
  #nudgeLoop(): void {
    if (!this.#nudge.signal.aborted) this.#nudge.abort();
  }

  #removeQueues(): void {
    if (this.#removed) return;
    this.#removed = true;
    removePoolQueues(this.#queues);
  }

  /** The pump: send what fits, take the results, wait for a result (or for work), until every worker has exited. */
  async #run(): Promise<void> {
    const halt = this.#halt.signal;
    const ledger = this.#ledger;
    try {
      while (!halt.aborted) {
        this.#fill();
        if (ledger.out > 0 || this.#waitingForHello()) await this.#receive();
        else if (this.#resumeAt >= 0) await this.#sendWaiting(); // full of STOPs or foreign messages
        else await this.#idle();
      }
      if (this.#abortReason === undefined) {
        drainResults(this.#queues.results, (type, bytes) => this.#take(type, bytes, 0, bytes.length));
        drainTasks(this.#queues.tasks, ledger);
        ledger.settleStranded(this.#children.filter((child) => this.#died[child.index]).map((child) => child.index));
      }
    } catch (error) {
      this.#fatal = error;
      this.abort(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#elapsedMs = performance.now() - this.#started;
      ledger.close();
    }
  }

  /** Sends messages (tasks, then the STOPs) while they fit in the task queue, without waiting. */
  #fill(): void {
    const ledger = this.#ledger;
    if (this.#resumeAt >= 0) {
      if (ledger.out > this.#resumeAt) return;
      this.#resumeAt = -1;
    }
    const io = this.#taskIo, message = this.#message;
    for (;;) {
      if (message.n === 0 && !this.#build()) return;
      // No estimate of the queue's fill from the tasks out: they include those a worker already took, so it
      // stopped short (one batch in the queue behind the one a worker ran). Filling until EAGAIN keeps
      // the queue full: measured 4 workers +13% tasks/s at 100,000 tasks (docs/pool.md).
      const errno = io.send(this.#messageType, message.b.subarray(0, message.n), IPC_NOWAIT);
      if (errno === ERRNO.EAGAIN) {
        // Full: refill after a few results.
        this.#resumeAt = Math.max(0, ledger.out - Math.max(1, Math.min(16, ledger.out >> 3)));
        return;
      }
      if (errno !== 0) throw sendError(io, errno, message.n);
      this.#sentMessage();
    }
  }

  /**
   * Builds the next message into `#message`: a task alone (type 1), a batch (type 2), or else a STOP when
   * finishing and no task is left queued. False when there is nothing to send.
   */
  #build(): boolean {
    const ledger = this.#ledger;
    while (ledger.hasUnsent) {
      if (this.#waitingForHello()) return false;
      const size = this.#batchSize();
      // With every live worker on JSON, a lone task goes as a JSON batch of one: still one message each way,
      // and their workers never need the PHP codec (they start sooner, see worker.ts).
      if (size > 1 || (this.#liveJson > 0 && this.#liveJson === this.#live) ? this.#buildBatch(size) : this.#buildSingle()) return true;
    }
    if (this.#finishing && !this.#stopsSent && (ledger.out === 0 || this.#queues.tasks.stat().messages === 0)) {
      // Only now: a worker that takes batches asks for type 1 before type 2, so an earlier STOP could pass a batch.
      this.#stopsSent = true;
      this.#stopsLeft = this.#live;
    }
    if (this.#stopsLeft === 0) return false;
    this.#message.n = 0;
    this.#message.put(POOL_STOP_PAYLOAD);
    this.#messageType = POOL_MESSAGE_TYPE;
    this.#messageIsStop = true;
    return true;
  }

  /** Whether single tasks wait for a hello at start (see {@link HELLO_WAIT_MS}). */
  #waitingForHello(): boolean {
    return this.#liveBatch === 0 && this.#unknown > 0 && this.#unknownForeign === 0 &&
      performance.now() - this.#started < HELLO_WAIT_MS;
  }

  /** Tasks for the next message: 1 (a single message), or more as a batch (see the module notes). */
  #batchSize(): number {
    const unsent = this.#ledger.unsentCount;
    if (unsent <= 1 || this.#liveBatch === 0) return 1;
    // Workers that take single tasks only: those known not to say hello, and those not heard from yet that
    // are not Bun processes (a Bun worker not heard from yet says hello soon: it gets no single tasks).
    const plain = this.#live - this.#liveBatch - (this.#unknown - this.#unknownForeign);
    if (plain > 0 && this.#singlesOut < SINGLES_PER_PLAIN_WORKER * plain) return 1;
    return Math.min(this.#batchLimit, Math.ceil(unsent / this.#live));
  }

  /** `a:2:{s:2:"id";i:<id>;s:4:"task";<task>}`, what serialize({ id, task }) gives. */
  #buildSingle(): boolean {
    const ledger = this.#ledger;
    const task = ledger.take();
    const message = this.#message;
    message.n = 0;
    try {
      const value = serializeToScratch(task);
      if (value.references) {
        // Its back-references count from its own start: the whole message is serialized instead.
        const whole = serializeToScratch({ id: ledger.takenId, task });
        message.put(whole.bytes, whole.length);
      } else {
        message.put(SINGLE_HEAD);
        message.int(ledger.takenId);
        message.put(SINGLE_MID);
        message.put(value.bytes, value.length);
        message.byte(0x7d); // }
      }
    } catch (error) {
      message.n = 0;
      ledger.unsendable(error); // a value PHP's serialize has no form for
      return false;
    }
    if (message.n > this.#taskIo.msgmax) {
      ledger.unsendable(sendError(this.#taskIo, ERRNO.EINVAL, message.n));
      message.n = 0;
      return false;
    }
    this.#messageType = POOL_MESSAGE_TYPE;
    this.#messageIsStop = false;
    return true;
  }

  /** `a:2:{s:3:"ids";a:<k>:{i:0;i:<id>;...}s:5:"tasks";a:<k>:{i:0;<task>...}}`, up to `size` tasks. */
  #buildBatch(size: number): boolean {
    const ledger = this.#ledger;
    const ids = this.#ids, tasks = this.#tasks;
    // A share of the queue per worker that can run at once, and one more: with more workers than cores the
    // others wait for a core anyway, and bigger batches mean fewer messages and wake-ups (4 workers on
    // 2 cores: 51 -> 85 tasks per batch, 1,960 -> 1,180 messages per 100,000 tasks, docs/pool.md). When
    // every live worker takes batches, not even the one more: one batch per core (127 tasks); a mixed pool
    // keeps it, the room its plain workers' single tasks need.
    const shares = this.#live > CORES && this.#liveBatch === this.#live ? CORES : Math.min(this.#live, CORES) + 1;
    const maxBytes = Math.max(512, Math.min(this.#taskIo.msgmax - 64, Math.floor(this.#capacity / shares)));
    if (this.#liveJson > 0 && this.#liveJson === this.#liveBatch && this.#buildJsonBatch(size, maxBytes)) return true;
    ids.n = 0;
    tasks.n = 0;
    let count = 0;
    while (count < size && ledger.hasUnsent) {
      const task = ledger.take();
      let value;
      try {
        value = serializeToScratch(task);
      } catch (error) {
        ledger.unsendable(error);
        continue;
      }
      // Room for `i:<n>;<task>`, `i:<n>;i:<id>;` and the frame; a task with back-references (their numbers
      // count from its own start, not the batch's) travels alone.
      if (value.references || ids.n + tasks.n + value.length + 86 > maxBytes) {
        ledger.untake(task); // the next message starts with it ...
        if (count > 0) break;
        return this.#buildSingle(); // ... or, too big for a batch, it goes alone (or fails alone above msgmax)
      }
      ids.index(count);
      ids.index(ledger.takenId);
      tasks.index(count);
      tasks.put(value.bytes, value.length);
      count++;
    }
    if (count === 0) return false;
    const message = this.#message;
    message.n = 0;
    message.put(BATCH_HEAD);
    message.int(count);
    message.byte(0x3a); // :
    message.byte(0x7b); // {
    message.put(ids.b, ids.n);
    message.put(BATCH_MID);
    message.int(count);
    message.byte(0x3a);
    message.byte(0x7b);
    message.put(tasks.b, tasks.n);
    message.byte(0x7d);
    message.byte(0x7d);
    this.#messageType = POOL_BATCH_TYPE; // even of one task: a batch-aware worker takes it
    this.#messageIsStop = false;
    return true;
  }

  /**
   * A JSON batch (type 4) of up to `size` tasks in at most `maxBytes`, while the tasks are {@link jsonExact}:
   * false when the first is not (or a single task does not fit), and the serialize batch takes over.
   */
  #buildJsonBatch(size: number, maxBytes: number): boolean {
    const ledger = this.#ledger, batch = this.#jsonBatch, ids = batch.ids, tasks = batch.tasks;
    ids.length = 0;
    tasks.length = 0;
    if (!prototypesClean()) return false;
    // Fewer tasks than the bytes seen so far per task allow: a batch built too big is built again smaller.
    const limit = this.#jsonBytesPerTask > 0 ? Math.max(1, Math.min(size, Math.floor((maxBytes - 32) / this.#jsonBytesPerTask))) : size;
    // `first` >= 0: the ids are a run from it, and the batch carries `first` instead of `ids`.
    let first = -1;
    const runnable = Math.min(limit, ledger.runnable);
    if (runnable > 0) {
      // The usual case: the next unsent tasks, in id order, taken at once.
      let count = 0;
      while (count < runnable && exactValue(ledger.unsentAt(count))) count++;
      if (count > 0) first = ledger.takeRun(count, tasks);
    } else {
      while (ids.length < limit && ledger.hasUnsent) {
        const task = ledger.take();
        if (!exactValue(task)) {
          ledger.untake(task);
          break;
        }
        ids.push(ledger.takenId);
        tasks.push(task);
      }
      if (isRun(ids)) first = ids[0]!;
    }
    const message = this.#message;
    const bytes = message.room(maxBytes);
    while (tasks.length > 0) {
      this.#jsonRun.first = first;
      const end = writeJson(first >= 0 ? this.#jsonRun : batch, bytes, 0, maxBytes);
      if (end >= 0) {
        message.n = end;
        const perTask = end / tasks.length;
        this.#jsonBytesPerTask = this.#jsonBytesPerTask === 0 ? perTask : 0.8 * this.#jsonBytesPerTask + 0.2 * perTask;
        this.#messageType = POOL_JSON_TYPE;
        this.#messageIsStop = false;
        return true;
      }
      // Too big: the later half goes back (taken first next time, in order).
      const keep = tasks.length >> 1;
      while (tasks.length > keep) {
        ledger.untake(tasks.pop()!);
        if (first < 0) ids.pop();
      }
      this.#jsonBytesPerTask = Math.max(this.#jsonBytesPerTask, maxBytes / Math.max(1, keep));
    }
    return false;
  }

  #sentMessage(): void {
    if (this.#messageIsStop) {
      this.#stopsLeft--;
    } else {
      if (this.#messageType === POOL_MESSAGE_TYPE) this.#singlesOut++;
      else {
        this.#batches.messages++;
        this.#batches.tasks += this.#ledger.taken.length;
        if (this.#messageType === POOL_JSON_TYPE) this.#batches.json++;
      }
      this.#ledger.sent(this.#message.n);
    }
    this.#message.n = 0;
  }

  /** Takes every message already on the result queue, without waiting: how many. */
  #drain(): number {
    const results = this.#queues.results;
    let count = 0;
    if (results.held > 0) { // a message a cancelled wait took could not go back on the queue
      drainResults(results, (type, bytes) => this.#take(type, bytes, 0, bytes.length));
      count++;
    }
    const io = this.#resultIo;
    for (;;) {
      const n = io.receive(io.msgmax, -POOL_JSON_TYPE, IPC_NOWAIT);
      if (n < 0) {
        if (n === -ERRNO.ENOMSG) return count;
        throw receiveError(io, -n, io.msgmax);
      }
      this.#take(io.buffer.type as number, io.buffer.bytes, 8, 8 + n);
      count++;
    }
  }

  /** One result-queue message: a result, a batch of results, a hello, or garbage. */
  #take(type: number, bytes: Uint8Array, start: number, end: number): void {
    const ledger = this.#ledger;
    const value = type === POOL_JSON_TYPE ? parseJson(bytes, start, end) : decodePoolMessage(type, bytes, start, end);
    if (value === undefined) {
      ledger.counts.garbage++;
      return;
    }
    if (type === POOL_MESSAGE_TYPE) {
      if (ledger.accept(value)) {
        this.#singlesOut--;
        this.#know((value as { worker: number }).worker);
        this.#noteWork((value as { us?: unknown }).us, 1);
      }
    } else if (type === POOL_JSON_TYPE && isRunResultBatch(value)) {
      // The usual result message: the results of a run of ids, settled without an ids array.
      ledger.settleBatch(value.first, value.worker, value.results, value.errors);
      this.#noteWork(value.us, value.results.length);
    } else if ((type === POOL_BATCH_TYPE || type === POOL_JSON_TYPE) && isResultBatch(value)) {
      ledger.settleBatch(value.ids, value.worker, value.results, value.errors);
      this.#noteWork(value.us, value.ids.length);
    } else if (type === POOL_HELLO_TYPE && value !== null && typeof value === "object") {
      const worker = (value as { worker?: unknown }).worker;
      if (typeof worker === "number" && this.#children[worker] !== undefined && !this.#batchAware[worker] &&
          this.#children[worker].exit === undefined && (value as { batches?: unknown }).batches === true) {
        this.#batchAware[worker] = true;
        this.#liveBatch++;
        this.#know(worker);
        if ((value as { json?: unknown }).json === true) {
          this.#jsonAware[worker] = true;
          this.#liveJson++;
        }
      }
    } else {
      ledger.counts.garbage++;
    }
  }

  /**
   * A worker said how long its handler took (`us` over `tasks` tasks): the batch limit follows, so that a
   * batch carries about {@link BATCH_WORK_US} of work (a smoothed estimate; one slow task counts at once).
   */
  #noteWork(us: unknown, tasks: number): void {
    if (typeof us !== "number" || !(us >= 0) || tasks <= 0) return;
    const perTask = us / tasks;
    this.#perTaskUs = this.#perTaskUs < 0 || perTask > this.#perTaskUs ? perTask : 0.8 * this.#perTaskUs + 0.2 * perTask;
    this.#batchLimit = Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_WORK_US / Math.max(this.#perTaskUs, 0.01))));
  }

  /**
   * Takes the results already there; when there are none, tries again (yielding to the event loop) once,
   * or for ~50 us while a core is free for it, before parking a waiter thread, which costs more.
   */
  async #receive(): Promise<void> {
    if (this.#drain() > 0) return;
    const submitted = this.#ledger.submitted, finishing = this.#finishing;
    const until = performance.now() + (this.#live < CORES ? SPIN_MS : 0);
    do {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#halt.signal.aborted || this.#ledger.submitted !== submitted || this.#finishing !== finishing) return;
      if (this.#drain() > 0) return;
    } while (performance.now() < until);
    if (this.#nudge.signal.aborted) {
      this.#nudge = new AbortController();
      this.#waitSignal = AbortSignal.any([this.#halt.signal, this.#nudge.signal]);
    }
    this.#parked = "receive";
    try {
      const timeout = this.#waitingForHello() ? Math.max(1, Math.ceil(HELLO_WAIT_MS - (performance.now() - this.#started))) : MAX_WAIT_MS;
      const { type, bytes } = await this.#queues.results.receiveBytes({ type: -POOL_JSON_TYPE, signal: this.#waitSignal, timeout });
      this.#take(type as number, bytes, 0, bytes.length);
    } catch (error) {
      // Woken for new work or halted (a message taken meanwhile went back on the queue), or the safety-net timeout.
      if (!this.#waitSignal.aborted && !isTimeout(error)) throw error;
    } finally {
      this.#parked = undefined;
    }
  }

  /** Nothing is out, yet the queue is full: wait on a waiter thread for room for the next message. */
  async #sendWaiting(): Promise<void> {
    this.#resumeAt = -1;
    if (this.#message.n === 0 && !this.#build()) return;
    const payload = this.#message.b.slice(0, this.#message.n);
    try {
      await this.#queues.tasks.send(this.#messageType, payload, { serialize: false, signal: this.#halt.signal, timeout: MAX_WAIT_MS });
    } catch (error) {
      if (this.#halt.signal.aborted) return;
      if (isTimeout(error)) {
        this.#resumeAt = 0; // still full: wait again
        return;
      }
      if (this.#messageIsStop || !(error instanceof TooBigError || error instanceof BusyError)) throw error;
      while (this.#ledger.taken.length > 0) this.#ledger.unsendable(error); // larger than the queue can ever hold
      this.#message.n = 0;
      return;
    }
    this.#sentMessage();
  }

  /** Waits for work; the safety-net timeout as in the other waits. */
  async #idle(): Promise<void> {
    if (this.#halt.signal.aborted || this.#ledger.hasUnsent || (this.#finishing && !this.#stopsSent) || this.#stopsLeft > 0) return;
    this.#parked = "idle";
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wakeIdle = resolve;
      timer = setTimeout(resolve, MAX_WAIT_MS);
    });
    clearTimeout(timer);
    this.#parked = undefined;
  }
}
