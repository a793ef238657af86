/**
 * Bun worker of the soak (`bench/soak.ts` starts it): `bun bench/soak/worker.ts '<WorkerConfig JSON>'`.
 * Roles: work producer/consumer, lane producer/consumer, SharedVariables incrementer, semaphore user.
 * Every receive, send and acquire goes through the library's awaitable forms with random timeouts and
 * AbortSignal aborts; handles are closed and reopened at random, sometimes with waits still pending.
 *
 * @example
 * ```sh
 * bun bench/soak/worker.ts '{"role":"consumer","name":"b3",...}'
 * ```
 * @module
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { BusyError, ClosedError, MessageQueue, RemovedError, Semaphore, SharedVariables, type Message } from "../../src/index.ts";
import { laneType, random, STOP_TYPE, WORK_TYPE, type WorkerConfig } from "./config.ts";

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
const rnd = random(cfg.seed);
const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const fd = openSync(cfg.log, "a");
const log = (line: string) => writeSync(fd, `${line}\n`);
const pid = process.pid;
const counts = { timeouts: 0, aborts: 0, closed: 0, reopens: 0, busy: 0 };

/** A signal that aborts after 0-`ms` ms with probability `p` (else undefined). */
function maybeAbort(p: number, ms: number, also?: AbortSignal): AbortSignal | undefined {
  if (rnd() >= p) return also;
  const ac = new AbortController();
  setTimeout(() => ac.abort(), between(0, ms));
  return also ? AbortSignal.any([also, ac.signal]) : ac.signal;
}

/** Classifies a failed wait: counted and swallowed when expected, rethrown otherwise. */
function expected(error: unknown): "removed" | void {
  if (error instanceof RemovedError) return "removed";
  if (error instanceof ClosedError) { counts.closed++; return; }
  if (error instanceof BusyError) { counts.timeouts++; return; }
  if ((error as Error)?.name === "AbortError") { counts.aborts++; return; }
  throw error;
}

const pace = (perSecond: number) => Bun.sleep(Math.max(1, 1000 / Math.max(1, perSecond)));

async function producer(): Promise<void> {
  const queue = MessageQueue.open(cfg.workKey);
  let seq = 0;
  while (Date.now() < cfg.deadline) {
    const id = `${cfg.name}:${seq}`;
    const value = { id, pad: "x".repeat(between(0, 300)) };
    try {
      if (rnd() < 0.3) queue.sendSync(WORK_TYPE, value, { timeout: between(0, 50) });
      else await queue.send(WORK_TYPE, value, { timeout: rnd() < 0.5 ? between(0, 100) : undefined, signal: maybeAbort(0.05, 20) });
      log(`s ${id}`);
      seq++;
    } catch (error) {
      if (expected(error) === "removed") return;
      continue; // not sent: same id again
    }
    if (seq % 10 === 0) await pace(cfg.rate / 10);
  }
}

async function consumer(): Promise<void> {
  let queue = MessageQueue.open(cfg.workKey);
  const stop = new AbortController();
  const record = (m: Message) => {
    if (m.type === STOP_TYPE) { log("stop"); stop.abort(); return; }
    if (cfg.dropLog > 0 && rnd() < cfg.dropLog) return; // a planted loss (--drop-log): the run must fail
    log(`g ${(m.value as { id: string }).id}`);
  };
  const once = async (handle: MessageQueue) => {
    const r = rnd();
    try {
      record(await handle.receive({
        type: -STOP_TYPE,
        timeout: r < 0.4 ? between(0, 60) : undefined,
        signal: maybeAbort(r < 0.4 ? 0.2 : 1, 40, stop.signal),
      }));
    } catch (error) {
      if (expected(error) === "removed") stop.abort();
    }
  };
  while (!stop.signal.aborted) {
    const mode = rnd();
    if (mode < 0.5) {
      await once(queue);
    } else if (mode < 0.75) {
      const k = between(2, cfg.burst);
      const pending = Promise.all(Array.from({ length: k }, () => once(queue)));
      if (rnd() < 0.3) { // close with waits in flight, go on with a new handle
        await Bun.sleep(between(0, 5));
        queue.close();
        queue = MessageQueue.open(cfg.workKey);
        counts.reopens++;
      }
      await pending;
    } else if (mode < 0.95) {
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(between(5, 200))]);
      let n = 0, limit = between(1, 50);
      try {
        for await (const m of queue.messages({ type: -STOP_TYPE, signal })) {
          record(m);
          if (++n >= limit || stop.signal.aborted) break;
        }
      } catch (error) {
        if (expected(error) === "removed") stop.abort();
      }
    } else {
      queue.close();
      queue = MessageQueue.open(cfg.workKey);
      counts.reopens++;
    }
  }
}

async function laneProducer(): Promise<void> {
  const queue = MessageQueue.open(cfg.laneKey);
  await Promise.all(cfg.lanes.map(async (lane) => {
    let seq = 0;
    const sendOne = async (value: unknown) => {
      for (;;) {
        try {
          await queue.send(laneType(lane, seq), value, { timeout: between(20, 300), signal: maybeAbort(0.05, 50) });
          return true;
        } catch (error) {
          if (expected(error) === "removed") return false;
        }
      }
    };
    while (Date.now() < cfg.deadline) {
      if (!(await sendOne({ id: `L${lane}:${seq}` }))) return;
      log(`s L${lane}:${seq}`);
      seq++;
      if (seq % 10 === 0) await pace(cfg.rate / 10);
    }
    await sendOne({ end: true });
  }));
}

