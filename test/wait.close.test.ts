/**
 * close() cancels every wait of the handle at once (issue 8, defect 2): pending receives, sends, `for await`
 * loops and semaphore/mutex acquires reject with ClosedError (a loop just ends), nothing is taken from the
 * queue after close, and a closed handle's pending receive does not keep the process alive.
 */
import { describe, expect, test } from "bun:test";
import { ClosedError } from "../src/errors.ts";
import { MessageQueue } from "../src/msg/index.ts";
import { Mutex, Semaphore } from "../src/sem/index.ts";
import { SharedVariables } from "../src/vars/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { until } from "./helpers/loop.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();

/** Settles within `ms` or reports "pending". */
function within<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | "pending"> {
  return Promise.race([
    promise.then((value) => ({ value }), (error) => ({ error })),
    Bun.sleep(ms).then(() => "pending" as const),
  ]);
}

/**
 * A new queue opened twice: `queue`, the handle the test closes, and `other`, which stays open and removes
 * the queue afterwards whatever happened.
 */
async function twoHandles(body: (queue: MessageQueue, other: MessageQueue, key: number) => Promise<void>): Promise<void> {
  const key = keys.next();
  const queue = MessageQueue.create(key);
  const other = MessageQueue.open(key);
  try {
    await body(queue, other, key);
  } finally {
    other.remove();
  }
}

describe("MessageQueue.close() cancels its waits", () => {
  test("a pending receive rejects with ClosedError; a message sent after close (by PHP) stays queued", () =>
    twoHandles(async (queue, other, key) => {
      const waiting = queue.receive();
      await Bun.sleep(50);
      queue.close();
      // Sent by another process right after close: the closed handle's receive must not take it.
      expect(php('$q = msg_get_queue((int)$argv[1]); var_dump(msg_send($q, 5, "after close"));', [key]).stdout).toContain("bool(true)");
      const r = await within(waiting, 1000);
      expect(r).not.toBe("pending");
      expect((r as { error: unknown }).error).toBeInstanceOf(ClosedError);
      expect(other.receiveSync({ timeout: 0 })).toEqual({ type: 5, value: "after close" });
    }));

  test("many waits of one handle (shared and not) all end at once; another handle's wait goes on", () =>
    twoHandles(async (queue, other) => {
      const mine = [0, 0, 0, 1, 2, -3].map((type) => queue.receive({ type }));
      const theirs = other.receive({ type: 0 }); // same selector as three of mine: shares their call
      await Bun.sleep(50);
      queue.close();
      const results = await Promise.all(mine.map((p) => within(p, 1000)));
      for (const r of results) expect((r as { error: unknown }).error).toBeInstanceOf(ClosedError);
      expect(await within(theirs, 100)).toBe("pending");
      other.sendSync(9, "for the other handle");
      expect(await theirs).toEqual({ type: 9, value: "for the other handle" });
    }));

  test("a for-await loop ends at close and yields nothing sent afterwards", () =>
    twoHandles(async (queue, other) => {
      const seen: unknown[] = [];
      const loop = (async () => {
        for await (const { value } of queue) seen.push(value);
        return "ended";
      })();
      other.sendSync(1, "before");
      await Bun.sleep(50);
      queue.close();
      other.sendSync(1, "after");
      expect(await within(loop, 1000)).toEqual({ value: "ended" });
      expect(seen).toEqual(["before"]);
      expect(other.receiveSync({ timeout: 0 }).value).toBe("after");
    }));

  test("a send waiting for room rejects with ClosedError and sends nothing", () =>
    twoHandles(async (queue, other) => {
      other.set({ maxBytes: 64 });
      other.sendSync(1, "x".repeat(60), { serialize: false });
      const sending = queue.send(2, "y".repeat(60), { serialize: false });
      await Bun.sleep(50);
      queue.close();
      expect(((await within(sending, 1000)) as { error: unknown }).error).toBeInstanceOf(ClosedError);
      other.receiveBytesSync({ timeout: 0 }); // room now: a send that still waited would land
      await Bun.sleep(50);
      expect(other.stat().messages).toBe(0);
    }));

  test("a process whose only pending receive was closed exits", async () => {
    const key = keys.next();
    MessageQueue.create(key).close();
    const code = `
      import { MessageQueue } from ${JSON.stringify(new URL("../src/msg/index.ts", import.meta.url).pathname)};
      const queue = MessageQueue.open(${key});
      queue.receive().catch((e) => console.log(e.name));
      setTimeout(() => queue.close(), 100);
    `;
    try {
      const child = Bun.spawn(["bun", "-e", code], { stdout: "pipe", timeout: 10_000 });
      const t0 = performance.now();
      const exitCode = await child.exited;
      expect(exitCode).toBe(0);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(await new Response(child.stdout).text()).toBe("ClosedError\n");
    } finally {
      MessageQueue.open(key).remove();
    }
  });
});

describe("Semaphore/Mutex close() cancels awaited acquires", () => {
  for (const Kind of [Semaphore, Mutex]) {
    test(`${Kind.name}: pending acquires reject with ClosedError, leave no waiter in the kernel and never get a permit`, async () => {
      const key = keys.next();
      const holder = Kind.create(key);
      const sem = Kind.create(key);
      try {
        const held = holder.tryAcquire()!;
        expect(held).not.toBeNull();
        const waits = [sem.acquire(), sem.acquire(), sem.acquire({ timeout: 10_000 })];
        expect(await until(() => holder.waiters === 1)).toBe(true); // one kernel wait per handle, the others queue in JS
        await Bun.sleep(20);
        expect(holder.waiters).toBe(1);
        sem.close();
        const results = await Promise.all(waits.map((p) => within(p, 1000)));
        for (const r of results) expect((r as { error: unknown }).error).toBeInstanceOf(ClosedError);
        expect(holder.waiters).toBe(0);
        held.release();
        await Bun.sleep(20);
        expect(holder.value).toBe(1); // the permit stayed free: nobody took it for the closed handle
      } finally {
        holder.remove();
        holder.close();
      }
    });
  }
});

describe("other waiting APIs", () => {
  test("SharedVariables.detach() ends an update() waiting for the lock with ClosedError; fn never runs", async () => {
    const key = keys.next();
    const vars = SharedVariables.create(key, { size: 4096 });
    const holder = Mutex.create(key);
    try {
      const held = holder.tryAcquire()!;
      let ran = false;
      const updating = vars.update(1, () => { ran = true; return "x"; });
      await Bun.sleep(50);
      vars.remove(); // the memory stays usable until detach()
      vars.detach();
      expect(((await within(updating, 1000)) as { error: unknown }).error).toBeInstanceOf(ClosedError);
      held.release();
      await Bun.sleep(20);
      expect(ran).toBe(false);
      expect(holder.value).toBe(1);
    } finally {
      holder.remove();
      holder.close();
    }
  });
});
