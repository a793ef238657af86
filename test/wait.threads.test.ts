/**
 * Bounded waiter threads (issue 8, defect 1): the thread count stays under the cap with 1,000 concurrent
 * waits and returns to the baseline after; waits beyond the cap are still served; receives with one
 * selector share one blocking call, first come first served, losing and duplicating nothing under cancel
 * races; and the `flock` op of the blocking-call protocol against a real PHP process holding the lock.
 * Thread counts are measured in spawned `bun` children so this test process is clean.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { openSync, closeSync } from "node:fs";
import { LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN } from "../src/ffi/constants.ts";
import { ERRNO } from "../src/ffi/errno.ts";
import { libc } from "../src/ffi/libc.ts";
import { ClosedError } from "../src/errors.ts";
import { MessageQueue } from "../src/msg/index.ts";
import { Semaphore } from "../src/sem/index.ts";
import { runBlocking, setWaiterLimit, waiterStats } from "../src/wait/index.ts";
import { tempFile, testKeys } from "./helpers/ipc.ts";

const keys = testKeys();
const src = (path: string) => JSON.stringify(new URL(`../src/${path}`, import.meta.url).pathname);

afterEach(() => setWaiterLimit(256));

type Use = Pick<ReturnType<typeof waiterStats>, "threads" | "polling" | "sharedCalls" | "sharedWaiters">;

/** What this test added to the pool's use (other test files of the process may leave waits behind). */
function usedSince(before: Use): Use {
  const now = waiterStats();
  return {
    threads: now.threads - before.threads, polling: now.polling - before.polling,
    sharedCalls: now.sharedCalls - before.sharedCalls, sharedWaiters: now.sharedWaiters - before.sharedWaiters,
  };
}

/** Runs `code` (an ES module) in a fresh bun process and parses the JSON line it prints. */
async function inChild<T>(code: string, env: Record<string, string> = {}): Promise<T> {
  const child = Bun.spawn(["bun", "-e", code], { stdout: "pipe", stderr: "pipe", timeout: 60_000, env: { ...process.env, ...env } });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  expect({ exitCode: await child.exited, err }).toEqual({ exitCode: 0, err: "" });
  return JSON.parse(out) as T;
}

interface Counts {
  baseline: number;
  waiting: number;
  rssMb: number;
  stats: { threads: number; polling: number; sharedCalls: number; sharedWaiters: number; native: boolean };
  idle: number;
  afterStats: { threads: number; idle: number };
  received: number;
  distinct: number;
  after: number;
}

/** 1,000 concurrent receives (types 1..1000, or all type 0) in a child; threads before, during, after. */
function thousandWaits(shape: "distinct" | "shared"): string {
  return `
    import { readdirSync } from "node:fs";
    import { MessageQueue } from ${src("msg/index.ts")};
    import { waiterStats } from ${src("wait/index.ts")};
    const threads = () => readdirSync("/proc/self/task").length;
    const queue = MessageQueue.create(0);
    try {
      await Bun.sleep(100);
      const baseline = threads();
      const waits = Array.from({ length: 1000 }, (_, i) => queue.receive({ type: ${shape === "distinct" ? "i + 1" : "0"}, unserialize: false }));
      await Bun.sleep(500);
      const waiting = threads();
      const rssMb = process.memoryUsage.rss() / 1048576;
      const stats = waiterStats();
      for (let i = 0; i < 1000; i++) queue.sendSync(${shape === "distinct" ? "i + 1" : "1"}, "m" + i, { serialize: false });
      const got = await Promise.all(waits);
      const idle = waiterStats().idle;
      await Bun.sleep(800); // idle threads retire after BUN_SYSV_WAITER_IDLE_MS
      const afterStats = waiterStats();
      console.log(JSON.stringify({
        baseline, waiting, rssMb, stats, idle, afterStats, received: got.length, distinct: new Set(got.map((m) => m.value)).size, after: threads(),
      }));
    } finally {
      queue.remove();
    }
  `;
}

