/**
 * The worker side of {@link WorkerPool}: {@link serveTasks} takes tasks from the pool's task queue,
 * runs a handler and sends the results back, until a STOP message or the queue's removal.
 *
 * A worker is a process of its own with nothing else to do, so it waits for tasks with the blocking
 * receive on its main thread, as a PHP worker does (no waiter thread, no event-loop hop per task). It
 * says hello (it takes batches, see `protocol.ts`), asks for a batch first without waiting, then waits
 * for anything; a batch is answered with one message. It exits with its parent: the kernel sends it
 * SIGTERM when the process that started it dies (`prctl(PR_SET_PDEATHSIG)`), so no orphan is left.
 *
 * @example
 * ```ts
 * // worker.ts, started by WorkerPool.start({ workers: [{ command: ["bun", "worker.ts"], count: 4 }] })
 * import { serveTasks } from "bun-sysv";
 * await serveTasks<{ value: number }, number>((task) => task.value * 2);
 * ```
 * @module
 */
import { RemovedError } from "../errors.ts";
import { check, ERRNO } from "../ffi/errno.ts";
import { IPC_NOWAIT, PR_SET_PDEATHSIG, SIGNALS } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";
import { receiveError, sendError } from "../msg/errors.ts";
import type { MessageType } from "../msg/buffer.ts";
import { QueueIo } from "../msg/io.ts";
import { processAlive } from "../process/alive.ts";
import {
  helloPayload, isTaskBatch, isTaskMessage, POOL_BATCH_TYPE, POOL_ENV, POOL_HELLO_TYPE, POOL_JSON_TYPE, POOL_MESSAGE_TYPE,
  POOL_STOP_PAYLOAD, type ResultBatchMessage, type ResultMessage,
} from "./protocol.ts";
import { isRun, jsonExact, readJson, writeJson } from "./json.ts";

/** What a handler learns besides its task (one object reused for the tasks of a batch: copy what you keep). */
export interface TaskContext {
  /** The task's id in the pool. */
  id: number;
  /** This worker's number in the pool. */
  worker: number;
}

/** Where a worker finds its queues (default: the environment the pool sets, see `POOL_ENV`). */
export interface ServeOptions {
  taskKey?: number;
  resultKey?: number;
  worker?: number;
  /** Take batches (say hello, see `protocol.ts`); default true. `false`: single tasks only. */
  batches?: boolean;
  /** Take and answer batches in JSON when their values allow it (`protocol.ts`, type 4); default true. */
  json?: boolean;
}

/** How a worker's loop ended. */
export interface ServeSummary {
  /** Tasks handled (results and errors sent). */
  handled: number;
  /**
   * Messages on the task queue that were not the pool's (not decodable, or not a task): dropped, the loop
   * went on. The first {@link SKIP_WARNINGS} are described on stderr.
   */
  skipped: number;
  /** `"stop"`: a STOP message; `"removed"`: the pool removed its queues (it was aborted). */
  reason: "stop" | "removed";
}


function envInt(name: string): number {
  const text = process.env[name];
  const value = Number(text);
  if (text === undefined || text === "" || !Number.isSafeInteger(value)) {
    throw new Error(`${name} is not set to an integer: this script is meant to be started by a WorkerPool`);
  }
  return value;
}

/**
 * Ends this process with the pool's: SIGTERM from the kernel when its parent dies, and an exit now if the
 * pool (pid `SYSV_POOL_PARENT`) is already gone. A worker started through a wrapper (`time`, `sh -c` that
 * forks) has the wrapper as parent: it keeps running while the pool lives.
 */
function followParent(): void {
  const text = process.env[POOL_ENV.parent];
  if (!text) return; // not started by a pool (or by an older one): nothing to follow
  const pool = Number(text);
  libc.prctl(PR_SET_PDEATHSIG, SIGNALS.SIGTERM, 0, 0, 0);
  if (libc.getppid() !== pool && !processAlive(pool)) process.exit(1);
}

/**
 * The raw calls on an existing queue (`msgget(key, 0)`). Not a `MessageQueue`: a worker needs no waiter
 * threads or awaitable calls, and importing less makes it ready sooner (docs/pool.md, start-up).
 */
function openQueue(key: number): QueueIo {
  return new QueueIo(key, check(libc.msgget(key, 0), "msgget", { key }));
}

/**
 * The next task-queue message into `io.buffer`: a batch if one waits (of type `batchType`), else anything up
 * to that type (0: single tasks only); retried on EINTR.
 */
function receiveTask(io: QueueIo, batchType: number): number {
  const max = io.msgmax;
  if (batchType > 0) {
    const n = io.receive(max, batchType, IPC_NOWAIT);
    if (n >= 0) return n;
    if (n !== -ERRNO.ENOMSG) throw receiveError(io, -n, max);
  }
  for (;;) {
    const n = io.receive(max, batchType > 0 ? -batchType : POOL_MESSAGE_TYPE, 0);
    if (n >= 0) return n;
    if (n !== -ERRNO.EINTR) throw receiveError(io, -n, max);
  }
}

