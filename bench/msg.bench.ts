/**
 * Message queues.
 * - One process: send + receive of 64 B raw and of a small serialized array through one queue.
 *   Ours: `sendSync` + `receiveBytesSync` / `receiveSync`; plain `libc.msgsnd` + `libc.msgrcv` through
 *   bun:ffi as the floor; C (gcc -O2) `msgsnd` + `msgrcv`; PHP 8.2 `msg_send` + `msg_receive`.
 * - Two processes: ping-pong round trip Bun<->Bun over a queue (sync, and with the awaitable receive),
 *   C<->C (fork), and Bun.spawn IPC (`process.send`).
 * - Wake latency (send → awaitable receive's continuation, p50/p99) and CPU used by a process idling
 *   ~1 s in an awaitable receive.
 *
 * @example
 * ```sh
 * bun run bench msg
 * ```
 */
import { join } from "node:path";
import { ftok } from "../src/keys/index.ts";
import { MessageQueue } from "../src/msg/index.ts";
import { serialize } from "../src/serialize/index.ts";
import { cBench, phpBench, table, writeSection } from "./lib/harness.ts";
import { LOCAL_OPS, SMALL_ARRAY, SMALL_ARRAY_PHP } from "./msg/local.ts";

const { raw: RAW, serialized: SERIALIZED, rawInto: RAW_INTO, floor: FFI_FLOOR } = LOCAL_OPS;
const PING_SYNC = "ping-pong Bun<->Bun, sync";
const PING_ASYNC = "ping-pong Bun<->Bun, awaitable receive";
const PING_IPC = "ping-pong Bun.spawn IPC";
const PING_C = "ping-pong C<->C";
const PING_SAMPLES = 50_000;
const HERE = import.meta.dir;

// --- one process (each op in a fresh process, see msg/local.ts) ----------------------------------
const local: Record<string, number> = {};
for (const op of Object.values(LOCAL_OPS)) {
  const r = Bun.spawnSync([process.execPath, join(HERE, "msg/local.ts"), op], { stderr: "inherit" });
  const out = r.stdout.toString();
  process.stdout.write(out);
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (r.exitCode !== 0 || !line) throw new Error(`bench/msg/local.ts ${op} failed (${r.exitCode})`);
  Object.assign(local, JSON.parse(line.slice(7)));
}
{ // sanity: the small array is PHP's bytes, sent and serialized
  using queue = MessageQueue.create(0);
  queue.sendSync(1, SMALL_ARRAY);
  const sent = queue.receiveBytesSync().bytes;
  queue.remove();
  const php = Bun.spawnSync(["php", "-r", `echo bin2hex(serialize(${SMALL_ARRAY_PHP}));`]).stdout.toString();
  if (Buffer.from(sent).toString("hex") !== php || Buffer.from(serialize(SMALL_ARRAY)).toString("hex") !== php) {
    throw new Error("the small array does not serialize to PHP's bytes");
  }
}

const c = cBench("msg", `
  int id = msgget(IPC_PRIVATE, 0600 | IPC_CREAT);
  struct { long type; char text[8192]; } m;
  memset(m.text, 'x', 64);
  BENCH("${RAW}", 1000000, { m.type = 1; msgsnd(id, &m, 64, 0); msgrcv(id, &m, 8192, 0, 0); });
  msgctl(id, IPC_RMID, NULL);
  int pp = msgget(IPC_PRIVATE, 0600 | IPC_CREAT);
  pid_t child = fork();
  if (child == 0) {
    for (;;) {
      ssize_t n = msgrcv(pp, &m, 8192, 1, 0);
      if (n <= 0) _exit(0);
      m.type = 2; msgsnd(pp, &m, n, 0);
    }
  }
  for (int i = 0; i < 2000; i++) { m.type = 1; msgsnd(pp, &m, 64, 0); msgrcv(pp, &m, 8192, 2, 0); }
  static double samples[${PING_SAMPLES}];
  double total = 0;
  for (int i = 0; i < ${PING_SAMPLES}; i++) {
    double t = now_ns();
    m.type = 1; msgsnd(pp, &m, 64, 0); msgrcv(pp, &m, 8192, 2, 0);
    samples[i] = now_ns() - t; total += samples[i];
  }
  qsort(samples, ${PING_SAMPLES}, sizeof(double), by_value);
  printf("${PING_C} p50\\t%.1f\\n${PING_C} avg\\t%.1f\\n", samples[${PING_SAMPLES} / 2], total / ${PING_SAMPLES});
  msgctl(pp, IPC_RMID, NULL);
  waitpid(child, NULL, 0);
`, `#include <unistd.h>
#include <sys/wait.h>
static int by_value(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
`);

