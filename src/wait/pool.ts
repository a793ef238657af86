/**
 * Waiting without freezing the event loop: blocking libc calls (`msgrcv`, `msgsnd`, `semop`) run on a
 * small pool of waiter threads (`Worker`s, grown on demand and reused, unref'd while idle so they never
 * keep the process alive).
 *
 * Cancelling (timeout or AbortSignal) never consumes anything: the caller sets the request's cancel word
 * and sends the waiter thread SIGURG with `tgkill` (the process has a no-op JS listener for SIGURG, so the
 * blocked call returns EINTR instead of being restarted), re-sending every millisecond until the thread
 * answers, in case the signal landed just before it entered the call. The promise always settles with the
 * thread's final answer: if the call completed before the cancel took effect, the outcome is "ok" (with the
 * message or the acquired permit) and `cancelReason` says a cancel had been asked, so the caller can deliver
 * or give back what it got: nothing is lost.
 *
 * @example
 * ```ts
 * const r = await runBlocking({ op: "msgrcv", id, maxSize: 8192, type: 0, flags: 0 }, { timeoutMs: 500 });
 * if (r.status === "ok") console.log(r.type, r.payload);
 * else if (r.status === "cancelled") console.log("timed out:", r.cancelReason === "timeout");
 * ```
 * @module
 */
import { SIGNALS } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";
import { CTL_CANCEL, CTL_SIZE, type BlockingCall, type WaitOutcome } from "./protocol.ts";

export type { BlockingCall, WaitOutcome } from "./protocol.ts";

/** How a wait may end early. */
export interface WaitOptions {
  /** Cancel when this signal aborts. */
  signal?: AbortSignal;
  /** Cancel after this many milliseconds (measured on the main thread). */
  timeoutMs?: number;
}

/** The thread's answer, plus why a cancel was asked (if one was). */
export type WaitResult = WaitOutcome & { cancelReason?: "timeout" | "abort" };

interface Waiter {
  worker: Worker;
  tid: number;
  ctl: Int32Array;
  done?: (outcome: WaitOutcome) => void;
}

const idle: Waiter[] = [];
let seqCounter = 0;
let listening = false;

function listenForSigurg(): void {
  if (listening) return;
  listening = true;
  // SIGURG is ignored by default; a listener makes a thread-directed SIGURG interrupt a blocking call with EINTR.
  process.on("SIGURG", () => {});
}

function startWaiter(): Promise<Waiter> {
  const worker = new Worker(new URL("./worker.ts", import.meta.url));
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_SIZE * 4));
  return new Promise((resolve, reject) => {
    const waiter: Waiter = { worker, tid: 0, ctl };
    worker.onmessage = (event: MessageEvent) => {
      const data = event.data as { tid: number } | { seq: number; outcome: WaitOutcome };
      if ("tid" in data) { waiter.tid = data.tid; worker.unref(); resolve(waiter); return; }
      const done = waiter.done;
      waiter.done = undefined;
      done?.(data.outcome);
    };
    worker.onerror = (event) => {
      const error = new Error(`bun-sysv waiter thread failed: ${event.message}`);
      if (waiter.tid === 0) reject(error);
      // A thread that failed is not reused; its caller sees the failure as EIO.
      waiter.done?.({ status: "error", errno: 5 });
      waiter.done = undefined;
    };
    worker.postMessage({ init: ctl });
  });
}

/**
 * Runs one blocking call on a waiter thread and resolves with its outcome. Never rejects for an IPC
 * failure (that is `status: "error"` with the errno); cancels (timeout/abort) resolve as described above.
 */
export async function runBlocking(call: BlockingCall, options: WaitOptions = {}): Promise<WaitResult> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return { status: "cancelled", cancelReason: "abort" };
  listenForSigurg();
  const waiter = idle.pop() ?? (await startWaiter());
  // Starting a thread awaits: an abort may have landed meanwhile, before any listener was added.
  if (signal?.aborted) {
    idle.push(waiter);
    return { status: "cancelled", cancelReason: "abort" };
  }
  const seq = ++seqCounter;
  return new Promise<WaitResult>((resolve) => {
    let cancelReason: "timeout" | "abort" | undefined;
    let poke: ReturnType<typeof setInterval> | undefined;
    const interrupt = () => libc.tgkill(process.pid, waiter.tid, SIGNALS.SIGURG);
    const cancel = (why: "timeout" | "abort") => {
      if (cancelReason) return;
      cancelReason = why;
      Atomics.store(waiter.ctl, CTL_CANCEL, seq);
      interrupt();
      poke = setInterval(interrupt, 1);
    };
    const onAbort = () => cancel("abort");
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = timeoutMs !== undefined ? setTimeout(() => cancel("timeout"), Math.max(0, timeoutMs)) : undefined;
    waiter.done = (outcome) => {
      clearTimeout(timer);
      clearInterval(poke);
      signal?.removeEventListener("abort", onAbort);
      waiter.worker.unref();
      idle.push(waiter);
      resolve(cancelReason ? { ...outcome, cancelReason } : outcome);
    };
    // A thread in a call keeps the process alive, like a pending socket read.
    waiter.worker.ref();
    waiter.worker.postMessage({ ...call, seq });
  });
}

/** Number of waiter threads started so far that are idle (for tests and diagnostics). */
export function idleWaiters(): number {
  return idle.length;
}
