/**
 * {@link WorkerPool}: PHP's fork-a-pool-of-workers pattern for Bun, over two message queues and
 * separate processes (Bun and PHP workers mixed), with every task accounted for exactly once.
 *
 * ```
 * submit(task) --msgsnd(type 1, serialize({id, task}))--> [task queue] --msgrcv--> worker i
 * worker i --msgsnd(type 1, serialize({id, worker, result}))--> [result queue] --awaitable receive--> results()
 * finish(): one STOP per worker after the last task; close(): wait for every exit, remove both queues
 * ```
 *
 * - Results come back as messages, never through a shared array: nothing is read-modified-written.
 * - The main process fills the task queue without waiting and waits for results with the awaitable
 *   `receive` (a waiter thread), so its event loop runs on. A full task queue is refilled in bursts as
 *   results come back (a result means its task left the queue).
 * - A worker that dies is noticed by its exit (`onWorkerExit`). Each worker holds one task at a time and
 *   tasks leave the queue in id order, so once every worker has exited, a task that was taken but never
 *   answered is reported `lost`, with the dead worker(s) that can have held it; a task no worker took
 *   is `unstarted`.
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
import { BusyError, TooBigError, UnserializeError } from "../errors.ts";
import { serialize } from "../serialize/index.ts";
import { spawnWorker, type WorkerProcess, type WorkerSpec } from "./children.ts";
import { TaskLedger, type TaskOutcome } from "./ledger.ts";
import { drainResults, drainTasks } from "./drain.ts";
import { POOL_MESSAGE_TYPE, POOL_STOP } from "./protocol.ts";
import { createPoolQueues, removePoolQueues, type PoolQueues } from "./queues.ts";
import type { PoolOptions, PoolReport, WorkerReport } from "./report.ts";

export type { TaskOutcome } from "./ledger.ts";
export type { PoolOptions, PoolReport, WorkerReport } from "./report.ts";

const STOP_PAYLOAD = serialize(POOL_STOP);
/** Non-waiting tries for a result before a waiter thread waits for it. */
const SPIN_TRIES = 8;
/** Longest single wait: the loop then looks again. Only a safety net: waits end at once on abort. */
const MAX_WAIT_MS = 200;

function isTimeout(error: unknown): boolean {
  return error instanceof BusyError && error.code === "ETIMEDOUT";
}

/** A pool of worker processes fed through a task queue (see the module notes). */
export class WorkerPool<T = unknown, R = unknown> implements AsyncDisposable {
  readonly #queues: PoolQueues;
  readonly #options: PoolOptions;
  readonly #children: WorkerProcess[] = [];
  readonly #died: boolean[] = [];
  readonly #ledger: TaskLedger<T, R>;
  /** Aborted when every worker has exited or the pool is aborted: ends every wait. */
  readonly #halt = new AbortController();
  readonly #started = performance.now();
  readonly #settled: Promise<void>;
  #live = 0;
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
  /** The next task's payload, serialized once (it stays here while the queue is full). */
  #payload: Uint8Array | undefined;
  /** Bytes the task queue holds (msg_qbytes). */
  readonly #capacity: number;
  #fatal: unknown;
  #elapsedMs = 0;
  #iterated = false;
  #removed = false;