const php = phpBench(`
  $q = msg_get_queue(0);
  try {
    $d = str_repeat("x", 64);
    bench("${RAW}", 500000, function () use ($q, $d) { msg_send($q, 1, $d, false); msg_receive($q, 0, $t, 8192, $m, false); return $m; });
    $a = ${SMALL_ARRAY_PHP};
    bench("${SERIALIZED}", 500000, function () use ($q, $a) { msg_send($q, 1, $a); msg_receive($q, 0, $t, 8192, $m); return $m; });
  } finally { msg_remove_queue($q); }
`);

// --- two processes --------------------------------------------------------------------------------
const pingQueue = MessageQueue.create(ftok(import.meta.path, "p"));
const ping = new Uint8Array(64).fill(0x70);
const pong = Bun.spawn([process.execPath, join(HERE, "msg/pong.ts"), String(pingQueue.key)], { stdout: "inherit", stderr: "inherit" });
let ipcReply: ((m: unknown) => void) | undefined;
const ipcChild = Bun.spawn([process.execPath, join(HERE, "msg/ipc-echo.ts")], {
  stdout: "inherit", stderr: "inherit", ipc(message) { ipcReply?.(message); },
});
const nextIpcMessage = () => new Promise<unknown>((resolve) => (ipcReply = resolve));
/**
 * Times `n` round trips one by one, after a second of them to warm up (JIT, and the scheduler settling the
 * two processes: the first thousands of round trips can be 30x slower): p50 and mean in ns.
 */
async function roundTrips(n: number, once: () => unknown): Promise<{ p50: number; avg: number }> {
  for (const end = performance.now() + 1000; performance.now() < end;) await once();
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = Bun.nanoseconds();
    await once();
    samples[i] = Bun.nanoseconds() - t;
  }
  samples.sort();
  return { p50: samples[n >> 1], avg: samples.reduce((a, b) => a + b, 0) / n };
}

let remote: Record<string, { p50: number; avg: number }>;
try {
  await nextIpcMessage(); // "ready"
  remote = {
    [PING_SYNC]: await roundTrips(PING_SAMPLES, () => {
      pingQueue.sendSync(1, ping, { serialize: false });
      return pingQueue.receiveBytesSync({ type: 2 });
    }),
    [PING_ASYNC]: await roundTrips(PING_SAMPLES, () => {
      pingQueue.sendSync(1, ping, { serialize: false });
      return pingQueue.receiveBytes({ type: 2 });
    }),
    [PING_IPC]: await roundTrips(PING_SAMPLES, () => {
      const reply = nextIpcMessage();
      ipcChild.send(ping);
      return reply;
    }),
  };
} finally {
  pingQueue.sendSync(1, new Uint8Array(0), { serialize: false });
  await pong.exited;
  pingQueue.remove();
  ipcChild.send("stop");
  await ipcChild.exited;
}

