/**
 * Waiting without freezing the event loop: blocking libc calls (`msgrcv`, `msgsnd`, `semop`, `flock`) run
 * off the main thread, within bounds (see docs/limits.md, "Waiter threads"):
 *
 * - **Small native threads**: a waiter thread is a pthread with a 64 KiB stack (`src/ffi/waiter.c`, compiled
 *   by bun:ffi's `cc`), making one blocking call at a time and reporting through a threadsafe JSCallback.
 *   An idle thread is reused for the next call and exits after `idleTimeoutMs` (default 5 s) without one;
 *   idle threads never keep the process alive, a thread in a call does (like a pending socket read).
 * - **A cap** on those threads ({@link setWaiterLimit}; default 256, or `BUN_SYSV_WAITER_THREADS`). A call
 *   beyond the cap is polled from the main thread instead (a non-blocking attempt after 1, 2, 4, 8, then
 *   every 10 ms), and moves onto a thread as soon as one is free.
 * - **Shared receives**: awaitable `msgrcv` calls with the same queue id, type, flags and size share one
 *   blocking call. The message goes to the first JS waiter in line; a waiter that gave up (timeout, abort,
 *   close) while others wait has left the line and never owned it. The last waiter to give up cancels the
 *   call and gets its final answer, as an unshared call does (below).
 *
 * Cancelling (timeout or AbortSignal) never consumes anything: the caller sets the call's cancel word and
 * sends its thread SIGURG with `tgkill` (the process has a no-op JS listener for SIGURG, and waiter.c clears
 * SA_RESTART on it, so the blocked call returns EINTR), re-sending every millisecond until the thread
 * answers, in case the signal landed just before the call. The promise of a call that was cancelled settles
 * only once the call is out of the kernel, with its final answer: if the call completed before the cancel
 * took effect, the outcome is "ok" and `cancelReason` says a cancel had been asked, so the caller can
 * deliver or give back what it got. Nothing is lost, nothing delivered twice.
 *
 * @example
 * ```ts
 * import { MessageQueue } from "../msg/index.ts";
 * import { runBlocking } from "./pool.ts";
 * const queue = MessageQueue.create(0);
 * const r = await runBlocking({ op: "msgrcv", id: queue.id, maxSize: 8192, type: 0, flags: 0 }, { timeoutMs: 50 });
 * if (r.status === "cancelled") console.log("timed out:", r.cancelReason === "timeout");
 * queue.remove();
 * ```
 * @module
 */
import { IPC_NOWAIT, LOCK_NB, SIGNALS } from "../ffi/constants.ts";
import { ERRNO } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { readStruct, SEMBUF, writeField } from "../ffi/structs.ts";
import {
  JOB_CANCEL, JOB_DATA, JOB_ERR, JOB_FLAGS, JOB_ID, JOB_OP, JOB_RESULT, JOB_SIZE, JOB_SLOT, JOB_TID,
  JOB_TIMEOUT_NS, JOB_TYPE, MAILBOX_BYTES, newJob, nativeWaiter, nativeWaiterError, OP, setJobData, type Job,
} from "../ffi/waiter.ts";
import type { BlockingCall, WaitOutcome } from "./protocol.ts";

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

/** What {@link waiterStats} reports. */
export interface WaiterStats {
  /** Waiter threads in a blocking call now (never more than `limit`). */
  threads: number;
  /** Waiter threads idle now, kept warm until `idleTimeoutMs` passes without a call. */
  idle: number;
  /** Calls beyond the cap, polled from the main thread now. */
  polling: number;
  /** Shared receive calls now (each serves one or more JS waiters). */
  sharedCalls: number;
  /** JS waiters in the lines of those shared calls. */
  sharedWaiters: number;
  /** The cap on waiter threads (busy + idle). */
  limit: number;
  /** How long an idle thread waits for a next call before it exits. */
  idleTimeoutMs: number;
  /** False where the native helper could not be compiled: every call is then polled. */
  native: boolean;
  /** Why the native helper is unavailable, if it is. */
  nativeError?: string;
}

