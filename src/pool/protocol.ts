/**
 * The worker pool's wire protocol, the same for Bun and PHP workers (both ends use PHP `serialize()`):
 *
 * | queue | type | payload | meaning |
 * |---|---|---|---|
 * | tasks | 1 | `['id' => int, 'task' => mixed]` | one task; `id` is the pool's sequence number |
 * | tasks | 1 | `'STOP'` | the worker that takes it exits (one per worker at shutdown) |
 * | results | 1 | `['id' => int, 'worker' => int, 'result' => mixed]` | the task's result |
 * | results | 1 | `['id' => int, 'worker' => int, 'error' => string]` | the task failed (the worker lives on) |
 *
 * A worker finds its queues and its number in the environment ({@link POOL_ENV}).
 *
 * @example
 * ```php
 * <?php // a PHP worker: the whole protocol
 * $tasks = msg_get_queue((int)getenv('SYSV_POOL_TASK_KEY'));
 * $results = msg_get_queue((int)getenv('SYSV_POOL_RESULT_KEY'));
 * while (msg_receive($tasks, 1, $type, 8192, $message) && $message !== 'STOP') {
 *     msg_send($results, 1, ['id' => $message['id'], 'worker' => (int)getenv('SYSV_POOL_WORKER'),
 *                            'result' => $message['task'] * 2]);
 * }
 * ```
 * @module
 */

/** Message type of tasks (on the task queue) and of results (on the result queue). */
export const POOL_MESSAGE_TYPE = 1;

/** The message that tells the worker taking it to exit. */
export const POOL_STOP = "STOP";

/** Environment variables a pool sets for each worker it starts. */
export const POOL_ENV = {
  /** Key (decimal int) of the task queue. */
  taskKey: "SYSV_POOL_TASK_KEY",
  /** Key (decimal int) of the result queue. */
  resultKey: "SYSV_POOL_RESULT_KEY",
  /** The worker's number in the pool (0, 1, ...). */
  worker: "SYSV_POOL_WORKER",
} as const;

/** A task as it travels on the task queue. */
export interface TaskMessage<T = unknown> {
  id: number;
  task: T;
}

/** A result as it travels on the result queue: `result`, or `error` when the task threw. */
export type ResultMessage<R = unknown> =
  | { id: number; worker: number; result: R; error?: undefined }
  | { id: number; worker: number; error: string; result?: undefined };

/** Whether a received value is a well-formed {@link ResultMessage} (anything else is counted as garbage). */
export function isResultMessage(value: unknown): value is ResultMessage {
  if (value === null || typeof value !== "object") return false;
  const m = value as Record<string, unknown>;
  return Number.isSafeInteger(m.id) && Number.isSafeInteger(m.worker) && ("result" in m || typeof m.error === "string");
}

/** Whether a received task-queue value is a {@link TaskMessage} (else it is STOP or garbage). */
export function isTaskMessage(value: unknown): value is TaskMessage {
  return value !== null && typeof value === "object" && Number.isSafeInteger((value as Record<string, unknown>).id) &&
    "task" in (value as object);
}