// --- wake latency and idle CPU --------------------------------------------------------------------
const wakeQueue = MessageQueue.create(0);
const wakes: number[] = [];
try {
  for (let i = 0; i < 600; i++) {
    const waiting = wakeQueue.receiveBytes();
    await Bun.sleep(1); // the waiter thread is now blocked in msgrcv
    const t0 = performance.now();
    wakeQueue.sendSync(1, ping, { serialize: false });
    await waiting;
    if (i >= 100) wakes.push((performance.now() - t0) * 1e3);
  }
} finally {
  wakeQueue.remove();
}
wakes.sort((a, b) => a - b);
const percentile = (p: number) => wakes[Math.min(wakes.length - 1, Math.floor((p / 100) * wakes.length))];
type Window = { wallMs: number; userUs: number; systemUs: number };
const idle = JSON.parse(Bun.spawnSync([process.execPath, join(HERE, "msg/idle.ts")]).stdout.toString()) as { receive: Window; sleep: Window };
const cpu = (w: Window) => `${((w.userUs + w.systemUs) / 1000).toFixed(2)} ms in ${w.wallMs.toFixed(0)} ms (${(((w.userUs + w.systemUs) / 1000 / w.wallMs) * 100).toFixed(2)}% of one core)`;

writeSection("msg", "Message queues", [
  "One process, one queue, each op measured by mitata in a fresh process (bench/msg/local.ts). Ours: `sendSync(1, Uint8Array, { serialize: false })` + `receiveBytesSync()` (a new Uint8Array each time)",
  "or + `receiveIntoSync(buffer)`, and `sendSync(1, array)` +",
  "`receiveSync()` (PHP serialize format both ways). Floor: the two libc calls through bun:ffi with no layer. C: `msgsnd` + `msgrcv`",
  "(gcc -O2). PHP 8.2: `msg_send` + `msg_receive` (raw, and serialized). Small array: `[1, \"two\", 3.5, true, null, [\"k\" => \"v\"]]`.",
  "",
  table([
    { op: RAW, ours: local[RAW], vs: { C: c[RAW], "bun:ffi floor": local[FFI_FLOOR], "PHP 8.2": php[RAW] }, goal: "<= 1.15x C" },
    { op: RAW_INTO, ours: local[RAW_INTO], vs: { C: c[RAW], "bun:ffi floor": local[FFI_FLOOR], "PHP 8.2": php[RAW] }, goal: "<= 1.15x C" },
    { op: SERIALIZED, ours: local[SERIALIZED], vs: { "PHP 8.2": php[SERIALIZED] }, goal: "< 1x PHP" },
  ]),
  "",
  `Two processes, 64 B each way: median (p50) of ${PING_SAMPLES} round trips timed one by one (cross-CPU wake-ups on this VM make`,
  "means swing by 10x between runs; means below). Partner: `bench/msg/pong.ts` (sync API), `bench/msg/ipc-echo.ts` (`process.send`),",
  "a forked C child.",
  "",
  table([PING_SYNC, PING_ASYNC].map((op) => ({
    op, ours: remote[op].p50, vs: { "C<->C": c[`${PING_C} p50`], "Bun.spawn IPC": remote[PING_IPC].p50 },
    goal: op === PING_SYNC ? "<= 0.67x Bun.spawn IPC" : "",
  }))),
  "",
  `Means: ${[PING_SYNC, PING_ASYNC, PING_IPC].map((op) => `${op} ${(remote[op].avg / 1000).toFixed(2)} µs`).join("; ")}; ` +
    `${PING_C} ${(c[`${PING_C} avg`] / 1000).toFixed(2)} µs.`,
  "",
  `Wake latency of the awaitable receive (sendSync → continuation after \`await queue.receiveBytes()\`, waiter thread blocked in msgrcv, ${wakes.length} samples):`,
  `p50 ${percentile(50).toFixed(1)} µs, p99 ${percentile(99).toFixed(1)} µs, max ${wakes[wakes.length - 1].toFixed(1)} µs.`,
  `CPU (user + system) of a process idling in an awaitable receive: ${cpu(idle.receive)};`,
  `the same process in a plain \`await Bun.sleep(1000)\`: ${cpu(idle.sleep)} (median of 3 windows each).`,
].join("\n"));
