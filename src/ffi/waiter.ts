/**
 * Native waiter threads: `waiter.c`, compiled at first use by bun:ffi's `cc` (TinyCC, ~25 ms once). A
 * waiter thread is a small pthread (64 KiB stack) that makes one blocking libc call at a time, reports each
 * through one threadsafe `JSCallback` (slot > 0), and exits after idling `idleMs` (reported as -id).
 * Used by `src/wait/pool.ts`; nothing else should need it.
 *
 * A job is 72 bytes of JS memory laid out as `struct job` in waiter.c, a mailbox 128 bytes (`struct
 * worker`); the JS side keeps each (and the data a job points at) alive until the matching report.
 *
 * @example
 * ```ts
 * import { nativeWaiter } from "./waiter.ts";
 * const native = nativeWaiter(); // null where `cc` cannot compile (then the pool polls)
 * ```
 * @module
 */
import { cc, JSCallback, ptr } from "bun:ffi";

/** Int32 indexes into a job. */
export const JOB_OP = 0, JOB_ID = 1, JOB_FLAGS = 2, JOB_CANCEL = 3, JOB_TID = 4, JOB_ERR = 5, JOB_SLOT = 14;
/** BigInt64 indexes into a job. */
export const JOB_RESULT = 3, JOB_TYPE = 4, JOB_SIZE = 5, JOB_TIMEOUT_NS = 6, JOB_DATA = 8;
/** Bytes of a job. */
export const JOB_BYTES = 72;
/** `op` codes of waiter.c. */
export const OP = { msgrcv: 1, msgsnd: 2, semop: 3, flock: 4 } as const;

/** One job's memory, as two views over the same 72 bytes. */
export interface Job {
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
}

/** Bytes of a thread's mailbox. */
export const MAILBOX_BYTES = 128;

/** The compiled helper (reports arrive through the `onReport` given to {@link nativeWaiter}). */
export interface NativeWaiter {
  /** Starts a thread on a fresh mailbox with its first job; 0 or an errno (EAGAIN: no more threads). */
  spawn(mailbox: Uint8Array, id: number, job: Job): number;
  /** Gives an idle thread its next job: 0, or -1 if it retired meanwhile. */
  post(mailbox: Uint8Array, job: Job): number;
  /** How long an idle thread waits for a next job before it exits. */
  setIdle(ms: number): void;
}

/** A fresh zeroed job. */
export function newJob(): Job {
  const buffer = new ArrayBuffer(JOB_BYTES);
  return { i32: new Int32Array(buffer), i64: new BigInt64Array(buffer) };
}

/** Stores the address of `data` in the job (the caller keeps `data` alive until the report). */
export function setJobData(job: Job, data: ArrayBuffer): void {
  job.i64[JOB_DATA] = BigInt(ptr(data));
}

let native: NativeWaiter | null | undefined;
/** Why the helper is unavailable (compile or init failure), if it is. */
export let nativeWaiterError: string | undefined;

/**
 * Compiles waiter.c once and wires its reports to `onReport` (slot > 0: a job ended; -id: a thread retired). Needs a JS listener for SIGURG installed
 * before (it clears SA_RESTART on it). Returns null if compiling or initialising fails.
 */
export function nativeWaiter(onReport: (slot: number) => void): NativeWaiter | null {
  if (native !== undefined) return native;
  try {
    const lib = cc({
      source: new URL("./waiter.c", import.meta.url).pathname,
      symbols: {
        // int sysv_waiter_init(void (*done)(int32_t slot)): 0, or an errno / -1
        sysv_waiter_init: { args: ["ptr"], returns: "i32" },
        // void sysv_waiter_idle(int32_t ms)
        sysv_waiter_idle: { args: ["i32"], returns: "void" },
        // int sysv_waiter_spawn(struct worker *mailbox, int32_t id, struct job *first): 0 or an errno
        sysv_waiter_spawn: { args: ["ptr", "i32", "ptr"], returns: "i32" },
        // int sysv_waiter_post(struct worker *mailbox, struct job *job): 0, or -1 if the thread retired
        sysv_waiter_post: { args: ["ptr", "ptr"], returns: "i32" },
      },
    });
    // Never closed: a thread may report at any time until the process exits.
    const report = new JSCallback((slot: number) => onReport(slot), { args: ["i32"], returns: "void", threadsafe: true });
    if (lib.symbols.sysv_waiter_init(report.ptr) !== 0) throw new Error("sysv_waiter_init failed");
    const { sysv_waiter_idle, sysv_waiter_spawn, sysv_waiter_post } = lib.symbols;
    native = {
      spawn: (mailbox, id, job) => sysv_waiter_spawn(mailbox, id, job.i32),
      post: (mailbox, job) => sysv_waiter_post(mailbox, job.i32),
      setIdle: (ms) => sysv_waiter_idle(ms),
    };
  } catch (error) {
    native = null;
    nativeWaiterError = error instanceof Error ? error.message : String(error);
    process.emitWarning(`bun-sysv: native waiter threads unavailable, polling instead (${nativeWaiterError})`);
  }
  return native;
}
