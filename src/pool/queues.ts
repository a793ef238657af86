/**
 * The pool's two queues, named by `ftok(keyFile, "t")` and `ftok(keyFile, "r")` so that workers of any
 * language can open them. Without a key file the pool makes a temp file of its own (removed at close).
 *
 * @example
 * ```ts
 * const queues = createPoolQueues();          // or createPoolQueues("/srv/app/pool.key")
 * queues.tasks.key; queues.results.key;
 * removePoolQueues(queues);
 * ```
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExistsError, NotFoundError, RemovedError } from "../errors.ts";
import { ftok } from "../keys/ftok.ts";
import { MessageQueue } from "../msg/queue.ts";

/** The ftok project ids of a pool's task and result queues (the CLI recognises a pool by this pair). */
export const TASKS_PROJ = "t";
export const RESULTS_PROJ = "r";

/** The task and result queues of one pool, and the file their keys come from. */
export interface PoolQueues {
  tasks: MessageQueue;
  results: MessageQueue;
  keyFile: string;
  /** The pool made `keyFile` (a temp file) and removes it with the queues. */
  ownsKeyFile: boolean;
}

function tempKeyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), "bun-sysv-pool-")), "key");
  writeFileSync(path, "");
  return path;
}

function removeTempKeyFile(path: string): void {
  rmSync(join(path, ".."), { recursive: true, force: true });
}

function createPair(keyFile: string): PoolQueues | undefined {
  let tasks: MessageQueue | undefined;
  try {
    tasks = MessageQueue.createNew(ftok(keyFile, TASKS_PROJ));
    const results = MessageQueue.createNew(ftok(keyFile, RESULTS_PROJ));
    return { tasks, results, keyFile, ownsKeyFile: false };
  } catch (error) {
    tasks?.remove();
    if (error instanceof ExistsError) return undefined;
    throw error;
  }
}

/**
 * Creates both queues new (mode 0600). With the pool's own temp file, a key already taken (ftok keys
 * can collide) just means another temp file; with a caller's `keyFile` it is an error that says so.
 */
export function createPoolQueues(keyFile?: string): PoolQueues {
  if (keyFile !== undefined) {
    const queues = createPair(keyFile);
    if (queues) return queues;
    throw new Error(
      `the queues of key file ${keyFile} (ftok "t"/"r") already exist: another pool is using it, or a crashed one left ` +
        `them (ipcs -q; ipcrm -q <id>)`,
    );
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const file = tempKeyFile();
    const queues = createPair(file);
    if (queues) return { ...queues, ownsKeyFile: true };
    removeTempKeyFile(file);
  }
  throw new Error("could not find free keys for the pool's queues after 8 temp files");
}

/** Removes both queues (waking every waiter with EIDRM) and the pool's own key file. Idempotent. */
export function removePoolQueues(queues: PoolQueues): void {
  for (const queue of [queues.tasks, queues.results]) {
    try {
      queue.remove();
    } catch (error) {
      if (!(error instanceof RemovedError || error instanceof NotFoundError)) throw error;
    }
  }
  if (queues.ownsKeyFile) removeTempKeyFile(queues.keyFile);
}