describe("waiter threads are bounded", () => {
  test("1,000 receives with distinct selectors: threads stay under the cap, every wait is served, threads go back", async () => {
    const r = await inChild<Counts>(thousandWaits("distinct"), { BUN_SYSV_WAITER_THREADS: "32", BUN_SYSV_WAITER_IDLE_MS: "300" });
    expect(r.stats.native).toBe(true);
    expect(r.stats.threads).toBe(32);
    expect(r.stats.polling).toBe(1000 - 32);
    expect(r.waiting - r.baseline).toBeLessThanOrEqual(32);
    expect(r.rssMb).toBeLessThan(200); // a Worker per wait took 1.3-2 GB here
    expect(r.received).toBe(1000);
    expect(r.distinct).toBe(1000);
    expect(r.idle).toBeGreaterThan(0); // kept warm for the next waits...
    expect(r.afterStats).toMatchObject({ threads: 0, idle: 0 }); // ...and retired after idling
    expect(r.after).toBeLessThanOrEqual(r.baseline);
  }, 60_000);

  test("1,000 receives with one selector share one blocking call", async () => {
    const r = await inChild<Counts>(thousandWaits("shared"), { BUN_SYSV_WAITER_IDLE_MS: "300" });
    expect(r.stats.threads).toBe(1);
    expect(r.stats.sharedCalls).toBe(1);
    expect(r.stats.sharedWaiters).toBe(1000);
    expect(r.waiting - r.baseline).toBeLessThanOrEqual(1);
    expect(r.distinct).toBe(1000);
    expect(r.after).toBeLessThanOrEqual(r.baseline);
  }, 60_000);

  test("with a cap of 0 every wait is polled: receive, timeout and abort still work", async () => {
    setWaiterLimit(0);
    const queue = MessageQueue.create(keys.next());
    const before = waiterStats();
    try {
      const waiting = queue.receive();
      await Bun.sleep(20);
      expect(usedSince(before)).toMatchObject({ threads: 0, polling: 1 });
      queue.sendSync(3, "polled");
      expect(await waiting).toEqual({ type: 3, value: "polled" });
      await expect(queue.receive({ timeout: 30 })).rejects.toMatchObject({ name: "BusyError" });
      const ac = new AbortController();
      const aborted = queue.receive({ signal: ac.signal });
      ac.abort(new Error("stop"));
      await expect(aborted).rejects.toThrow("stop");
      expect(usedSince(before).polling).toBe(0);
      queue.sendSync(4, "kept");
      expect(queue.receiveSync({ timeout: 0 })).toEqual({ type: 4, value: "kept" });
    } finally {
      queue.remove();
    }
  });

  test("with a cap of 0, a send waiting for room and a semaphore acquire are polled: they complete, time out, and end at close", async () => {
    setWaiterLimit(0);
    const queue = MessageQueue.create(keys.next());
    const key = keys.next();
    const holder = Semaphore.create(key);
    const sem = Semaphore.create(key);
    try {
      queue.set({ maxBytes: 64 });
      queue.sendSync(1, "x".repeat(60), { serialize: false });
      const sending = queue.send(2, "y".repeat(60), { serialize: false });
      await Bun.sleep(20);
      expect(queue.stat().messages).toBe(1);
      queue.receiveBytesSync({ timeout: 0 });
      await sending;
      expect(queue.receiveSync({ timeout: 0, unserialize: false })).toEqual({ type: 2, value: "y".repeat(60) });

      const held = holder.tryAcquire()!;
      await expect(sem.acquire({ timeout: 30 })).rejects.toMatchObject({ name: "BusyError" });
      const acquiring = sem.acquire();
      await Bun.sleep(20);
      held.release();
      const permit = await acquiring;
      expect(holder.value).toBe(0);
      permit.release();
      const again = holder.tryAcquire()!;
      const pending = sem.acquire().catch((e: unknown) => e);
      await Bun.sleep(20);
      sem.close();
      expect(await pending).toBeInstanceOf(ClosedError);
      again.release();
      await Bun.sleep(20);
      expect(holder.value).toBe(1);
    } finally {
      queue.remove();
      holder.remove();
      holder.close();
    }
  });

  test("setWaiterLimit rejects nonsense", () => {
    expect(() => setWaiterLimit(-1)).toThrow(RangeError);
    expect(() => setWaiterLimit(1.5)).toThrow(RangeError);
    expect(() => setWaiterLimit(8, -5)).toThrow(RangeError);
  });

  test("an idle thread is reused for the next wait, then retires after the idle timeout", async () => {
    const code = `
      import { MessageQueue } from ${src("msg/index.ts")};
      import { waiterStats } from ${src("wait/index.ts")};
      const queue = MessageQueue.create(0);
      const seen = [];
      try {
        for (let round = 0; round < 3; round++) {
          const waiting = queue.receive();
          await Bun.sleep(10);
          const during = waiterStats();
          queue.sendSync(1, round);
          await waiting;
          const after = waiterStats();
          seen.push([during.threads, during.idle, after.threads, after.idle]);
        }
        await Bun.sleep(400);
        const { threads, idle } = waiterStats();
        console.log(JSON.stringify({ seen, threads, idle }));
      } finally {
        queue.remove();
      }
    `;
    const r = await inChild<{ seen: number[][]; threads: number; idle: number }>(code, { BUN_SYSV_WAITER_IDLE_MS: "150" });
    expect(r.seen).toEqual([[1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 0, 1]]); // one thread, reused each round
    expect({ threads: r.threads, idle: r.idle }).toEqual({ threads: 0, idle: 0 }); // then retired
  });
});