const DEFAULT_LIMIT = 256;
const DEFAULT_IDLE_MS = 5000;
const POLL_MAX_MS = 10;

function idleFromEnv(): number {
  const n = Number(process.env.BUN_SYSV_WAITER_IDLE_MS);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_IDLE_MS;
}

function limitFromEnv(): number {
  const n = Number(process.env.BUN_SYSV_WAITER_THREADS);
  return Number.isInteger(n) && n >= 0 ? n : DEFAULT_LIMIT;
}

let limit = limitFromEnv();
let idleMs = idleFromEnv();
let idleSet = false;

/**
 * Sets the cap on waiter threads (0 = poll every wait from the main thread) and, optionally, how long an
 * idle thread waits for a next call before it exits (default 5000 ms, or `BUN_SYSV_WAITER_IDLE_MS`).
 * Calls already on a thread keep it; new ones beyond the cap are polled. Idle threads above a lowered cap
 * are not reused; they retire after the idle timeout.
 *
 * @example
 * ```ts
 * import { setWaiterLimit, waiterStats } from "bun-sysv";
 * setWaiterLimit(32);
 * console.log(waiterStats().limit); // 32
 * setWaiterLimit(256);
 * ```
 */
export function setWaiterLimit(threads: number, idleTimeoutMs?: number): void {
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`waiter thread limit must be an integer >= 0, got ${threads}`);
  if (idleTimeoutMs !== undefined && !(Number.isInteger(idleTimeoutMs) && idleTimeoutMs >= 0 && idleTimeoutMs <= 0x7fffffff)) {
    throw new RangeError(`waiter idle timeout must be an integer number of ms >= 0, got ${idleTimeoutMs}`);
  }
  limit = threads;
  if (idleTimeoutMs !== undefined) {
    idleMs = idleTimeoutMs;
    if (idleSet) native()?.setIdle(idleMs);
  }
}

/**
 * Current use of waiter threads (for diagnostics and tests).
 *
 * @example
 * ```ts
 * import { waiterStats } from "bun-sysv";
 * const { threads, polling, limit } = waiterStats();
 * console.log(`${threads}/${limit} threads, ${polling} polled`);
 * ```
 */
export function waiterStats(): WaiterStats {
  let sharedWaiters = 0;
  for (const group of groups.values()) sharedWaiters += group.line.length;
  return {
    threads: onThreads.size, idle: idleThreads.length, polling: polled.length, sharedCalls: groups.size, sharedWaiters,
    limit, idleTimeoutMs: idleMs, native: !!native(), nativeError: nativeWaiterError,
  };
}

/**
 * Compiles the native waiter helper now instead of at the first wait that needs a thread (a few ms, once
 * per process): for a caller that is about to wait and has time to spare now, like a pool whose workers are
 * still starting. Whether native threads are available.
 *
 * @example
 * ```ts
 * import { prepareWaiters } from "bun-sysv";
 * prepareWaiters(); // then spawn, submit, and wait without the compile in between
 * ```
 */
export function prepareWaiters(): boolean {
  return native() !== null;
}

/** Number of idle waiter threads (for tests and diagnostics). */
export function idleWaiters(): number {
  return idleThreads.length;
}

// --- native threads --------------------------------------------------------------------------------

/** A waiter thread as JS knows it: its mailbox memory (kept until it reports retirement). */
interface WaiterThread {
  readonly id: number;
  readonly mailbox: Uint8Array;
  /** It told us (through a failed post) that it retired; its report is on the way. */
  retired: boolean;
}

/** Calls running on a thread, by job slot. */
const onThreads = new Map<number, Call>();
/** Every live thread (busy or idle), by id. */
const threads = new Map<number, WaiterThread>();
/** Idle threads, most recently used last (reused first: its stack is warm). */
const idleThreads: WaiterThread[] = [];
const polled: Call[] = [];
let nextSlot = 1;
let nextThreadId = 1;
let keepAlive: ReturnType<typeof setInterval> | undefined;

