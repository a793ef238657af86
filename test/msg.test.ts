import { describe, expect, test } from "bun:test";
import { BusyError, ClosedError, ExistsError, IpcError, NotFoundError, RemovedError, TooBigError } from "../src/errors.ts";
import { IPC_PRIVATE } from "../src/keys/index.ts";
import { formatFixed6, MessageQueue, messageLimits, scalarBytes } from "../src/msg/index.ts";
import { PhpFloat, PhpIncompleteObject, PhpObject } from "../src/serialize/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { phpSpawn } from "./helpers/php.ts";
import { ticksDuring } from "./helpers/loop.ts";

const keys = testKeys();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function fresh(mode?: number): MessageQueue {
  return MessageQueue.createNew(keys.next(), { mode });
}


async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function drainRaw(queue: MessageQueue): string[] {
  const out: string[] = [];
  for (;;) {
    try {
      out.push(text(queue.receiveBytesSync({ timeout: 0 }).bytes));
    } catch (error) {
      if (error instanceof BusyError) return out;
      throw error;
    }
  }
}

describe("MessageQueue: open modes, stat, set, remove", () => {
  test("createNew / create / open / exists; mode 0600 by default", () => {
    const key = keys.next();
    expect(MessageQueue.exists(key)).toBe(false);
    expect(() => MessageQueue.open(key)).toThrow(NotFoundError);
    const queue = MessageQueue.createNew(key);
    expect(() => MessageQueue.createNew(key)).toThrow(ExistsError);
    expect(MessageQueue.create(key).id).toBe(queue.id);
    expect(MessageQueue.open(key).id).toBe(queue.id);
    expect(MessageQueue.exists(key)).toBe(true);
    const stat = queue.stat();
    expect(stat).toMatchObject({ key, mode: 0o600, messages: 0, bytes: 0, maxBytes: 16384, lastSend: null, lastReceive: null });
    expect(stat.changed).toBeInstanceOf(Date);
    expect(MessageQueue.create(keys.next(), { mode: 0o640 }).stat().mode).toBe(0o640);
    expect(() => MessageQueue.open(IPC_PRIVATE)).toThrow(RangeError);
    expect(MessageQueue.exists(IPC_PRIVATE)).toBe(false);
  });

  test("a private queue is new each time", () => {
    const a = MessageQueue.create(IPC_PRIVATE), b = MessageQueue.create(IPC_PRIVATE);
    keys.track("msg", a.id);
    keys.track("msg", b.id);
    expect(a.id).not.toBe(b.id);
    a.remove();
    b.remove();
  });

  test("stat counts messages and bytes; set changes mode and maxBytes", () => {
    const queue = fresh();
    queue.sendSync(1, "abc", { serialize: false });
    queue.sendSync(2, new Uint8Array(10), { serialize: false });
    const stat = queue.stat();
    expect([stat.messages, stat.bytes, stat.lastSendPid]).toEqual([2, 13, process.pid]);
    expect(stat.lastSend).toBeInstanceOf(Date);
    queue.set({ mode: 0o644, maxBytes: 100 });
    expect(queue.stat()).toMatchObject({ mode: 0o644, maxBytes: 100 });
  });

  test("remove: later calls fail with RemovedError; close: ClosedError", () => {
    const queue = fresh();
    queue.remove();
    expect(() => queue.sendSync(1, "x", { serialize: false })).toThrow(RemovedError);
    expect(() => queue.receiveBytesSync({ timeout: 0 })).toThrow(RemovedError);
    expect(() => queue.stat()).toThrow(RemovedError);
    expect(() => queue.remove()).toThrow(RemovedError);
    const other = fresh();
    other.close();
    expect(() => other.stat()).toThrow(ClosedError);
    expect(MessageQueue.exists(other.key)).toBe(true);
  });
});

