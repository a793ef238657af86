/**
 * The worker pool's wire protocol, the same for Bun and PHP workers (both ends use PHP `serialize()`).
 * Every message is one PHP value; the message type says which kind:
 *
 * | queue | type | payload | meaning |
 * |---|---|---|---|
 * | tasks | 1 | `['id' => int, 'task' => mixed]` | one task; `id` is the pool's sequence number |
 * | tasks | 1 | `'STOP'` | the worker that takes it exits (one per worker, sent once no task is left queued) |
 * | tasks | 2 | `['ids' => [int, ...], 'tasks' => [mixed, ...]]` | a batch: `tasks[i]` has id `ids[i]`; only for workers that said hello |
 * | results | 1 | `['id' => int, 'worker' => int, 'result' => mixed]` | the task's result |
 * | results | 1 | `['id' => int, 'worker' => int, 'error' => string]` | the task failed (the worker lives on) |
 * | results | 2 | `['worker' => int, 'ids' => [int, ...], 'results' => [mixed, ...]]` (+ `'errors' => [i => string]`) | the results of one batch, in its order; a failed task has `errors[i]` (and `results[i]` null) |
 * | results | 3 | `['worker' => int, 'batches' => true]` (+ `'json' => true`) | hello: this worker takes batches (type 2) too, and JSON batches (type 4) if `json` |
 * | tasks | 4 | UTF-8 JSON `{"ids":[int,...],"tasks":[...]}`, or `{"first":int,"tasks":[...]}` when the ids are a run | a batch in JSON: only while every live worker that said hello said `json` |
 * | results | 4 | UTF-8 JSON `{"worker":int,"ids":[...],"results":[...]}` or with `"first":int` (+ `"errors"`, `"us"`) | the results of a batch, in JSON (any batch, when every result is `jsonExact` in `json.ts`) |
 *
 * A result message of type 1 or 2 may also carry `'us' => float`: the microseconds its handler(s) took.
 * The pool sizes batches from it (a few milliseconds of work each, so slow tasks travel alone); a worker
 * that leaves it out gets batches of at most 16 tasks.
 *
 * A worker that never says hello (the 5-line loop below) receives type 1 only and gets single tasks:
 * batches go only to the task queue's type 2, which it never asks for. A worker that said hello asks
 * for type 2 first without waiting, then waits for types 1-2 (`msgtyp` -2), and answers a batch with one
 * type-2 message. The pool sends batches only while such a worker is alive and sends a single task as
 * a type-1 message, so one task to an idle pool costs one message each way, whoever takes it.
 * JSON batches (type 4) are for Bun workers: both ends use the engine's native JSON, which needs no JIT
 * warm-up (the codec in JS does), and a batch goes as JSON only when each of its values comes out of JSON
 * exactly as out of PHP serialize (`jsonExact` in `json.ts`): a handler cannot tell the two apart. Such a worker
 * asks for type 4 first without waiting, then waits for types 1-4. A batch with any other value, and every
 * batch while a worker that said hello without `json` lives (the PHP worker script), goes as type 2.
 * A worker finds its queues, its number and its parent's pid in the environment ({@link POOL_ENV}).
 *
 * @example
 * ```php
 * <?php // a PHP worker: the whole protocol (single tasks only)
 * $tasks = msg_get_queue((int)getenv('SYSV_POOL_TASK_KEY'));
 * $results = msg_get_queue((int)getenv('SYSV_POOL_RESULT_KEY'));
 * while (msg_receive($tasks, 1, $type, 8192, $message) && $message !== 'STOP') {
 *     msg_send($results, 1, ['id' => $message['id'], 'worker' => (int)getenv('SYSV_POOL_WORKER'),
 *                            'result' => $message['task'] * 2]);
 * }
 * ```
 * @module
 */

/** Message type of single tasks (on the task queue) and of single results (on the result queue). */
export const POOL_MESSAGE_TYPE = 1;

/** Message type of a batch of tasks (task queue) and of a batch of results (result queue). */
export const POOL_BATCH_TYPE = 2;

/** Message type of a worker's hello on the result queue: it takes batches. */
export const POOL_HELLO_TYPE = 3;

/** Message type of a batch in JSON (task queue) and of a batch's results in JSON (result queue), see `json.ts`. */
export const POOL_JSON_TYPE = 4;

/** The message that tells the worker taking it to exit. */
export const POOL_STOP = "STOP";

const ascii = (text: string) => new TextEncoder().encode(text);

/** `serialize(POOL_STOP)`, written out: a Bun worker recognises it without loading the PHP codec. */
export const POOL_STOP_PAYLOAD = ascii(`s:${POOL_STOP.length}:"${POOL_STOP}";`);

