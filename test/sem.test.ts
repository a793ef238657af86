import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  BusyError, ClosedError, ExistsError, IpcError, listIpc, Mutex, NotFoundError, Permit, RemovedError, Semaphore,
} from "../src/index.ts";
import { spawnLines } from "./fixtures/sem/lines.ts";
import { testKeys } from "./helpers/ipc.ts";
import { until } from "./helpers/loop.ts";

const keys = testKeys();
/** Tests never block forever: a synchronous acquire that should succeed at once gives up after 5 s. */
const NO_HANG = { timeout: 5000 };
const HOLDER = join(import.meta.dir, "fixtures/sem/holder.ts");

function fresh(maxCount = 1): Semaphore {
  return Semaphore.createNew(keys.next(), { maxCount });
}

/** Starts the holder fixture; `await using` kills it (if still running) at the end of the test. */
function spawnHolder(...args: string[]) {
  return spawnLines(["bun", HOLDER, ...args]);
}

/** Counts timer ticks while `work` runs: a frozen event loop shows (almost) none. */
async function ticksDuring<T>(work: Promise<T>, everyMs = 5): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, everyMs);
  try {
    return { value: await work, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe("Semaphore: open modes and PHP's protocol", () => {
  test("createNew: counter = maxCount, one user, init lock free, mode 0600", () => {
    using sem = fresh(3);
    expect([sem.value, sem.users, sem.waiters]).toEqual([3, 1, 0]);
    const row = listIpc("sem").find((o) => o.id === sem.id)!;
    expect(row.mode).toBe(0o600);
    expect(row.size).toBe(3); // nsems
  });

  test("open needs an existing set; createNew refuses one; create opens it", () => {
    const key = keys.next();
    expect(() => Semaphore.open(key)).toThrow(NotFoundError);
    using first = Semaphore.createNew(key, { maxCount: 2 });
    expect(() => Semaphore.createNew(key)).toThrow(ExistsError);
    using second = Semaphore.create(key, { maxCount: 5 });
    using third = Semaphore.open(key);
    expect(second.id).toBe(first.id);
    expect(third.id).toBe(first.id);
    expect(first.value).toBe(2); // the first user's maxCount wins while others are live
    expect(first.users).toBe(3);
  });

  test("when the last handle closes, the next user re-initialises the counter", () => {
    const key = keys.next();
    Semaphore.createNew(key, { maxCount: 2 }).close();
    using again = Semaphore.create(key, { maxCount: 4 });
    expect([again.value, again.users]).toEqual([4, 1]);
  });

  test("maxCount must be 1..32767 (SEMVMX)", () => {
    const key = keys.next();
    for (const bad of [0, -1, 32768, 1.5]) expect(() => Semaphore.create(key, { maxCount: bad })).toThrow(RangeError);
    expect(listIpc("sem").some((o) => (o.key | 0) === key)).toBe(false); // refused before semget
  });

  test("Mutex is a semaphore of 1", () => {
    using lock = Mutex.createNew(keys.next());
    expect(lock).toBeInstanceOf(Semaphore);
    expect(lock.value).toBe(1);
    const held = lock.tryAcquire();
    expect(held).toBeInstanceOf(Permit);
    expect(lock.tryAcquire()).toBeNull();
    held!.release();
    expect(lock.value).toBe(1);
  });
});

describe("Semaphore: permits", () => {
  test("tryAcquire takes until empty; held counts this handle's permits; release gives back the last", () => {
    using sem = fresh(2);
    const a = sem.tryAcquire(), b = sem.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(sem.tryAcquire()).toBeNull();
    expect([sem.value, sem.held]).toEqual([0, 2]);
    sem.release();
    expect(b!.released).toBe(true);
    expect(a!.released).toBe(false);
    expect([sem.value, sem.held]).toEqual([1, 1]);
    a!.release();
    a!.release(); // second release does nothing
    expect([sem.value, sem.held]).toEqual([2, 0]);
    expect(() => sem.release()).toThrow(IpcError);
  });

  test("`using permit` releases at the end of the block, also on throw", async () => {
    using sem = fresh(1);
    {
      using _permit = await sem.acquire();
      expect(sem.value).toBe(0);
    }
    expect(sem.value).toBe(1);
    await expect(sem.withPermit(() => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(sem.value).toBe(1);
    expect(await sem.withPermit(() => sem.value)).toBe(0);
  });

  test("timeout 0 only tries; n ms waits in the kernel and rejects with BusyError; the loop keeps running", async () => {
    using sem = fresh(1);
    using _held = sem.acquireSync(NO_HANG);
    await expect(sem.acquire({ timeout: 0 })).rejects.toThrow(BusyError);
    const t0 = performance.now();
    const { value, ticks } = await ticksDuring(sem.acquire({ timeout: 150 }).catch((e) => e));
    expect(value).toBeInstanceOf(BusyError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(ticks).toBeGreaterThanOrEqual(10);
    const s0 = performance.now();
    expect(() => sem.acquireSync({ timeout: 60 })).toThrow(BusyError);
    expect(performance.now() - s0).toBeGreaterThanOrEqual(55);
    expect(() => sem.acquireSync({ timeout: -1 })).toThrow(RangeError);
    expect(sem.value).toBe(0);
  });

  test("an awaited acquire completes when another handle releases", async () => {
    const key = keys.next();
    using a = Semaphore.createNew(key);
    using b = Semaphore.open(key);
    const held = b.acquireSync(NO_HANG);
    setTimeout(() => held.release(), 80);
    const t0 = performance.now();
    const { value: permit, ticks } = await ticksDuring(a.acquire({ timeout: 5000 }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(a.held).toBe(1);
    permit.release();
    expect(a.value).toBe(1);
  });

  test("an abort rejects with the signal's reason and never keeps a permit (100 races)", async () => {
    using sem = fresh(1);
    const ac = new AbortController();
    const blocker = sem.acquireSync(NO_HANG);
    setTimeout(() => ac.abort(new Error("stop")), 30);
    await expect(sem.acquire({ signal: ac.signal })).rejects.toThrow("stop");
    await expect(sem.acquire({ signal: ac.signal })).rejects.toThrow("stop"); // already aborted
    blocker.release();
    using other = Semaphore.open(sem.key);
    let got = 0;
    for (let i = 0; i < 100; i++) {
      const held = other.acquireSync(NO_HANG);
      const race = new AbortController();
      const waiting = sem.acquire({ signal: race.signal });
      if (i % 2) await Bun.sleep(0);
      held.release();
      race.abort();
      const r = await waiting.catch(() => null);
      if (r) { got++; r.release(); }
    }
    expect(sem.value).toBe(1);
    expect(sem.held).toBe(0);
    expect(got).toBeLessThanOrEqual(100);
  });

  test("remove wakes waiters with RemovedError; the handle then has nothing to release", async () => {
    using sem = fresh(1);
    const held = sem.acquireSync(NO_HANG);
    const waiters = [sem.acquire(), sem.acquire({ timeout: 5000 })];
    expect(await until(() => sem.waiters === 1)).toBe(true); // one kernel wait per handle; the second waits its turn in JS
    await Bun.sleep(20);
    expect(sem.waiters).toBe(1);
    sem.remove();
    for (const r of await Promise.allSettled(waiters)) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RemovedError);
    }
    expect(sem.exists()).toBe(false);
    expect(() => sem.tryAcquire()).toThrow(RemovedError);
    expect(() => held.release()).toThrow(RemovedError);
  });
});

describe("Semaphore: many awaited acquires on one handle", () => {
  test("200 concurrent acquires: one kernel waiter, every one served, timeouts and aborts of queued ones work", async () => {
    using sem = fresh(2);
    using other = Semaphore.open(sem.key);
    const blockers = [other.acquireSync(NO_HANG), other.acquireSync(NO_HANG)];
    let served = 0;
    const all = Array.from({ length: 200 }, () => sem.acquire({ timeout: 10_000 }).then((p) => { served++; p.release(); }));
    const ac = new AbortController();
    const aborted = sem.acquire({ signal: ac.signal });
    const timedOut = sem.acquire({ timeout: 40 });
    expect(await until(() => sem.waiters === 1)).toBe(true);
    ac.abort(new Error("queued abort"));
    await expect(aborted).rejects.toThrow("queued abort");
    await expect(timedOut).rejects.toThrow(BusyError);
    expect(served).toBe(0);
    for (const b of blockers) b.release();
    await Promise.all(all);
    expect(served).toBe(200);
    expect([sem.value, sem.held, sem.waiters]).toEqual([2, 0, 0]);
  });

  test("closing a handle rejects its queued acquires with ClosedError", async () => {
    const sem = fresh(1);
    using other = Semaphore.open(sem.key);
    const blocker = other.acquireSync(NO_HANG);
    const pending = [sem.acquire(), sem.acquire(), sem.acquire()];
    await Bun.sleep(20);
    sem.close();
    blocker.release();
    for (const r of await Promise.allSettled(pending)) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ClosedError);
    }
    expect([other.value, other.users]).toEqual([1, 1]);
  });
});

describe("Semaphore: closing", () => {
  test("close gives back held permits and the usage count; later use throws ClosedError", () => {
    const key = keys.next();
    using watcher = Semaphore.createNew(key, { maxCount: 3 });
    const sem = Semaphore.open(key);
    sem.acquireSync(NO_HANG);
    sem.acquireSync(NO_HANG);
    expect([watcher.value, watcher.users]).toEqual([1, 2]);
    sem.close();
    sem.close();
    expect([watcher.value, watcher.users]).toEqual([3, 1]);
    expect(() => sem.tryAcquire()).toThrow(ClosedError);
    expect(() => sem.value).toThrow(ClosedError);
  });

  test("autoRelease: false keeps permits and usage until the process exits", () => {
    const key = keys.next();
    using watcher = Semaphore.createNew(key, { maxCount: 2 });
    const sem = Semaphore.open(key, { autoRelease: false });
    const permit = sem.acquireSync(NO_HANG);
    sem.close();
    expect([watcher.value, watcher.users]).toEqual([1, 2]);
    expect(() => permit.release()).toThrow(ClosedError);
  });

  test("garbage collection gives back a dropped handle's usage count, but never a permit it holds", async () => {
    const key = keys.next();
    using watcher = Semaphore.createNew(key, { maxCount: 2 });
    (() => { Semaphore.open(key); Semaphore.open(key).acquireSync(NO_HANG); })();
    expect([watcher.value, watcher.users]).toEqual([1, 3]);
    const until = Date.now() + 3000;
    while (watcher.users !== 2 && Date.now() < until) { Bun.gc(true); await Bun.sleep(5); }
    for (let i = 0; i < 5; i++) { Bun.gc(true); await Bun.sleep(5); }
    expect([watcher.value, watcher.users]).toEqual([1, 2]); // the holder's permit stays until exit
  });
});

describe("Semaphore: across processes", () => {
  test("a holder killed with SIGKILL gives its permit back (kernel undo); others proceed", async () => {
    const key = keys.next();
    await using child = spawnHolder(String(key));
    await child.out.waitFor("held");
    using sem = Semaphore.open(key);
    expect([sem.value, sem.users]).toEqual([0, 2]);
    expect(sem.tryAcquire()).toBeNull();
    const waiting = sem.acquire({ timeout: 5000 });
    await Bun.sleep(30);
    child.proc.kill("SIGKILL");
    expect(await child.proc.exited).not.toBe(0);
    const permit = await waiting;
    expect(sem.users).toBe(1);
    permit.release();
    expect(sem.value).toBe(1);
  });

  test("a Bun child releasing wakes our awaited acquire while timers keep ticking", async () => {
    const key = keys.next();
    await using child = spawnHolder(String(key), "1", "300");
    const { out } = child;
    await out.waitFor("held");
    using sem = Semaphore.open(key);
    const { value: permit, ticks } = await ticksDuring(sem.acquire({ timeout: 10_000 }));
    const acquiredAt = Date.now();
    const releasedAt = Number((await out.waitFor("released")).split(" ")[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasedAt);
    expect(acquiredAt - releasedAt).toBeLessThan(200);
    expect(ticks).toBeGreaterThanOrEqual(20);
    permit.release();
    expect(await child.proc.exited).toBe(0);
  });
});