let sigurg = false;
function native() {
  if (!sigurg) {
    sigurg = true;
    // SIGURG is ignored by default; a listener makes a thread-directed SIGURG interrupt a blocking call.
    process.on("SIGURG", () => {});
  }
  const helper = nativeWaiter(onReport);
  if (helper && !idleSet) {
    idleSet = true;
    helper.setIdle(idleMs);
  }
  return helper;
}

function onReport(slot: number): void {
  if (slot > 0) return onThreads.get(slot)?.reported();
  const thread = threads.get(-slot); // a thread retired after idling
  if (!thread) return;
  threads.delete(thread.id);
  const at = idleThreads.indexOf(thread);
  if (at >= 0) idleThreads.splice(at, 1);
}

/** Threads that can take a job now: an idle one, or room under the cap for a new one. */
function threadAvailable(): boolean {
  const live = liveThreads();
  return live < limit || (live === limit && idleThreads.length > 0);
}

function liveThreads(): number {
  let n = 0;
  for (const t of threads.values()) if (!t.retired) n++;
  return n;
}

/** Runs `job` on an idle thread or a new one; false if neither is possible. */
function runOnThread(job: Job, helper: NonNullable<ReturnType<typeof native>>): WaiterThread | null {
  while (idleThreads.length > 0 && liveThreads() <= limit) {
    const thread = idleThreads.pop()!;
    if (helper.post(thread.mailbox, job) === 0) return thread;
    thread.retired = true; // it left just now; its report will remove it
  }
  if (liveThreads() >= limit) return null;
  const thread: WaiterThread = { id: nextThreadId++, mailbox: new Uint8Array(new ArrayBuffer(MAILBOX_BYTES)), retired: false };
  if (nextThreadId > 0x7fffffff) nextThreadId = 1;
  if (helper.spawn(thread.mailbox, thread.id, job) !== 0) return null;
  threads.set(thread.id, thread);
  return thread;
}

function updateKeepAlive(): void {
  if (onThreads.size > 0 && !keepAlive) keepAlive = setInterval(() => {}, 1 << 30);
  else if (onThreads.size === 0 && keepAlive) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/** A thread came free: the oldest polled call moves onto one. */
function promote(): void {
  while (polled.length > 0 && threadAvailable()) {
    const call = polled.shift()!;
    call.stopPolling();
    call.start();
  }
}

/** A message buffer `{ long mtype; char mtext[size] }` of at least `8 + size` bytes. */
function messageBuffer(size: number): ArrayBuffer {
  return new ArrayBuffer(8 + Math.ceil(size / 8) * 8);
}

/** A private copy of `bytes` in its own ArrayBuffer (its address is stable and it is ours to keep alive). */
function ownCopy(bytes: Uint8Array, extra = 0): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength + extra);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/** A copy of packed `struct sembuf`s with IPC_NOWAIT added to every `sem_flg`. */
function noWait(sops: Uint8Array): Uint8Array {
  const copy = new Uint8Array(ownCopy(sops));
  for (let at = 0; at < copy.length; at += SEMBUF.size) {
    writeField(SEMBUF, copy, "sem_flg", readStruct(SEMBUF, copy, at).sem_flg | IPC_NOWAIT, at);
  }
  return copy;
}

/**
 * One blocking call until it ends: on a native thread when one is free, else polled. `done` runs once,
 * with the final outcome.
 */
class Call {
  readonly #call: BlockingCall;
  readonly #done: (outcome: WaitOutcome) => void;
  readonly #deadline: number | undefined;
  #data: ArrayBuffer;
  #job: Job | undefined;
  #slot = 0;
  #thread: WaiterThread | undefined;
  #cancelled = false;
  #finished = false;
  #poke: ReturnType<typeof setInterval> | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #pollDelay = 1;
  #nowaitSops: Uint8Array | undefined;

  constructor(call: BlockingCall, done: (outcome: WaitOutcome) => void) {
    this.#call = call;
    this.#done = done;
    this.#deadline = call.op === "semop" && call.timeoutMs !== undefined ? performance.now() + call.timeoutMs : undefined;
    switch (call.op) {
      case "msgrcv": this.#data = messageBuffer(call.maxSize); break;
      case "msgsnd": this.#data = ownCopy(call.message); break;
      case "semop": this.#data = ownCopy(call.sops); break;
      case "flock": this.#data = new ArrayBuffer(8); break;
    }
  }

