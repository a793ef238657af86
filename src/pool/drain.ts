/**
 * Emptying the pool's queues without waiting: late results, and the tasks nobody will take out of the
 * task queue (they become `unstarted`, or go back to be sent again as single tasks).
 *
 * @example
 * ```ts
 * drainResults(queues.results, (type, bytes) => take(type, bytes));
 * drainTasks(queues.tasks, ledger);
 * ```
 * @module
 */
import { BusyError, RemovedError, UnserializeError } from "../errors.ts";
import type { MessageQueue } from "../msg/queue.ts";
import { unserialize } from "../serialize/decode.ts";
import { readJson } from "./json.ts";
import type { TaskLedger } from "./ledger.ts";
import { isTaskBatch, isTaskMessage, POOL_BATCH_TYPE, POOL_JSON_TYPE } from "./protocol.ts";

/** Hands every message already on the result queue (types 1-4) to `take`, raw. */
export function drainResults(results: MessageQueue, take: (type: number, bytes: Uint8Array) => void): void {
  for (;;) {
    let message;
    try {
      message = results.receiveBytesSync({ type: -POOL_JSON_TYPE, timeout: 0 });
    } catch (error) {
      if (error instanceof RemovedError || error instanceof BusyError) return;
      throw error;
    }
    take(Number(message.type), message.bytes);
  }
}

/** The value of a pool message of `type` (JSON for type 4, else PHP serialize); `undefined` when it is not ours. */
export function decodePoolMessage(type: number, bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  if (type === POOL_JSON_TYPE) return readJson(bytes, start, end);
  try {
    return unserialize(bytes.subarray(start, end));
  } catch (error) {
    if (error instanceof UnserializeError) return undefined;
    throw error;
  }
}

/**
 * The values of the task-queue messages that `type` selects, taken without waiting until none is left or
 * the queue is gone. A payload that does not decode is not ours: skipped.
 */
function* takeAll(tasks: MessageQueue, type: number): Generator<unknown> {
  for (;;) {
    let message;
    try {
      message = tasks.receiveBytesSync({ type, timeout: 0 });
    } catch (error) {
      if (error instanceof RemovedError || error instanceof BusyError) return;
      throw error;
    }
    const value = decodePoolMessage(Number(message.type), message.bytes);
    if (value !== undefined) yield value;
  }
}

/** Takes every task still on the task queue (single or batched): no worker is left to run them. */
export function drainTasks<T, R>(tasks: MessageQueue, ledger: TaskLedger<T, R>): void {
  for (const value of takeAll(tasks, -POOL_JSON_TYPE)) {
    if (isTaskMessage(value)) ledger.notTaken(value.id);
    else if (isTaskBatch(value)) for (const id of value.ids) ledger.notTaken(id);
  }
}

/** Takes every batch of `type` (2, or 4 for JSON) off the task queue and hands back each of its tasks. */
export function takeBatches(tasks: MessageQueue, type: number, back: (id: number, task: unknown) => void): void {
  for (const value of takeAll(tasks, type)) {
    if (isTaskBatch(value)) value.ids.forEach((id, i) => back(id, value.tasks[i]));
  }
}
