/**
 * The pool's worker processes: started with `Bun.spawn` (Bun cannot fork, see docs/examples.md), each
 * told its queues and number through the environment, each watched until it exits.
 *
 * @example
 * ```ts
 * const child = spawnWorker(0, { command: ["php", "worker.php"] }, env, "inherit");
 * await child.exited; // child.exit: { code: 0, signal: null }
 * ```
 * @module
 */
import type { Subprocess } from "bun";
import { POOL_ENV } from "./protocol.ts";

/**
 * Environment every worker gets unless the pool's own environment or the spec sets it: JavaScriptCore's
 * top JIT tier (FTL) off. A pool worker spends its life in the same short serialize/handle/send loop, where
 * FTL's compile time cost more CPU than it saved: measured (docs/pool.md) 1.1M -> 1.8M tasks/s with one worker
 * over 1,000,000 tasks, and about 2x at 100,000 tasks with 4 workers. A worker whose handler is heavy numeric
 * code can turn it back on: `env: { BUN_JSC_useFTLJIT: "1" }`. Other runtimes ignore it.
 *
 * @example
 * ```ts
 * WorkerPool.start({ workers: [{ command: ["bun", "math-worker.ts"], env: { BUN_JSC_useFTLJIT: "1" } }] });
 * ```
 */
export const WORKER_ENV_DEFAULTS: Readonly<Record<string, string>> = { BUN_JSC_useFTLJIT: "0" };

/** One kind of worker: the command that starts it and how many to start. */
export interface WorkerSpec {
  /** Command line, e.g. `[process.execPath, "worker.ts"]` or `["php", "worker.php"]`. */
  command: string[];
  /** How many workers of this kind (default 1). */
  count?: number;
  /** Extra environment variables (on top of the pool's environment and {@link WORKER_ENV_DEFAULTS}). */
  env?: Record<string, string>;
}

/** How a worker process ended. */
export interface WorkerExit {
  /** Exit code, or `null` when a signal ended it. */
  code: number | null;
  /** The signal that ended it (e.g. `"SIGKILL"`), or `null`. */
  signal: string | null;
}

/** A started worker process. */
export interface WorkerProcess {
  /** Its number in the pool (`SYSV_POOL_WORKER`). */
  readonly index: number;
  readonly pid: number;
  readonly command: readonly string[];
  /** Set once it has exited. */
  exit: WorkerExit | undefined;
  /** Resolves when it has exited. */
  readonly exited: Promise<WorkerExit>;
  /** Sends it a signal (ignored once it has exited). */
  kill(signal?: NodeJS.Signals): void;
}

/** Where workers' stdout goes. */
export type WorkerOutput = "inherit" | "ignore";

/** Starts worker `index` of `spec` with the pool's queue keys in its environment. */
export function spawnWorker(
  index: number,
  spec: WorkerSpec,
  keys: { taskKey: number; resultKey: number },
  stdout: WorkerOutput,
): WorkerProcess {
  const proc: Subprocess = Bun.spawn(spec.command, {
    env: {
      ...WORKER_ENV_DEFAULTS,
      ...process.env,
      ...spec.env,
      [POOL_ENV.taskKey]: String(keys.taskKey),
      [POOL_ENV.resultKey]: String(keys.resultKey),
      [POOL_ENV.worker]: String(index),
      [POOL_ENV.parent]: String(process.pid),
    },
    stdin: "ignore",
    stdout,
    stderr: "inherit",
  });
  const child: WorkerProcess = {
    index,
    pid: proc.pid,
    command: spec.command,
    exit: undefined,
    exited: proc.exited.then(() => {
      const signal = proc.signalCode === null ? null : String(proc.signalCode);
      const exit: WorkerExit = { code: signal ? null : proc.exitCode, signal };
      child.exit = exit;
      return exit;
    }),
    kill(signal = "SIGTERM") {
      if (!child.exit) proc.kill(signal);
    },
  };
  return child;
}