/** The fixed parts of `serialize(['id' => n, 'task' => t])` around `n` and before `t` (the pool splices them). */
export const SINGLE_HEAD = ascii('a:2:{s:2:"id";i:');
export const SINGLE_MID = ascii(';s:4:"task";');
/** The fixed parts of `serialize(['ids' => [...], 'tasks' => [...]])` before each list's count. */
export const BATCH_HEAD = ascii('a:2:{s:3:"ids";a:');
export const BATCH_MID = ascii('}s:5:"tasks";a:');

/** `serialize(['worker' => n, 'batches' => true] + ['json' => true])`, the hello, written without the codec. */
export function helloPayload(worker: number, json: boolean): Uint8Array {
  return ascii(`a:${json ? 3 : 2}:{s:6:"worker";i:${worker};s:7:"batches";b:1;${json ? 's:4:"json";b:1;' : ""}}`);
}

/** Environment variables a pool sets for each worker it starts. */
export const POOL_ENV = {
  /** Key (decimal int) of the task queue. */
  taskKey: "SYSV_POOL_TASK_KEY",
  /** Key (decimal int) of the result queue. */
  resultKey: "SYSV_POOL_RESULT_KEY",
  /** The worker's number in the pool (0, 1, ...). */
  worker: "SYSV_POOL_WORKER",
  /** Pid of the pool's process: a worker whose parent is no longer this pid is an orphan and exits. */
  parent: "SYSV_POOL_PARENT",
} as const;

/** A task as it travels on the task queue. */
export interface TaskMessage<T = unknown> {
  id: number;
  task: T;
}

/** A batch of tasks as it travels on the task queue (type {@link POOL_BATCH_TYPE}). */
export interface TaskBatchMessage<T = unknown> {
  ids: number[];
  tasks: T[];
}

/** A result as it travels on the result queue: `result`, or `error` when the task threw. */
export type ResultMessage<R = unknown> =
  | { id: number; worker: number; result: R; error?: undefined; us?: number }
  | { id: number; worker: number; error: string; result?: undefined; us?: number };

/** The results of one batch (type {@link POOL_BATCH_TYPE} on the result queue). */
export interface ResultBatchMessage<R = unknown> {
  worker: number;
  ids: number[];
  results: (R | null)[];
  /** Index in the batch => error text, for the tasks that failed. */
  errors?: Record<number, string>;
  /** Microseconds the handlers took, for the whole batch (optional). */
  us?: number;
}

/** Whether a received value is a well-formed {@link ResultMessage} (anything else is counted as garbage). */
export function isResultMessage(value: unknown): value is ResultMessage {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return Number.isSafeInteger(m.id) && Number.isSafeInteger(m.worker) && ("result" in m || typeof m.error === "string");
}

/** A {@link ResultBatchMessage} whose ids are the run `first, first + 1, ...` (how JSON batches travel, type 4). */
export type RunResultBatchMessage<R = unknown> = Omit<ResultBatchMessage<R>, "ids"> & { first: number };

/** The fields every result batch carries, ids aside: a worker number, the results, and the errors if any. */
function carriesResults(m: Record<string, unknown>): boolean {
  return Number.isSafeInteger(m.worker) && Array.isArray(m.results) &&
    (m.errors === undefined || (m.errors !== null && typeof m.errors === "object"));
}

/** Whether a received value is a well-formed {@link ResultBatchMessage}. */
export function isResultBatch(value: unknown): value is ResultBatchMessage {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return carriesResults(m) && Array.isArray(m.ids) && m.ids.length === (m.results as unknown[]).length;
}

/** The first id of a batch that travels as a run (`"first": n` instead of `"ids"`), or -1. */
export function runStart(value: unknown): number {
  if (value === null || typeof value !== "object" || "ids" in value) return -1;
  const first = (value as { first?: unknown }).first;
  return typeof first === "number" && Number.isSafeInteger(first) && first >= 0 ? first : -1;
}

/** Whether a received value is a well-formed {@link RunResultBatchMessage}. */
export function isRunResultBatch(value: unknown): value is RunResultBatchMessage {
  return runStart(value) >= 0 && carriesResults(value as Record<string, unknown>);
}

/** Whether a received task-queue value is a {@link TaskMessage} (else it is STOP or garbage). */
export function isTaskMessage(value: unknown): value is TaskMessage {
  return value !== null && typeof value === "object" && Number.isSafeInteger((value as Record<string, unknown>).id) &&
    "task" in (value as object);
}

/** Whether a received task-queue value is a {@link TaskBatchMessage}. */
export function isTaskBatch(value: unknown): value is TaskBatchMessage {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return Array.isArray(m.ids) && Array.isArray(m.tasks) && m.ids.length === m.tasks.length;
}
