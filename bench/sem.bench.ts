/**
 * Semaphores: one uncontended acquire + release of a PHP-protocol semaphore (SEM_UNDO on both ops).
 * Ours: `acquireSync()` + `release()`, `tryAcquire()` + `release()`, and the awaitable `await acquire()`
 * + `release()` (a free permit is taken on the main thread, no waiter thread involved); plain
 * `libc.semop` through bun:ffi as the floor; C (gcc -O2) `semop` down + up; PHP 8.2 `sem_acquire` +
 * `sem_release`. Also the wake-up of an awaited acquire when another process releases (round trip
 * through a waiter thread).
 *
 * @example
 * ```sh
 * bun run bench sem
 * ```
 */
import { do_not_optimize } from "mitata";
import { Semaphore } from "../src/index.ts";
import { SEM_UNDO } from "../src/ffi/constants.ts";
import { libc } from "../src/ffi/libc.ts";
import { packSembufs } from "../src/ffi/structs.ts";
import { cBench, measure, phpBench, table, writeSection } from "./lib/harness.ts";

const SYNC = "acquireSync+release";
const TRY = "tryAcquire+release";
const ASYNC = "await acquire+release (free permit)";
const FLOOR = "libc.semop down+up via bun:ffi (floor)";
const PAIR = "acquire+release";
const HANDOFF = "handoff: release → awaited acquire wakes (same process, waiter thread)";

const sem = Semaphore.create(0x7e5a0101, { maxCount: 1 });
const down = packSembufs([{ num: 0, op: -1, flags: SEM_UNDO }]);
const up = packSembufs([{ num: 0, op: 1, flags: SEM_UNDO }]);
let ours: Record<string, number>;
let handoff = 0;
try {
  for (let i = 0; i < 20000; i++) { sem.acquireSync().release(); sem.tryAcquire()!.release(); (await sem.acquire()).release(); }
  ours = await measure({
    [SYNC]: () => { sem.acquireSync(); sem.release(); },
    [FLOOR]: () => { libc.semop(sem.id, down, 1); do_not_optimize(libc.semop(sem.id, up, 1)); },
    [TRY]: () => { do_not_optimize(sem.tryAcquire()); sem.release(); },
    [ASYNC]: async () => { (await sem.acquire()).release(); },
  });
  // Handoff latency: hold the permit, start an awaited acquire (it goes to a waiter thread), release.
  using other = Semaphore.open(sem.key);
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const held = other.acquireSync();
    const waiting = sem.acquire();
    await Bun.sleep(0);
    const t0 = Bun.nanoseconds();
    held.release();
    (await waiting).release();
    samples.push(Bun.nanoseconds() - t0);
  }
  samples.sort((a, b) => a - b);
  handoff = samples[samples.length >> 1];
  console.log(`${HANDOFF}: p50 ${(handoff / 1000).toFixed(1)} µs, p99 ${(samples[Math.floor(samples.length * 0.99)] / 1000).toFixed(1)} µs`);
} finally {
  sem.remove();
  sem.close();
}

const php = phpBench(`
  $s = sem_get(0x7e5a0102);
  bench('${PAIR}', 500000, function () use ($s) { sem_acquire($s); sem_release($s); });
  sem_remove($s);
`);
const c = cBench("sem", `
  int id = semget(IPC_PRIVATE, 3, 0600 | IPC_CREAT);
  semctl(id, 0, SETVAL, 1);
  struct sembuf d = { 0, -1, SEM_UNDO }, u = { 0, 1, SEM_UNDO };
  BENCH("${PAIR}", 2000000, { semop(id, &d, 1); semop(id, &u, 1); });
  semctl(id, 0, IPC_RMID);
`);

const vs = { C: c[PAIR], "PHP 8.2": php[PAIR], "bun:ffi floor": ours[FLOOR] };
writeSection("sem", "Semaphores (PHP sysvsem protocol)", `${table([
  { op: SYNC, ours: ours[SYNC], vs, goal: "<= 1.15x C" },
  { op: TRY, ours: ours[TRY], vs, goal: "<= 1.15x C" },
  { op: ASYNC, ours: ours[ASYNC], vs },
])}

Each row is one uncontended acquire + release with SEM_UNDO (two semop calls), as PHP's \`sem_acquire\` + \`sem_release\`.
${HANDOFF}: p50 ${(handoff / 1000).toFixed(1)} µs.`);
