/**
 * Waiter-thread costs (issue 8): threads (`/proc/self/task`) and RSS of a process holding 1, 10, 100 and
 * 1,000 concurrent awaitable `receive()` calls, while they wait, after every message arrived, and after
 * 5.5 s idle (idle waiter threads retire after 5 s by default); plus the wake latency (send to resolved promise) of one waiting receive. Each measurement
 * runs in a fresh `bun` child so one does not inherit the threads of another.
 *
 * Two shapes: "distinct" (every wait has its own selector: type i, so no two can share a blocking call)
 * and "shared" (every wait receives any type on one queue: they can share one call).
 *
 *   bun bench/waiters.ts            # table (markdown) on stdout
 *   bun bench/waiters.ts child 100 distinct   # one measurement, JSON
 *   bun bench/waiters.ts latency 500          # wake latency only
 *   BUN_JSC_collectContinuously=1 bun bench/waiters.ts stress 20000
 *       # receives/acquires with random aborts and timeouts on 8 queues, cap 16, idle 50 ms (thread churn),
 *       # for the given ms; prints sent/received/left and lost-or-duplicated (must be 0)
 */
import { readdirSync } from "node:fs";
import { MessageQueue } from "../src/msg/index.ts";
import { Semaphore } from "../src/sem/index.ts";
import { setWaiterLimit, waiterStats } from "../src/wait/index.ts";

const threads = () => readdirSync("/proc/self/task").length;
const rssMb = () => Math.round(process.memoryUsage.rss() / 1048576);

async function child(n: number, shape: "distinct" | "shared"): Promise<void> {
  const queue = MessageQueue.create(0);
  try {
    const base = { threads: threads(), rssMb: rssMb() };
    const waits = Array.from({ length: n }, (_, i) =>
      queue.receive({ type: shape === "distinct" ? i + 1 : 0, unserialize: false }));
    await Bun.sleep(300 + n);
    const waiting = { threads: threads(), rssMb: rssMb() };
    let ticks = 0;
    const tick = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await queue.send(shape === "distinct" ? i + 1 : 1, `m${i}`, { serialize: false });
    const got = await Promise.all(waits);
    const deliverMs = Math.round(performance.now() - t0);
    clearInterval(tick);
    const done = { threads: threads(), rssMb: rssMb() };
    await Bun.sleep(5500);
    Bun.gc(true);
    const idle = { threads: threads(), rssMb: rssMb() };
    console.log(JSON.stringify({ n, shape, base, waiting, done, idle, deliverMs, received: got.length, ticks }));
  } finally {
    queue.remove();
  }
}

async function latency(rounds: number): Promise<void> {
  const queue = MessageQueue.create(0);
  try {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const waiting = queue.receiveBytes();
      await Bun.sleep(Number(process.env.GAP ?? 2)); // let the receive reach its blocking call
      const t0 = performance.now();
      queue.sendSync(1, "x", { serialize: false });
      await waiting;
      samples.push((performance.now() - t0) * 1000);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!);
    console.log(JSON.stringify({ rounds, p50us: at(0.5), p99us: at(0.99) }));
  } finally {
    queue.remove();
  }
}

async function stress(ms: number): Promise<void> {
  setWaiterLimit(16, 50);
  const queues = Array.from({ length: 8 }, () => MessageQueue.create(0));
  const sem = Semaphore.create(0, { maxCount: 2 });
  let sent = 0, received = 0, cancelled = 0, permits = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < ms) {
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        const ac = new AbortController();
        const timeout = Math.random() < 0.2 ? Math.random() * 5 : undefined;
        waits.push(queues[i % 8]!.receive({ type: i % 3, signal: ac.signal, timeout, unserialize: false })
          .then(() => received++, () => cancelled++));
        if (Math.random() < 0.3) setTimeout(() => ac.abort(), Math.random() * 3);
      }
      for (let i = 0; i < 2; i++) {
        waits.push(sem.acquire({ timeout: 3 }).then((p) => { permits++; setTimeout(() => p.release(), 1); }, () => {}));
      }
      for (let i = 0; i < 40; i++) { queues[i % 8]!.sendSync(1 + (i % 2), "x", { serialize: false }); sent++; }
      await Bun.sleep(Math.random() * 3);
      for (const q of queues) for (let i = 0; i < 3; i++) { q.sendSync(1, "y", { serialize: false }); sent++; }
      await Promise.all(waits.map((w) => Promise.race([w, Bun.sleep(100)])));
    }
    await Bun.sleep(300);
    let left = 0;
    for (const q of queues) left += q.stat().messages;
    console.log(JSON.stringify({
      sent, received, left, lostOrDuplicated: sent - received - left, cancelled, permits,
      stats: waiterStats(), threads: threads(), rssMb: rssMb(),
    }));
  } finally {
    for (const q of queues) q.remove();
    sem.remove();
    sem.close();
  }
}

async function run(args: string[]): Promise<string> {
  const proc = Bun.spawn(["bun", import.meta.path, ...args], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  return out.trim();
}

if (process.argv[2] === "child") await child(Number(process.argv[3]), process.argv[4] as "distinct" | "shared");
else if (process.argv[2] === "latency") await latency(Number(process.argv[3] ?? 200));
else if (process.argv[2] === "stress") await stress(Number(process.argv[3] ?? 15000));
else {
  console.log("| waits | shape | threads before | threads waiting | RSS waiting (MB) | threads after | threads idle | RSS idle (MB) | delivery (ms) |");
  console.log("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const shape of ["distinct", "shared"] as const) {
    for (const n of [1, 10, 100, 1000]) {
      const r = JSON.parse(await run(["child", String(n), shape]));
      console.log(`| ${n} | ${shape} | ${r.base.threads} | ${r.waiting.threads} | ${r.waiting.rssMb} | ${r.done.threads} | ${r.idle.threads} | ${r.idle.rssMb} | ${r.deliverMs} |`);
    }
  }
  console.log(`\nwake latency (one waiting receive, send to resolve): ${await run(["latency", "300"])}`);
}