describe("MessageQueue: raw send and receive", () => {
  test("raw payloads: strings as UTF-8, bytes as is, numbers and booleans as PHP writes them", () => {
    const queue = fresh();
    const values = ["a\0b", new Uint8Array([0xff, 0, 1]), 42, -9223372036854775808n, 1.5, -0, NaN, true, false, ""];
    for (const v of values) queue.sendSync(1, v, { serialize: false });
    const got = values.map(() => queue.receiveBytesSync({ timeout: 0 }).bytes);
    expect(got.map((b) => Array.from(b))).toEqual(values.map((v) => Array.from(scalarBytes(v))));
    expect(got.slice(2, 8).map(text)).toEqual(["42", "-9223372036854775808", "1.500000", "0.000000", "nan", "1"]);
  });

  test("unserialize: false gives text for UTF-8 and the exact bytes otherwise", () => {
    const queue = fresh();
    queue.sendSync(1, "héllo\0", { serialize: false });
    queue.sendSync(1, new Uint8Array([0xc3]), { serialize: false });
    expect(queue.receiveSync({ unserialize: false, timeout: 0 }).value).toBe("héllo\0");
    expect(queue.receiveSync({ unserialize: false, timeout: 0 }).value).toEqual(new Uint8Array([0xc3]));
  });

  test("types: 0 = first, positive = exact, negative = lowest <= |t|, except; int64 types round-trip", () => {
    const queue = fresh();
    for (const t of [5, 3, 7, 1, 9]) queue.sendSync(t, `m${t}`, { serialize: false });
    expect(queue.receiveBytesSync({ type: -4, timeout: 0 }).type).toBe(1);
    expect(queue.receiveBytesSync({ type: 7, timeout: 0 }).type).toBe(7);
    expect(queue.receiveBytesSync({ type: 5, except: true, timeout: 0 }).type).toBe(3);
    expect(queue.receiveBytesSync({ timeout: 0 }).type).toBe(5);
    expect(() => queue.receiveBytesSync({ type: 2, timeout: 0 })).toThrow(BusyError);
    expect(drainRaw(queue)).toEqual(["m9"]);
    queue.sendSync(2n ** 63n - 1n, "max", { serialize: false });
    queue.sendSync(2 ** 40, "big", { serialize: false });
    expect(queue.receiveBytesSync({ type: 2n ** 63n - 1n, timeout: 0 }).type).toBe(2n ** 63n - 1n);
    expect(queue.receiveBytesSync({ type: -(2 ** 41), timeout: 0 }).type).toBe(2 ** 40);
    expect(() => queue.sendSync(0, "x", { serialize: false })).toThrow(RangeError);
    expect(() => queue.sendSync(1.5, "x", { serialize: false })).toThrow(RangeError);
  });

  test("over msgmax: TooBigError naming the limit; over maxSize: E2BIG and it stays; truncate cuts", async () => {
    const queue = fresh();
    const error = (() => {
      try {
        queue.sendSync(1, new Uint8Array(9000), { serialize: false });
      } catch (e) {
        return e as IpcError;
      }
    })();
    expect(error).toBeInstanceOf(TooBigError);
    expect(error!.code).toBe("E2BIG");
    expect(error!.message).toContain("9000 bytes exceeds the kernel limit msgmax=8192");
    expect(() => queue.sendSync(1, "é".repeat(4097), { serialize: false })).toThrow(TooBigError);
    queue.sendSync(1, new Uint8Array(8192), { serialize: false }); // exactly msgmax is fine
    expect(queue.receiveBytesSync({ timeout: 0 }).bytes.length).toBe(8192);

    queue.sendSync(3, "0123456789", { serialize: false });
    expect(() => queue.receiveBytesSync({ maxSize: 4, timeout: 0 })).toThrow(/longer than maxSize=4/);
    expect(queue.stat().messages).toBe(1);
    expect(text(queue.receiveBytesSync({ maxSize: 4, truncate: true, timeout: 0 }).bytes)).toBe("0123");
    expect(queue.stat().messages).toBe(0);

    queue.set({ maxBytes: 64 }); // the kernel would make a longer message wait forever (EAGAIN)
    expect(() => queue.sendSync(1, new Uint8Array(65), { serialize: false })).toThrow(/exceeds the queue's limit maxBytes=64/);
    expect(await rejection(queue.send(1, new Uint8Array(65), { serialize: false }))).toBeInstanceOf(TooBigError);
  });

  test("receiveIntoSync fills a caller's buffer; E2BIG past its length unless truncate", () => {
    const queue = fresh();
    const target = new Uint8Array(8);
    queue.sendSync(6, "abc", { serialize: false });
    expect(queue.receiveIntoSync(target, { timeout: 0 })).toEqual({ type: 6, length: 3 });
    expect(text(target.subarray(0, 3))).toBe("abc");
    queue.sendSync(1, "0123456789", { serialize: false });
    expect(() => queue.receiveIntoSync(target, { timeout: 0 })).toThrow(TooBigError);
    expect(queue.receiveIntoSync(target, { truncate: true, timeout: 0 })).toEqual({ type: 1, length: 8 });
    expect(text(target)).toBe("01234567");
  });

  test("tryReceiveSync: null when nothing matches, the message when one does; removal still throws", () => {
    const queue = fresh();
    expect(queue.tryReceiveSync()).toBeNull();
    queue.sendSync(2, { n: 2 });
    expect(queue.tryReceiveSync({ type: 1 })).toBeNull();
    expect(queue.tryReceiveSync({ type: 2 })).toEqual({ type: 2, value: { n: 2 } });
    queue.sendSync(3, "raw", { serialize: false });
    expect(queue.tryReceiveSync({ unserialize: false })).toEqual({ type: 3, value: "raw" });
    expect(queue.tryReceiveSync()).toBeNull();
    queue.remove();
    expect(() => queue.tryReceiveSync()).toThrow(RemovedError);
  });

  test("sync receive with a timeout polls: BusyError ETIMEDOUT after about the timeout", () => {
    const queue = fresh();
    const t0 = performance.now();
    let error: IpcError | undefined;
    try {
      queue.receiveBytesSync({ timeout: 60 });
    } catch (e) {
      error = e as IpcError;
    }
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(BusyError);
    expect(error!.code).toBe("ETIMEDOUT");
    expect(elapsed).toBeGreaterThanOrEqual(59);
    expect(elapsed).toBeLessThan(1000);
  });

  test("sync receive with a timeout sees a message sent meanwhile by PHP", async () => {
    const queue = fresh();
    const sender = phpSpawn(`usleep(100000); msg_send(msg_get_queue((int)$argv[1]), 4, "late", false);`, [queue.key], 10_000);
    await Bun.sleep(20);
    const message = queue.receiveBytesSync({ timeout: 5000 });
    expect([message.type, text(message.bytes)]).toEqual([4, "late"]);
    expect((await sender.done).exitCode).toBe(0);
  });
});

describe("MessageQueue: awaitable receive", () => {
  test("waits off the main thread while PHP sends: timers keep ticking", async () => {
    const queue = fresh();
    const sender = phpSpawn(`usleep(300000); msg_send(msg_get_queue((int)$argv[1]), 7, "from php", false);`, [queue.key], 10_000);
    const { value, ticks } = await ticksDuring(queue.receiveBytes({ timeout: 10_000 }));
    expect([value.type, text(value.bytes)]).toEqual([7, "from php"]);
    expect(ticks).toBeGreaterThanOrEqual(20); // ~60 in 300 ms; a frozen loop gives 0-1
    expect((await sender.done).exitCode).toBe(0);
  });

  test("a message already queued is returned at once (no thread hop)", async () => {
    const queue = fresh();
    queue.sendSync(1, "ready", { serialize: false });
    expect(text((await queue.receiveBytes({ timeout: 0 })).bytes)).toBe("ready");
    expect(await rejection(queue.receiveBytes({ timeout: 0 }))).toBeInstanceOf(BusyError);
  });

  test("a timeout fires within bounds and consumes nothing", async () => {
    const queue = fresh();
    const t0 = performance.now();
    const error = (await rejection(queue.receive({ timeout: 150 }))) as IpcError;
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(BusyError);
    expect(error.code).toBe("ETIMEDOUT");
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(1500);
    queue.sendSync(1, "kept", { serialize: false });
    expect(drainRaw(queue)).toEqual(["kept"]);
  });

  test("an AbortSignal rejects with its reason; an aborted signal never waits", async () => {
    const queue = fresh();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await rejection(queue.receive({ signal: controller.signal }));
    expect((error as Error).name).toBe("AbortError");
    expect(await rejection(queue.receive({ signal: controller.signal }))).toBe(controller.signal.reason);
  });

  test("aborts racing messages never lose one (200 races)", async () => {
    const queue = fresh();
    let delivered = 0;
    for (let i = 0; i < 200; i++) {
      const controller = new AbortController();
      const waiting = queue.receiveBytes({ signal: controller.signal });
      if (i % 2 === 0) await Bun.sleep(0);
      MessageQueue.open(queue.key).sendSync(1, `m${i}`, { serialize: false });
      controller.abort();
      try {
        await waiting;
        delivered++;
      } catch (error) {
        expect((error as Error).name).toBe("AbortError");
      }
    }
    const left = drainRaw(queue); // drains held messages first, then the queue
    expect(queue.held).toBe(0);
    expect(delivered + left.length).toBe(200);
    expect(new Set(left).size).toBe(left.length);
  });

  test("an aborted receive whose message cannot be put back holds it for the next receive", async () => {
    const queue = fresh();
    queue.set({ maxBytes: 8 });
    const other = MessageQueue.open(queue.key);
    let held = 0;
    for (let i = 0; i < 100 && held === 0; i++) {
      const controller = new AbortController();
      const waiting = queue.receiveBytes({ signal: controller.signal });
      await Bun.sleep(1);
      other.sendSync(1, "12345678", { serialize: false }); // fills the queue
      try {
        other.sendSync(2, "abcdefgh", { serialize: false, wait: false }); // fills it again if the waiter took the first
      } catch (error) {
        expect(error).toBeInstanceOf(BusyError);
      }
      controller.abort();
      await waiting.catch(() => {});
      held = queue.held;
      if (held === 0) drainRaw(queue);
    }
    if (held === 0) return; // every abort won or every put-back succeeded: nothing held to check
    expect(() => queue.receiveBytesSync({ type: 3, timeout: 0 })).toThrow(BusyError); // held message does not match
    expect(text(queue.receiveBytesSync({ timeout: 0 }).bytes)).toBe("12345678");
    expect(queue.held).toBe(0);
  });

  test("removing the queue wakes every waiter (Bun and PHP) with the removed error", async () => {
    const queue = fresh();
    const phpWaiter = phpSpawn(
      `$q = msg_get_queue((int)$argv[1]); msg_send($q, 9, "ready", false);
       $ok = msg_receive($q, 1, $t, 100, $m, false, 0, $e); echo json_encode([$ok, $e]);`,
      [queue.key], 10_000,
    );
    const waits = [1, 2, 3].map(() => rejection(queue.receiveBytes({ type: 2, timeout: 10_000 })));
    const loop = (async () => {
      const seen: unknown[] = [];
      for await (const message of MessageQueue.open(queue.key).messages({ type: 1, unserialize: false })) seen.push(message.value);
      return seen;
    })();
    await queue.receiveBytes({ type: 9, timeout: 10_000 }); // PHP has the queue open
    await Bun.sleep(50); // and is most likely blocked in msg_receive by now
    queue.sendSync(1, "first", { serialize: false });
    await Bun.sleep(20);
    queue.remove();
    for (const error of await Promise.all(waits)) {
      expect(error).toBeInstanceOf(RemovedError);
      expect((error as IpcError).message).toContain("removed");
    }
    const seen = await loop;
    const php = await phpWaiter.done;
    // "first" went to exactly one of the waiters: the loop or PHP.
    const phpResult = JSON.parse(php.stdout) as [boolean, number];
    expect(seen.length + (phpResult[0] ? 1 : 0)).toBe(1);
    if (!phpResult[0]) expect([43, 22]).toContain(phpResult[1]); // EIDRM if blocked (EINVAL if it got there too late)
  });

  test("for await consumes in order and stops on break", async () => {
    const queue = fresh();
    for (const word of ["a", "b", "stop", "c"]) queue.sendSync(1, word, { serialize: false });
    const seen: unknown[] = [];
    for await (const { value } of queue.messages({ unserialize: false })) {
      if (value === "stop") break;
      seen.push(value);
    }
    expect(seen).toEqual(["a", "b"]);
    expect(drainRaw(queue)).toEqual(["c"]);
  });

  test("a loop ends quietly when its signal aborts", async () => {
    const queue = fresh();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const seen: unknown[] = [];
    for await (const message of queue.messages({ signal: controller.signal, unserialize: false })) seen.push(message);
    expect(seen).toEqual([]);
  });
});

describe("MessageQueue: a full queue", () => {
  function fill(queue: MessageQueue): number {
    let n = 0;
    for (;;) {
      try {
        queue.sendSync(1, new Uint8Array(1024), { serialize: false, wait: false });
        n++;
      } catch (error) {
        expect(error).toBeInstanceOf(BusyError);
        expect((error as IpcError).code).toBe("EAGAIN");
        expect((error as IpcError).message).toContain("would block");
        return n;
      }
    }
  }

  test("wait: false fails fast; timeouts fail after the time without sending", async () => {
    const queue = fresh();
    expect(fill(queue)).toBe(16);
    const t0 = performance.now();
    expect(() => queue.sendSync(1, "x", { serialize: false, timeout: 40 })).toThrow(/stayed full within 40 ms/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(39);
    const error = (await rejection(queue.send(1, "x", { serialize: false, timeout: 60 }))) as IpcError;
    expect(error.code).toBe("ETIMEDOUT");
    expect(await rejection(queue.send(1, "x", { serialize: false, wait: false }))).toBeInstanceOf(BusyError);
    expect(queue.stat().messages).toBe(16);
  });

  test("an awaitable send waits for room without freezing the loop, then delivers", async () => {
    const queue = fresh();
    fill(queue);
    setTimeout(() => queue.receiveBytesSync({ timeout: 0 }), 100);
    const { ticks } = await ticksDuring(queue.send(2, "squeezed in", { serialize: false, timeout: 5000 }));
    expect(ticks).toBeGreaterThanOrEqual(8);
    expect(text(queue.receiveBytesSync({ type: 2, timeout: 0 }).bytes)).toBe("squeezed in");
  });

  test("awaitable sends of one handle keep their call order while they wait", async () => {
    const queue = fresh();
    fill(queue);
    const sends = [1, 2, 3, 4, 5].map((n) => queue.send(2, `s${n}`, { serialize: false, timeout: 5000 }));
    const late = queue.send(2, "never", { serialize: false, timeout: 0 }); // others are waiting: fails at once
    expect(await rejection(late)).toBeInstanceOf(BusyError);
    const got: string[] = [];
    while (got.length < 5) {
      await Bun.sleep(5);
      queue.receiveBytesSync({ type: 1, timeout: 0 }); // room for one more
      for (;;) {
        try {
          got.push(text(queue.receiveBytesSync({ type: 2, timeout: 0 }).bytes));
        } catch {
          break;
        }
      }
    }
    await Promise.all(sends);
    expect(got).toEqual(["s1", "s2", "s3", "s4", "s5"]);
  });

  test("a send waiting behind others still honours its timeout and its signal", async () => {
    const queue = fresh();
    fill(queue);
    const first = queue.send(2, "first", { serialize: false, timeout: 5000 });
    const t0 = performance.now();
    const timedOut = (await rejection(queue.send(2, "second", { serialize: false, timeout: 50 }))) as IpcError;
    expect(timedOut.code).toBe("ETIMEDOUT");
    expect(performance.now() - t0).toBeLessThan(2000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(((await rejection(queue.send(2, "third", { serialize: false, signal: controller.signal }))) as Error).name).toBe("AbortError");
    queue.receiveBytesSync({ type: 1, timeout: 0 });
    await first;
    expect(drainRaw(queue).filter((m) => !m.startsWith("\0"))).toEqual(["first"]);
  });

  test("an aborted send sends nothing", async () => {
    const queue = fresh();
    const before = fill(queue);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect(((await rejection(queue.send(1, "x", { serialize: false, signal: controller.signal }))) as Error).name).toBe("AbortError");
    expect(queue.stat().messages).toBe(before);
  });
});

describe("MessageQueue: serialized values", () => {
  test("values round-trip through PHP's serialize format (sync and awaitable)", async () => {
    const queue = fresh();
    const value = { id: 7, tags: ["a", "b"], score: 1.5, ok: true, none: null, big: 2n ** 62n, bytes: new Uint8Array([0xff]) };
    queue.sendSync(3, value);
    await queue.send(4, [1, "two"]);
    expect(queue.receiveSync({ timeout: 0 })).toEqual({ type: 3, value });
    expect(await queue.receive({ timeout: 1000 })).toEqual({ type: 4, value: [1, "two"] });
    queue.sendSync(5, "x", { serialize: false });
    expect(() => queue.receiveSync({ timeout: 0 })).toThrow(/unserialize/); // not a PHP serialization: stays an error
  });

  test("unserialize options pass through (allowedClasses)", () => {
    const queue = fresh();
    queue.sendSync(1, new PhpObject("Admin", { name: "root" }));
    const { value } = queue.receiveSync<PhpIncompleteObject>({ unserialize: { allowedClasses: [] }, timeout: 0 });
    expect(value).toBeInstanceOf(PhpIncompleteObject);
    expect(value.originalClassName).toBe("Admin");
  });

  test("raw sends refuse values without a raw form", () => {
    const queue = fresh();
    expect(() => queue.sendSync(1, [1], { serialize: false })).toThrow(TypeError);
    expect(() => queue.sendSync(1, null, { serialize: false })).toThrow(TypeError);
    expect(() => queue.sendSync(1, 2n ** 64n, { serialize: false })).toThrow(RangeError);
    queue.sendSync(1, new PhpFloat(2), { serialize: false });
    expect(text(queue.receiveBytesSync({ timeout: 0 }).bytes)).toBe("2.000000");
  });
});

describe("formatFixed6 (PHP %.6f of raw float messages)", () => {
  test("rounding, ties to even, signs and specials", () => {
    expect([1.5, 0.1, 2.0000005, 5e-7, 1 / 128, 3 / 128, -1e-9, -0, Infinity, -Infinity, NaN, 1e20].map(formatFixed6)).toEqual([
      "1.500000", "0.100000", "2.000001", "0.000000", "0.007812", "0.023438", "-0.000000", "0.000000", "inf", "inf", "nan",
      "100000000000000000000.000000",
    ]);
    expect(formatFixed6(1e300)).toBe(
      "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.000000",
    );
  });
});

describe("messageLimits", () => {
  test("the kernel's msgmax and msgmnb, as /proc/sys/kernel shows them for this IPC namespace", async () => {
    const proc = async (name: string) => Number.parseInt(await Bun.file(`/proc/sys/kernel/${name}`).text(), 10);
    expect(messageLimits()).toEqual({ msgmax: await proc("msgmax"), msgmnb: await proc("msgmnb") });
    const queue = MessageQueue.create(IPC_PRIVATE);
    try {
      expect(queue.stat().maxBytes).toBe(messageLimits().msgmnb); // a new queue gets msgmnb bytes
    } finally {
      queue.remove();
    }
  });
});