/**
 * The PHP codec and the pool's message decoder over it (`drain.ts`), imported on first use: a worker whose
 * batches all travel in JSON never loads them (it starts sooner: docs/pool.md, fourth round).
 */
let codec: { serializeToScratch: typeof import("../serialize/encode.ts").serializeToScratch; decodePoolMessage: typeof import("./drain.ts").decodePoolMessage } | undefined;
async function phpCodec(): Promise<NonNullable<typeof codec>> {
  if (codec === undefined) {
    const [{ serializeToScratch }, { decodePoolMessage }] = await Promise.all([import("../serialize/encode.ts"), import("./drain.ts")]);
    codec = { serializeToScratch, decodePoolMessage };
  }
  return codec;
}

/** Whether the `n` bytes just received are the STOP message (see `POOL_STOP_PAYLOAD`). */
function isStop(io: QueueIo, n: number): boolean {
  if (n !== POOL_STOP_PAYLOAD.length) return false;
  const bytes = io.buffer.bytes;
  for (let i = 0; i < n; i++) if (bytes[8 + i] !== POOL_STOP_PAYLOAD[i]) return false;
  return true;
}

/** Runs a send (`attempt`: 0 or an errno) until it is done, waiting for room; retried on EINTR. */
function sendRetrying(io: QueueIo, length: number, attempt: () => number): void {
  for (;;) {
    const errno = attempt();
    if (errno === 0) return;
    if (errno !== ERRNO.EINTR) throw sendError(io, errno, length);
  }
}

/** Sends `payload` with message type `type`, waiting for room; retried on EINTR. */
function sendBytes(io: QueueIo, type: number, payload: Uint8Array): void {
  sendRetrying(io, payload.length, () => io.send(type, payload, 0));
}

/** Sends `value` serialized with message type `type`, waiting for room; false if it is above msgmax. */
async function sendResult(io: QueueIo, type: number, value: unknown, fallback: boolean): Promise<boolean> {
  const { bytes, length } = (await phpCodec()).serializeToScratch(value);
  if (fallback && length > io.msgmax) return false;
  sendBytes(io, type, bytes.subarray(0, length));
  return true;
}

/**
 * Sends a batch's results as JSON (type 4) when each value allows it and it fits: false otherwise. Ids that
 * are a run travel as `first` (see `json.ts`).
 */
function sendJsonResults(io: QueueIo, reply: ResultBatchMessage<unknown>): boolean {
  const { worker, ids, results, errors, us } = reply;
  for (let i = 0; i < results.length; i++) if (!jsonExact(results[i])) return false;
  if (errors !== undefined) for (const i in errors) if (!errors[i]!.isWellFormed()) return false;
  const buffer = io.buffer;
  buffer.ensure(io.msgmax);
  const message = !isRun(ids) ? reply : errors === undefined ? { worker, first: ids[0], results, us } : { worker, first: ids[0], results, errors, us };
  const end = writeJson(message, buffer.bytes, 8, 8 + io.msgmax);
  if (end < 0) return false;
  sendRetrying(io, end - 8, () => io.sendBuffered(POOL_JSON_TYPE, end - 8, 0));
  return true;
}

/** How many skipped messages a worker describes on stderr; later ones are only counted (`ServeSummary.skipped`). */
export const SKIP_WARNINGS = 10;

