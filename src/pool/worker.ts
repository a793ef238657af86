/**
 * The worker side of {@link WorkerPool}: {@link serveTasks} takes tasks from the pool's task queue one
 * at a time, runs a handler and sends each result back, until a STOP message or the queue's removal.
 *
 * A worker is a process of its own with nothing else to do, so it waits for tasks with the blocking
 * receive on its main thread, as a PHP worker does (no waiter thread, no event-loop hop per task).
 *
 * @example
 * ```ts
 * // worker.ts, started by WorkerPool.start({ workers: [{ command: ["bun", "worker.ts"], count: 4 }] })
 * import { serveTasks } from "bun-sysv";
 * await serveTasks<{ value: number }, number>((task) => task.value * 2);
 * ```
 * @module
 */
import { IpcError, RemovedError } from "../errors.ts";
import { MessageQueue } from "../msg/queue.ts";
import { isTaskMessage, POOL_ENV, POOL_MESSAGE_TYPE, POOL_STOP, type ResultMessage } from "./protocol.ts";

/** What a handler learns besides its task. */
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
}

/** How a worker's loop ended. */
export interface ServeSummary {
  /** Tasks handled (results and errors sent). */
  handled: number;
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

/** The next task-queue message; a signal that interrupts the wait (EINTR) just means waiting again. */
function receiveTask(tasks: MessageQueue): unknown {
  for (;;) {
    try {
      return tasks.receiveSync({ type: POOL_MESSAGE_TYPE }).value;
    } catch (error) {
      if (!(error instanceof IpcError && error.code === "EINTR")) throw error;
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Serves tasks until STOP: for each task, `handle(task)` (sync or async) and one result message back;
 * a handler that throws sends an `error` result instead and the loop goes on. Resolves with a summary
 * (the caller then returns or exits; a STOP means the pool expects this process to end).
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
  const tasks = MessageQueue.open(options.taskKey ?? envInt(POOL_ENV.taskKey));
  const results = MessageQueue.open(options.resultKey ?? envInt(POOL_ENV.resultKey));
  let handled = 0;
  try {
    for (;;) {
      const value = receiveTask(tasks);
      if (value === POOL_STOP) return { handled, reason: "stop" };
      if (!isTaskMessage(value)) throw new TypeError(`not a pool task: ${JSON.stringify(value)}`);
      let reply: ResultMessage<R>;
      try {
        const result = handle(value.task as T, { id: value.id, worker });
        reply = { id: value.id, worker, result: result instanceof Promise ? await result : result };
      } catch (error) {
        reply = { id: value.id, worker, error: errorText(error) };
      }
      results.sendSync(POOL_MESSAGE_TYPE, reply);
      handled++;
    }
  } catch (error) {
    if (error instanceof RemovedError) return { handled, reason: "removed" };
    throw error;
  } finally {
    tasks.close();
    results.close();
  }
}