describe("shared receives", () => {
  test("the message goes to the first waiter in line", async () => {
    const queue = MessageQueue.create(keys.next());
    try {
      const order: number[] = [];
      const before = waiterStats();
      const waits = Array.from({ length: 20 }, (_, i) => queue.receive({ unserialize: false }).then((m) => { order.push(i); return m; }));
      await Bun.sleep(30);
      expect(usedSince(before)).toMatchObject({ threads: 1, sharedCalls: 1, sharedWaiters: 20 });
      for (let i = 0; i < 20; i++) {
        queue.sendSync(1, `m${i}`, { serialize: false });
        await Bun.sleep(2);
      }
      const got = await Promise.all(waits);
      expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(got.map((m) => m.value)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    } finally {
      queue.remove();
    }
  });

  test("cancel races on a shared call lose and duplicate nothing (2,000 messages, random aborts and timeouts)", async () => {
    const queue = MessageQueue.create(keys.next());
    const other = MessageQueue.open(queue.key);
    try {
      const received: string[] = [];
      const before = waiterStats();
      let sent = 0, cancelled = 0, byWait = 0;
      for (let round = 0; round < 100; round++) {
        const controllers = Array.from({ length: 20 }, () => new AbortController());
        const waits = controllers.map((ac, i) =>
          queue.receive<string>({ unserialize: false, signal: ac.signal, timeout: i % 5 === 0 ? Math.random() * 3 : undefined }).then(
            (m) => void (received.push(m.value), byWait++),
            () => void cancelled++,
          ));
        if (round % 2) await Bun.sleep(0);
        for (let i = 0; i < 20; i++) {
          other.sendSync(1, `r${round}-${i}`, { serialize: false });
          sent++;
          if (Math.random() < 0.4) controllers[Math.floor(Math.random() * 20)]!.abort();
          if (i % 7 === 0) await Bun.sleep(0);
        }
        for (const ac of controllers) ac.abort();
        await Promise.all(waits);
      }
      for (let m = other.tryReceiveSync<string>({ unserialize: false }); m; m = other.tryReceiveSync<string>({ unserialize: false })) {
        received.push(m.value);
      }
      expect(received.length).toBe(sent);
      expect(new Set(received).size).toBe(sent);
      expect(cancelled).toBeGreaterThan(0);
      expect(byWait).toBeGreaterThan(0);
      expect(usedSince(before)).toMatchObject({ threads: 0, sharedCalls: 0, sharedWaiters: 0 });
    } finally {
      queue.remove();
    }
  });
});

describe("flock through the waiter pool", () => {
  /** PHP takes LOCK_EX on `file`, says "locked", holds it for `ms`, then exits (releasing it). */
  async function phpHolds(file: string, ms: number) {
    const code = '$f = fopen($argv[1], "r"); flock($f, LOCK_EX); echo "locked\\n"; fflush(STDOUT); usleep((int)$argv[2] * 1000);';
    const proc = Bun.spawn(["php", "-r", code, "--", file, String(ms)], { stdout: "pipe", timeout: 10_000 });
    const reader = proc.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe("locked\n");
    reader.releaseLock();
    return { done: proc.exited };
  }

  /** Whether another process can take LOCK_EX on `file` right now. */
  function othersCanLock(file: string): boolean {
    const r = Bun.spawnSync(["php", "-r", 'var_dump(flock(fopen($argv[1], "r"), LOCK_EX | LOCK_NB));', "--", file]);
    return r.stdout.toString().includes("bool(true)");
  }

  for (const limit of [256, 0]) {
    const how = limit === 0 ? "polled" : "on a thread";
    test(`LOCK_EX waits for a PHP holder without freezing the loop (${how})`, async () => {
      setWaiterLimit(limit);
      const file = tempFile("lock");
      const fd = openSync(file, "r");
      try {
        const holder = await phpHolds(file, 300);
        let ticks = 0;
        const timer = setInterval(() => ticks++, 10);
        const t0 = performance.now();
        const r = await runBlocking({ op: "flock", fd, operation: LOCK_EX });
        clearInterval(timer);
        expect(r).toEqual({ status: "ok", value: 0 });
        expect(performance.now() - t0).toBeGreaterThan(150);
        expect(ticks).toBeGreaterThanOrEqual(10);
        expect(othersCanLock(file)).toBe(false);
        expect(libc.flock(fd, LOCK_UN)).toBe(0);
        expect(othersCanLock(file)).toBe(true);
        await holder.done;
      } finally {
        closeSync(fd);
      }
    });

    test(`a cancelled flock never takes the lock (${how})`, async () => {
      setWaiterLimit(limit);
      const file = tempFile("lock");
      const fd = openSync(file, "r");
      try {
        const holder = await phpHolds(file, 400);
        const timedOut = await runBlocking({ op: "flock", fd, operation: LOCK_EX }, { timeoutMs: 50 });
        expect(timedOut).toEqual({ status: "cancelled", cancelReason: "timeout" });
        const ac = new AbortController();
        const aborted = runBlocking({ op: "flock", fd, operation: LOCK_SH }, { signal: ac.signal });
        setTimeout(() => ac.abort(), 30);
        expect(await aborted).toEqual({ status: "cancelled", cancelReason: "abort" });
        await holder.done;
        expect(othersCanLock(file)).toBe(true); // we hold nothing
      } finally {
        closeSync(fd);
      }
    });
  }

  test("flock errors come back with their errno", async () => {
    const r = await runBlocking({ op: "flock", fd: 987654, operation: LOCK_EX | LOCK_NB });
    expect(r).toEqual({ status: "error", errno: ERRNO.EBADF });
  });
});