/** The lane log's last line tells where the previous consumer of this lane stopped. */
function laneResume(): { seq: number; mayHaveLost: boolean } {
  if (!existsSync(cfg.log)) return { seq: 0, mayHaveLost: false };
  const lines = readFileSync(cfg.log, "utf8").trimEnd().split("\n").filter(Boolean);
  const last = lines.at(-1)?.split(" ");
  if (!last) return { seq: 0, mayHaveLost: false };
  // `g s`: go on at s+1. `c s` (claimed, then killed): s may have gone with the killed process.
  // `x s` (a killed predecessor's s was given up, then s+1 claimed and taken, or not): likewise from s+1.
  const seq = Number(last[1]);
  if (last[0] === "c") return { seq, mayHaveLost: true };
  return { seq: seq + 1, mayHaveLost: last[0] === "x" };
}

async function laneConsumer(): Promise<void> {
  const lane = cfg.lanes[0]!;
  let queue = MessageQueue.open(cfg.laneKey);
  let { seq, mayHaveLost } = laneResume();
  let claimed = -1, claimedNext = -1;
  /** Returns false at the lane's end marker. */
  let taken = 0;
  const take = (s: number, value: unknown): boolean => {
    if ((value as { end?: boolean }).end) { log(`e ${s} ${pid}`); return false; }
    if (++taken === cfg.dieAfter) process.kill(pid, "SIGKILL"); // taken, not logged: the window a kill can hit
    const id = (value as { id: string }).id;
    if (id !== `L${lane}:${s}`) log(`m ${s} ${pid} ${id}`); // wrong message for this type: a mismatch
    log(`g ${s} ${pid}`);
    return true;
  };
  for (;;) {
    if (claimed !== seq) { log(`c ${seq} ${pid}`); claimed = seq; }
    const closeMidway = rnd() < 0.03;
    const pending = queue.receive({ type: laneType(lane, seq), timeout: between(20, 400), signal: maybeAbort(0.1, 100) });
    if (closeMidway) { queue.close(); queue = MessageQueue.open(cfg.laneKey); counts.reopens++; }
    try {
      const m = await pending;
      if (!take(seq, m.value)) return;
      seq++;
      mayHaveLost = false;
      continue;
    } catch (error) {
      if (expected(error) === "removed") return;
    }
    if (!mayHaveLost) continue;
    // The previous consumer was killed after claiming `seq`: if seq+1 is queued and seq is not, seq
    // (sent before seq+1 by the lane's one producer) was taken by the killed process.
    if (claimedNext !== seq + 1) { log(`c ${seq + 1} ${pid}`); claimedNext = seq + 1; }
    const next = queue.tryReceiveSync({ type: laneType(lane, seq + 1) });
    if (!next) continue;
    const again = queue.tryReceiveSync({ type: laneType(lane, seq) });
    if (again) { if (!take(seq, again.value)) return; } else log(`x ${seq} ${pid}`);
    if (!take(seq + 1, next.value)) return;
    seq += 2;
    mayHaveLost = false;
  }
}

async function vars(): Promise<void> {
  let store = SharedVariables.open(cfg.varsKey);
  const increment = (v: unknown) => {
    const cur = (v ?? { n: 0, by: {} }) as { n: number; by: Record<string, number> };
    return { n: cur.n + 1, by: { ...cur.by, [cfg.name]: (cur.by[cfg.name] ?? 0) + 1 } };
  };
  while (Date.now() < cfg.deadline) {
    try {
      if (rnd() < 0.2) store.updateSync(1, increment, { timeout: between(0, 50) });
      else await store.update(1, increment, { timeout: rnd() < 0.5 ? between(0, 50) : undefined, signal: maybeAbort(0.3, 20) });
      log("v");
    } catch (error) {
      if (expected(error) === "removed") return;
    }
    if (rnd() < 0.02) { store.detach(); store = SharedVariables.open(cfg.varsKey); counts.reopens++; }
    await Bun.sleep(between(0, 4));
  }
  store.detach();
}

async function sem(): Promise<void> {
  let handle = Semaphore.open(cfg.semKey);
  while (Date.now() < cfg.deadline) {
    const closeMidway = rnd() < 0.03;
    const pending = handle.acquire({ timeout: between(0, 50), signal: maybeAbort(0.3, 30) });
    if (closeMidway) { handle.close(); handle = Semaphore.open(cfg.semKey); counts.reopens++; }
    try {
      const permit = await pending;
      log("a");
      await Bun.sleep(between(0, 6));
      try { permit.release(); } catch (error) {
        if (!(error instanceof ClosedError)) throw error;
        log("k"); // acquired by a handle closed meanwhile: the permit comes back at exit (SEM_UNDO)
      }
    } catch (error) {
      if (error instanceof BusyError) log("t");
      else if ((error as Error)?.name === "AbortError") log("b");
      else if (expected(error) === "removed") return;
    }
    await Bun.sleep(between(0, 3));
  }
  handle.close();
}

const roles = { producer, consumer, "lane-producer": laneProducer, "lane-consumer": laneConsumer, vars, sem };
try {
  await roles[cfg.role]();
} finally {
  if (cfg.role !== "lane-consumer") log(`# ${JSON.stringify(counts)}`);
  closeSync(fd);
}
process.exit(0); // pending waiter threads (closed handles) must not keep us alive