  /** Runs the call on a thread if one is free, else polls it. */
  start(): void {
    if (this.#cancelled) return this.#finish({ status: "cancelled" });
    const helper = threadAvailable() ? native() : null;
    if (helper && this.#startThread(helper)) return;
    polled.push(this);
    this.#schedulePoll();
  }

  /** Asks the call to stop; `done` still runs, with "cancelled" or with what the call got first. */
  cancel(): void {
    if (this.#cancelled || this.#finished) return;
    this.#cancelled = true;
    if (this.#job) {
      Atomics.store(this.#job.i32, JOB_CANCEL, 1);
      this.#interrupt();
      this.#poke = setInterval(() => this.#interrupt(), 1);
    } else if (this.#pollTimer !== undefined) {
      this.stopPolling();
      const at = polled.indexOf(this);
      if (at >= 0) polled.splice(at, 1);
      this.#finish({ status: "cancelled" });
    }
  }

  #interrupt(): void {
    const tid = Atomics.load(this.#job!.i32, JOB_TID);
    if (tid !== 0) libc.tgkill(process.pid, tid, SIGNALS.SIGURG);
  }

  #startThread(helper: NonNullable<ReturnType<typeof native>>): boolean {
    const job = newJob();
    const c = this.#call;
    const slot = nextSlot;
    nextSlot = nextSlot >= 0x7fffffff ? 1 : nextSlot + 1;
    job.i32[JOB_SLOT] = slot;
    job.i64[JOB_TIMEOUT_NS] = -1n;
    setJobData(job, this.#data);
    switch (c.op) {
      case "msgrcv":
        job.i32[JOB_OP] = OP.msgrcv; job.i32[JOB_ID] = c.id; job.i32[JOB_FLAGS] = c.flags;
        job.i64[JOB_TYPE] = BigInt(c.type); job.i64[JOB_SIZE] = BigInt(c.maxSize);
        break;
      case "msgsnd":
        job.i32[JOB_OP] = OP.msgsnd; job.i32[JOB_ID] = c.id; job.i32[JOB_FLAGS] = c.flags;
        job.i64[JOB_SIZE] = BigInt(c.message.byteLength - 8);
        break;
      case "semop":
        job.i32[JOB_OP] = OP.semop; job.i32[JOB_ID] = c.id; job.i32[JOB_FLAGS] = c.sops.byteLength / 6;
        if (this.#deadline !== undefined) {
          job.i64[JOB_TIMEOUT_NS] = BigInt(Math.round(Math.max(0, this.#deadline - performance.now()) * 1e6));
        }
        break;
      case "flock":
        job.i32[JOB_OP] = OP.flock; job.i32[JOB_ID] = c.fd; job.i32[JOB_FLAGS] = c.operation;
        break;
    }
    this.#job = job;
    this.#slot = slot;
    onThreads.set(slot, this);
    const thread = runOnThread(job, helper);
    this.#thread = thread ?? undefined;
    if (!thread) {
      onThreads.delete(slot);
      this.#job = undefined;
      return false;
    }
    updateKeepAlive();
    return true;
  }

  /** The thread reported (threadsafe callback, on the JS thread). */
  reported(): void {
    const job = this.#job!;
    onThreads.delete(this.#slot);
    clearInterval(this.#poke);
    if (this.#thread && threads.has(this.#thread.id)) idleThreads.push(this.#thread);
    this.#thread = undefined;
    const err = job.i32[JOB_ERR]!;
    const value = Number(job.i64[JOB_RESULT]);
    let outcome: WaitOutcome;
    if (err === 0) outcome = this.#ok(value);
    else if (err === ERRNO.EINTR) outcome = { status: "cancelled" };
    else outcome = { status: "error", errno: err };
    this.#job = undefined;
    this.#data = new ArrayBuffer(0);
    updateKeepAlive();
    promote();
    this.#finish(outcome);
  }

  #ok(value: number): WaitOutcome {
    if (this.#call.op !== "msgrcv") return { status: "ok", value };
    const type = new DataView(this.#data).getBigInt64(0, true);
    return { status: "ok", value, type, payload: new Uint8Array(this.#data.slice(8, 8 + value)) };
  }

  #finish(outcome: WaitOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#done(outcome);
  }

  // --- polling (beyond the cap) ---

  stopPolling(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #schedulePoll(): void {
    this.#pollTimer = setTimeout(() => this.#pollOnce(), this.#pollDelay);
    this.#pollDelay = Math.min(POLL_MAX_MS, this.#pollDelay * 2);
  }

  #pollOnce(): void {
    this.#pollTimer = undefined;
    const outcome = this.#tryOnce();
    if (outcome === null) return this.#schedulePoll();
    const at = polled.indexOf(this);
    if (at >= 0) polled.splice(at, 1);
    this.#finish(outcome);
  }

  /** One non-blocking attempt on this thread: the outcome, or null to try again later. */
  #tryOnce(): WaitOutcome | null {
    const c = this.#call;
    let ret: number, busy: number;
    switch (c.op) {
      case "msgrcv":
        ret = Number(libc.msgrcv(c.id, new Uint8Array(this.#data), c.maxSize, c.type, c.flags | IPC_NOWAIT));
        busy = ERRNO.ENOMSG;
        break;
      case "msgsnd":
        ret = libc.msgsnd(c.id, new Uint8Array(this.#data), c.message.byteLength - 8, c.flags | IPC_NOWAIT);
        busy = ERRNO.EAGAIN;
        break;
      case "semop": {
        const sops = (this.#nowaitSops ??= noWait(c.sops));
        ret = libc.semop(c.id, sops, sops.length / SEMBUF.size);
        busy = ERRNO.EAGAIN;
        break;
      }
      case "flock":
        ret = libc.flock(c.fd, c.operation | LOCK_NB);
        busy = ERRNO.EAGAIN; // EWOULDBLOCK
        break;
    }
    if (ret >= 0) return this.#ok(ret);
    const errno = lastErrno();
    if (errno !== busy && errno !== ERRNO.EINTR) return { status: "error", errno };
    if (this.#deadline !== undefined && performance.now() >= this.#deadline) return { status: "error", errno: ERRNO.EAGAIN };
    return null;
  }
}

// --- shared receives --------------------------------------------------------------------------------

type MsgrcvCall = Extract<BlockingCall, { op: "msgrcv" }>;

/** One JS waiter of a shared receive. */
interface Entry {
  /** Why it gave up, once it did. */
  why?: "timeout" | "abort";
  settle(result: WaitResult): void;
}

/**
 * Receives with one queue id, type, flags and size: one blocking call serves the JS waiters in line, first
 * come first served. A waiter that gives up while others remain in line leaves at once: it never owned
 * anything. The last one to give up cancels the call and waits for its final answer (like an unshared
 * call): "cancelled", or the message if it crossed the cancel (then with `cancelReason`), unless a new
 * waiter joined the line meanwhile, who then gets it.
 */
class Group {
  readonly line: Entry[] = [];
  /** Waiters that gave up as the last in line, waiting for the cancelled call's answer. */
  readonly #leaving: Entry[] = [];
  #current: Call | undefined;
  readonly #key: string;
  readonly #call: MsgrcvCall;

  constructor(key: string, call: MsgrcvCall) {
    this.#key = key;
    this.#call = call;
  }

  join(entry: Entry): void {
    this.line.push(entry);
    if (!this.#current) this.#startCall();
  }

  leave(entry: Entry, why: "timeout" | "abort"): void {
    entry.why = why;
    const at = this.line.indexOf(entry);
    if (at >= 0) this.line.splice(at, 1);
    if (this.line.length > 0 || !this.#current) return entry.settle({ status: "cancelled", cancelReason: why });
    this.#leaving.push(entry);
    this.#current.cancel(); // may answer at once (a polled call)
  }

  /** Messages already queued go to the next waiters in line at once (no thread round trip per message). */
  #takeWaiting(): void {
    const { id, maxSize, type, flags } = this.#call;
    while (this.line.length > 0) {
      const buffer = new Uint8Array(messageBuffer(maxSize));
      const n = Number(libc.msgrcv(id, buffer, maxSize, type, flags | IPC_NOWAIT));
      if (n < 0) return; // nothing waiting (ENOMSG), or an error the blocking call will report
      const payload = buffer.slice(8, 8 + n);
      this.line.shift()!.settle({ status: "ok", value: n, type: new DataView(buffer.buffer).getBigInt64(0, true), payload });
    }
  }

  #startCall(): void {
    const call = new Call(this.#call, (outcome) => this.#finished(call, outcome));
    this.#current = call;
    call.start();
  }

  #finished(call: Call, outcome: WaitOutcome): void {
    if (this.#current === call) this.#current = undefined;
    const leaving = this.#leaving.splice(0);
    if (outcome.status === "ok" && this.line.length > 0) {
      this.line.shift()!.settle(outcome);
      this.#takeWaiting();
    } else if (outcome.status === "ok" && leaving.length > 0) {
      const first = leaving.shift()!;
      first.settle({ ...outcome, cancelReason: first.why });
    } else if (outcome.status === "error") {
      for (const entry of this.line.splice(0)) entry.settle(outcome);
    }
    for (const entry of leaving) entry.settle({ ...(outcome.status === "error" ? outcome : { status: "cancelled" }), cancelReason: entry.why });
    if (this.line.length > 0) this.#startCall();
    else if (groups.get(this.#key) === this) groups.delete(this.#key);
  }
}

const groups = new Map<string, Group>();

function sharedReceive(call: MsgrcvCall, signal: AbortSignal | undefined, timeoutMs: number | undefined): Promise<WaitResult> {
  const key = `${call.id}:${call.type}:${call.flags}:${call.maxSize}`;
  let group = groups.get(key);
  if (!group) groups.set(key, (group = new Group(key, call)));
  const joined = group;
  return new Promise<WaitResult>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const entry: Entry = {
      settle(result) {
        done();
        resolve(result);
      },
    };
    const giveUp = (why: "timeout" | "abort") => {
      if (entry.why) return;
      done();
      joined.leave(entry, why);
    };
    const onAbort = () => giveUp("abort");
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => giveUp("timeout"), Math.max(0, timeoutMs));
    joined.join(entry);
  });
}

// --- entry point ------------------------------------------------------------------------------------

/**
 * Runs one blocking call off the main thread and resolves with its outcome. Never rejects for an IPC
 * failure (that is `status: "error"` with the errno); cancels (timeout/abort) resolve as described in the
 * module notes. `msgrcv` calls with the same queue, type, flags and size share one blocking call.
 *
 * @example
 * ```ts
 * import { openSync, writeFileSync } from "node:fs";
 * import { LOCK_EX, LOCK_UN, libc } from "../ffi/index.ts";
 * import { runBlocking } from "./pool.ts";
 * writeFileSync("/tmp/example.lock", "");
 * const fd = openSync("/tmp/example.lock", "r");
 * const r = await runBlocking({ op: "flock", fd, operation: LOCK_EX }, { timeoutMs: 1000 });
 * if (r.status === "ok") libc.flock(fd, LOCK_UN);
 * ```
 */
export function runBlocking(call: BlockingCall, options: WaitOptions = {}): Promise<WaitResult> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.resolve({ status: "cancelled", cancelReason: "abort" });
  if (call.op === "msgrcv") return sharedReceive(call, signal, timeoutMs);
  return new Promise<WaitResult>((resolve) => {
    let cancelReason: "timeout" | "abort" | undefined;
    const cancel = (why: "timeout" | "abort") => {
      if (cancelReason) return;
      cancelReason = why;
      running.cancel();
    };
    const onAbort = () => cancel("abort");
    const running = new Call(call, (outcome) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(cancelReason ? { ...outcome, cancelReason } : outcome);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = timeoutMs !== undefined ? setTimeout(() => cancel("timeout"), Math.max(0, timeoutMs)) : undefined;
    running.start();
  });
}
