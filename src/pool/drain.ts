/**
 * Emptying the pool's queues without waiting: late results into the ledger, and the tasks nobody will
 * take out of the task queue (they become `unstarted`).
 *
 * @example
 * ```ts
 * drainResults(queues.results, ledger);
 * drainTasks(queues.tasks, ledger);
 * ```
 * @module
 */
import { RemovedError, UnserializeError } from "../errors.ts";
import type { MessageQueue } from "../msg/queue.ts";
import type { TaskLedger } from "./ledger.ts";
import { isTaskMessage, POOL_MESSAGE_TYPE } from "./protocol.ts";

/** Takes every result already on the result queue (a payload that does not unserialize counts as garbage). */
export function drainResults<T, R>(results: MessageQueue, ledger: TaskLedger<T, R>): void {
  for (;;) {
    try {
      const message = results.tryReceiveSync({ type: POOL_MESSAGE_TYPE });
      if (message === null) return;
      ledger.accept(message.value);
    } catch (error) {
      if (error instanceof RemovedError) return;
      if (!(error instanceof UnserializeError)) throw error;
      ledger.accept(undefined);
    }
  }
}

/** Takes every task still on the task queue: no worker is left to run them. */
export function drainTasks<T, R>(tasks: MessageQueue, ledger: TaskLedger<T, R>): void {
  for (;;) {
    let value: unknown;
    try {
      const message = tasks.tryReceiveSync({ type: POOL_MESSAGE_TYPE });
      if (message === null) return;
      value = message.value;
    } catch (error) {
      if (error instanceof RemovedError) return;
      if (error instanceof UnserializeError) continue; // not ours
      throw error;
    }
    if (isTaskMessage(value)) ledger.notTaken(value.id);
  }
}
