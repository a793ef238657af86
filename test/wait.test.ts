import { describe, expect, test } from "bun:test";
import { ERRNO, IPC_CREAT, IPC_NOWAIT, IPC_RMID, libc, packSembufs, SETVAL } from "../src/ffi/index.ts";
import { runBlocking } from "../src/wait/index.ts";
import { testKeys } from "./helpers/ipc.ts";

const keys = testKeys();

function queue(): number {
  const id = libc.msgget(keys.next(), IPC_CREAT | 0o600);
  expect(id).toBeGreaterThanOrEqual(0);
  return id;
}

function message(type: number, text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const m = new Uint8Array(new BigInt64Array(Math.ceil((8 + body.length) / 8)).buffer, 0, 8 + body.length);
  new DataView(m.buffer).setBigInt64(0, BigInt(type), true);
  m.set(body, 8);
  return m;
}

function sendNow(id: number, type: number, text: string): void {
  const m = message(type, text);
  expect(libc.msgsnd(id, m, m.length - 8, IPC_NOWAIT)).toBe(0);
}

function drain(id: number): string[] {
  const buf = new Uint8Array(new BigInt64Array(129).buffer);
  const out: string[] = [];
  for (;;) {
    const n = Number(libc.msgrcv(id, buf, 1024, 0, IPC_NOWAIT));
    if (n < 0) return out;
    out.push(new TextDecoder().decode(buf.subarray(8, 8 + n)));
  }
}

describe("runBlocking (waiter threads)", () => {
  test("a receive waits off the main thread while a PHP process sends: timers keep ticking", async () => {
    const key = keys.next();
    const id = libc.msgget(key, IPC_CREAT | 0o600);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const waiting = runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 });
    const sender = Bun.spawn(["php", "-r", 'usleep(300000); $q = msg_get_queue((int)$argv[1]); msg_send($q, 7, "from php", false);', "--", String(key)]);
    const r = await waiting;
    clearInterval(timer);
    await sender.exited;
    expect(r.status).toBe("ok");
    if (r.status !== "ok") return;
    expect(r.type).toBe(7n);
    expect(new TextDecoder().decode(r.payload)).toBe("from php");
    expect(ticks).toBeGreaterThanOrEqual(10); // ~30 expected in 300 ms; a frozen loop gives 0-1
  });

  test("a timeout cancels without consuming: a later message stays in the queue", async () => {
    const id = queue();
    const t0 = performance.now();
    const r = await runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }, { timeoutMs: 100 });
    const elapsed = performance.now() - t0;
    expect(r.status).toBe("cancelled");
    expect(r.cancelReason).toBe("timeout");
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(2000);
    sendNow(id, 1, "kept");
    expect(drain(id)).toEqual(["kept"]);
  });

  test("an AbortSignal cancels; an already-aborted signal never starts the call", async () => {
    const id = queue();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }, { signal: ac.signal });
    expect(r).toEqual({ status: "cancelled", cancelReason: "abort" });
    const again = await runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }, { signal: ac.signal });
    expect(again.status).toBe("cancelled");
  });

  test("an abort while a new waiter thread is starting still cancels (no hang)", async () => {
    const id = queue();
    // Every idle thread is busy, so each wait below starts a new thread; abort before it is up.
    const busy = [1, 2, 3, 4].map(() => runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 99, flags: 0 }, { timeoutMs: 300 }));
    const ac = new AbortController();
    const waiting = runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }, { signal: ac.signal });
    ac.abort();
    expect(await waiting).toEqual({ status: "cancelled", cancelReason: "abort" });
    for (const r of await Promise.all(busy)) expect(r.status).toBe("cancelled");
  });

  test("removing the queue wakes every waiter with EIDRM", async () => {
    const id = queue();
    const waits = [1, 2, 3].map(() => runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }));
    await Bun.sleep(50);
    expect(libc.msgctl(id, IPC_RMID, null)).toBe(0);
    for (const r of await Promise.all(waits)) expect(r).toEqual({ status: "error", errno: ERRNO.EIDRM });
  });

  test("a cancel racing a message never loses the message (300 races)", async () => {
    const id = queue();
    let delivered = 0, cancelled = 0;
    for (let i = 0; i < 300; i++) {
      const ac = new AbortController();
      const waiting = runBlocking({ op: "msgrcv", id, maxSize: 1024, type: 0, flags: 0 }, { signal: ac.signal });
      if (i % 3 === 0) await Bun.sleep(0);
      sendNow(id, 1, `m${i}`);
      ac.abort();
      const r = await waiting;
      if (r.status === "ok") delivered++;
      else { expect(r.status).toBe("cancelled"); cancelled++; }
    }
    const left = drain(id);
    expect(delivered + left.length).toBe(300);
    expect(left.length).toBe(cancelled);
  });

  test("semop with a kernel timeout reports EAGAIN; a release lets a waiting acquire through", async () => {
    const id = libc.semget(keys.next(), 1, IPC_CREAT | 0o600);
    expect(libc.semctl(id, 0, SETVAL, 0)).toBe(0);
    const down = packSembufs([{ num: 0, op: -1, flags: 0 }]);
    const t0 = performance.now();
    const timedOut = await runBlocking({ op: "semop", id, sops: down, timeoutMs: 80 });
    expect(timedOut).toEqual({ status: "error", errno: ERRNO.EAGAIN });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    const waiting = runBlocking({ op: "semop", id, sops: down });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await Bun.sleep(60);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(5); // the wait is on another thread
    expect(libc.semop(id, packSembufs([{ num: 0, op: 1, flags: 0 }]), 1)).toBe(0);
    expect(await waiting).toEqual({ status: "ok", value: 0 });
  });
});