/** One stderr line for the `skipped`-th message dropped from the task queue (none after {@link SKIP_WARNINGS}). */
function warnSkipped(worker: number, type: MessageType, n: number, skipped: number): void {
  if (skipped > SKIP_WARNINGS) return;
  const more = skipped === SKIP_WARNINGS ? " (further ones are counted, not shown)" : "";
  console.error(`bun-sysv pool worker ${worker}: skipped a message of type ${type} (${n} bytes) on the task queue: not a pool task${more}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A batch being answered: the handler's results in order, and the errors by index. */
interface BatchRun<R> {
  answers: (R | null)[];
  errors: Record<number, string> | undefined;
}

/** Task `i` of the batch failed: its result is null and its error text is kept. */
function failed<R>(run: BatchRun<R>, i: number, error: unknown): void {
  run.answers[i] = null;
  (run.errors ??= {})[i] = errorText(error);
}

/**
 * Runs `handle` over `tasks` from index `from`, synchronously while the handler returns plain values: a
 * promise (of the rest of the batch, in order) once it returns one. A small function of its own, so the JIT
 * compiles the hot loop early and cheaply (the whole `serveTasks` is large).
 */
function runBatch<T, R>(
  handle: (task: T, context: TaskContext) => R | Promise<R>, tasks: T[], ids: number[], context: TaskContext,
  run: BatchRun<R>, from: number,
): Promise<void> | undefined {
  const answers = run.answers;
  for (let i = from; i < ids.length; i++) {
    context.id = ids[i]!;
    try {
      const result = handle(tasks[i] as T, context);
      if (result instanceof Promise) return settleThenRun(handle, tasks, ids, context, run, i, result);
      answers[i] = result;
    } catch (error) {
      failed(run, i, error);
    }
  }
  return undefined;
}

async function settleThenRun<T, R>(
  handle: (task: T, context: TaskContext) => R | Promise<R>, tasks: T[], ids: number[], context: TaskContext,
  run: BatchRun<R>, at: number, pending: Promise<R>,
): Promise<void> {
  try {
    run.answers[at] = await pending;
  } catch (error) {
    failed(run, at, error);
  }
  await runBatch(handle, tasks, ids, context, run, at + 1);
}

/**
 * Serves tasks until STOP: for each task, `handle(task)` (sync or async) and its result back (a batch's
 * results in one message); a handler that throws sends an `error` result instead and the loop goes on.
 * Resolves with a summary (the caller then returns or exits; a STOP means the pool expects this process to end).
 *
 * @example
 * ```ts
 * const { handled } = await serveTasks(async (task: { url: string }) => (await fetch(task.url)).status);
 * ```
 */
export async function serveTasks<T = unknown, R = unknown>(
  handle: (task: T, context: TaskContext) => R | Promise<R>,
  options: ServeOptions = {},
): Promise<ServeSummary> {
  const worker = options.worker ?? envInt(POOL_ENV.worker);
  const batches = options.batches ?? true;
  const json = batches && (options.json ?? true);
  const batchType = !batches ? 0 : json ? POOL_JSON_TYPE : POOL_BATCH_TYPE;
  const taskIo = openQueue(options.taskKey ?? envInt(POOL_ENV.taskKey));
  const resultIo = openQueue(options.resultKey ?? envInt(POOL_ENV.resultKey));
  followParent();
  let handled = 0, skipped = 0;
  try {
    if (batches) sendBytes(resultIo, POOL_HELLO_TYPE, helloPayload(worker, json));
    const context: TaskContext = { id: 0, worker };
    for (;;) {
      const n = receiveTask(taskIo, batchType);
      const type = taskIo.buffer.type;
      if (type === POOL_MESSAGE_TYPE && isStop(taskIo, n)) return { handled, skipped, reason: "stop" };
      // JSON without the PHP codec (what decodePoolMessage does for type 4); anything else through it, which
      // gives undefined for a payload that is not the pool's.
      const value = type === POOL_JSON_TYPE
        ? readJson(taskIo.buffer.bytes, 8, 8 + n)
        : (await phpCodec()).decodePoolMessage(Number(type), taskIo.view(n));
      if (type === POOL_BATCH_TYPE || type === POOL_JSON_TYPE) {
        if (!isTaskBatch(value)) {
          warnSkipped(worker, type, n, ++skipped);
          continue;
        }
        const { ids, tasks: list } = value;
        const run: BatchRun<R> = { answers: new Array(ids.length), errors: undefined };
        const started = performance.now();
        const rest = runBatch(handle, list as T[], ids, context, run, 0);
        if (rest !== undefined) await rest;
        const { answers, errors } = run;
        const us = (performance.now() - started) * 1000;
        const reply: ResultBatchMessage<R> = errors === undefined ? { worker, ids, results: answers, us } : { worker, ids, results: answers, errors, us };
        if (!(json && sendJsonResults(resultIo, reply)) && !(await sendResult(resultIo, POOL_BATCH_TYPE, reply, true))) {
          // Too big for one message: one message per result.
          for (let i = 0; i < ids.length; i++) {
            const error = errors?.[i];
            const single: ResultMessage<R> = error === undefined
              ? { id: ids[i]!, worker, result: answers[i] as R }
              : { id: ids[i]!, worker, error };
            await sendResult(resultIo, POOL_MESSAGE_TYPE, single, false);
          }
        }
        handled += ids.length;
        continue;
      }
      if (!isTaskMessage(value)) {
        warnSkipped(worker, type, n, ++skipped);
        continue;
      }
      let reply: ResultMessage<R>;
      const started = performance.now();
      try {
        const result = handle(value.task as T, { id: value.id, worker });
        reply = { id: value.id, worker, result: result instanceof Promise ? await result : result };
      } catch (error) {
        reply = { id: value.id, worker, error: errorText(error) };
      }
      reply.us = (performance.now() - started) * 1000;
      await sendResult(resultIo, POOL_MESSAGE_TYPE, reply, false);
      handled++;
    }
  } catch (error) {
    if (error instanceof RemovedError) return { handled, skipped, reason: "removed" };
    throw error;
  }
}