  private constructor(options: PoolOptions, queues: PoolQueues) {
    this.#options = options;
    this.#queues = queues;
    this.#waitSignal = AbortSignal.any([this.#halt.signal, this.#nudge.signal]);
    this.#capacity = queues.tasks.stat().maxBytes;
    const specs = options.workers.flatMap((spec) => Array.from({ length: spec.count ?? 1 }, () => spec));
    if (specs.length === 0) throw new RangeError("a WorkerPool needs at least one worker");
    this.#ledger = new TaskLedger<T, R>(specs.length);
    this.#halt.signal.addEventListener("abort", () => this.#wake());
    specs.forEach((spec, index) => this.#startWorker(index, spec));
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

  /** The worker processes (index, pid, command, exit once exited). */
  get workers(): readonly WorkerProcess[] {
    return this.#children;
  }

  #startWorker(index: number, spec: WorkerSpec): void {
    const keys = { taskKey: this.#queues.tasks.key, resultKey: this.#queues.results.key };
    const child = spawnWorker(index, spec, keys, this.#options.stdout ?? "inherit");
    this.#children.push(child);
    this.#died.push(false);
    this.#live++;
    void child.exited.then(() => this.#onExit(child));
  }

  #report(child: WorkerProcess): WorkerReport {
    return {
      index: child.index, pid: child.pid, command: child.command, exit: child.exit,
      died: this.#died[child.index], answered: this.#ledger.answered[child.index],
    };
  }

  #onExit(child: WorkerProcess): void {
    this.#live--;
    const asked = this.#abortReason !== undefined || (this.#stopsSent && child.exit?.code === 0);
    this.#died[child.index] = !asked;
    this.#options.onWorkerExit?.(this.#report(child));
    if (this.#live === 0) this.#halt.abort(new Error("every worker has exited"));
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
   * No more tasks: after the last one, one STOP per live worker; workers exit as they take them.
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
    if (this.#iterated) throw new Error("WorkerPool.results() can be iterated once");
    this.#iterated = true;
    return this.#ledger.outcomes;
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
      drainResults(this.#queues.results, this.#ledger);
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
    } else if (this.#parked === "receive" && this.#resumeAt < 0 && !this.#nudge.signal.aborted) {
      this.#nudge.abort();
    }
  }

  #removeQueues(): void {
    if (this.#removed) return;
    this.#removed = true;
    removePoolQueues(this.#queues);
  }

  /** The pump: send what fits, wait for a result (or for work), until every worker has exited. */
  async #run(): Promise<void> {
    const halt = this.#halt.signal;
    const ledger = this.#ledger;
    try {
      while (!halt.aborted) {
        this.#fill();
        if (ledger.out > 0) await this.#receiveOne();
        else if (this.#resumeAt >= 0) await this.#sendWaiting(); // full of STOPs or foreign messages
        else await this.#idle();
      }
      if (this.#abortReason === undefined) {
        drainResults(this.#queues.results, this.#ledger);
        drainTasks(this.#queues.tasks, this.#ledger);
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

  /** Sends tasks (then the STOPs) while they fit in the task queue, without waiting. */
  #fill(): void {
    const ledger = this.#ledger;
    if (this.#resumeAt >= 0) {
      if (ledger.out > this.#resumeAt) return;
      this.#resumeAt = -1;
    }
    for (;;) {
      const payload = this.#nextPayload();
      if (payload === undefined) return;
      // Each result frees its task's bytes: wait for results rather than for EAGAIN.
      if (payload !== STOP_PAYLOAD && ledger.out > 0 && ledger.outBytes + payload.length > this.#capacity) return;
      try {
        this.#queues.tasks.sendSync(POOL_MESSAGE_TYPE, payload, { serialize: false, wait: false });
      } catch (error) {
        if (error instanceof BusyError) {
          // Fuller than the estimate (STOPs, foreign messages): refill after a few results.
          this.#resumeAt = Math.max(0, ledger.out - Math.max(1, Math.min(16, ledger.out >> 3)));
          return;
        }
        if (payload === STOP_PAYLOAD || !(error instanceof TooBigError)) throw error;
        this.#unsendable(error);
        continue;
      }
      this.#sent(payload);
    }
  }

  /** The payload of the next message to send (a task, else a STOP when finishing), or nothing. */
  #nextPayload(): Uint8Array | undefined {
    const ledger = this.#ledger;
    while (this.#payload === undefined && ledger.hasUnsent) {
      try {
        this.#payload = serialize(ledger.nextMessage());
      } catch (error) {
        ledger.unsendable(error); // a value PHP's serialize has no form for
      }
    }
    if (this.#payload !== undefined) return this.#payload;
    if (this.#finishing && !this.#stopsSent) {
      this.#stopsSent = true;
      this.#stopsLeft = this.#live;
    }
    return this.#stopsLeft > 0 ? STOP_PAYLOAD : undefined;
  }

  #sent(payload: Uint8Array): void {
    if (payload === STOP_PAYLOAD) {
      this.#stopsLeft--;
    } else {
      this.#ledger.sent(payload.length);
      this.#payload = undefined;
    }
  }

  #unsendable(error: unknown): void {
    this.#ledger.unsendable(error);
    this.#payload = undefined;
  }

  /**
   * Waits for one result. While tasks are out a result is usually microseconds away, so a few
   * non-waiting tries (yielding to the event loop between them) come before parking a waiter thread.
   */
  async #receiveOne(): Promise<void> {
    const results = this.#queues.results;
    const submitted = this.#ledger.submitted, finishing = this.#finishing;
    for (let i = 0; i < SPIN_TRIES; i++) {
      try {
        const message = results.tryReceiveSync({ type: POOL_MESSAGE_TYPE });
        if (message !== null) return this.#ledger.accept(message.value);
      } catch (error) {
        if (error instanceof UnserializeError) return this.#ledger.accept(undefined); // not a result: garbage
        throw error;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#halt.signal.aborted || this.#ledger.submitted !== submitted || this.#finishing !== finishing) return;
    }
    if (this.#nudge.signal.aborted) {
      this.#nudge = new AbortController();
      this.#waitSignal = AbortSignal.any([this.#halt.signal, this.#nudge.signal]);
    }
    this.#parked = "receive";
    try {
      const { value } = await results.receive({ type: POOL_MESSAGE_TYPE, signal: this.#waitSignal, timeout: MAX_WAIT_MS });
      this.#ledger.accept(value);
    } catch (error) {
      if (error instanceof UnserializeError) return this.#ledger.accept(undefined);
      // Woken for new work or halted (a message taken meanwhile went back on the queue), or the safety-net timeout.
      if (!this.#waitSignal.aborted && !isTimeout(error)) throw error;
    } finally {
      this.#parked = undefined;
    }
  }

  /** Nothing is out, yet the queue is full: wait on a waiter thread for room for the next message. */
  async #sendWaiting(): Promise<void> {
    const payload = this.#nextPayload();
    this.#resumeAt = -1;
    if (payload === undefined) return;
    try {
      await this.#queues.tasks.send(POOL_MESSAGE_TYPE, payload, { serialize: false, signal: this.#halt.signal, timeout: MAX_WAIT_MS });
    } catch (error) {
      if (this.#halt.signal.aborted) return;
      if (isTimeout(error)) {
        this.#resumeAt = 0; // still full: wait again
        return;
      }
      if (payload === STOP_PAYLOAD || !(error instanceof TooBigError || error instanceof BusyError)) throw error;
      this.#unsendable(error); // larger than the queue can ever hold
      return;
    }
    this.#sent(payload);
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
