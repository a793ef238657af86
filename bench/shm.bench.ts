/**
 * Shared memory: write + read of 64 B, 4 KiB and 1 MiB through one segment.
 * Ours: `SharedMemory.write(bytes)` + `SharedMemory.read(0, n)` (the read returns a fresh copy), and
 * `write` + `readInto(buffer)` (no allocation, like the C loop).
 * C: memcpy into and out of a shmat'd segment (gcc -O2; no allocation). PHP 8.2: shmop_write + shmop_read.
 *
 * @example
 * ```sh
 * bun run bench shm
 * ```
 */
import { do_not_optimize } from "mitata";
import { SharedMemory } from "../src/index.ts";
import { cBench, measure, phpBench, table, writeSection } from "./lib/harness.ts";

const SIZES = [
  { label: "64 B", n: 64, iterations: 1_000_000, goal: "<= 1.5x PHP" },
  { label: "4 KiB", n: 4096, iterations: 200_000, goal: "" },
  { label: "1 MiB", n: 1 << 20, iterations: 2_000, goal: "<= 1.2x C" },
];
const SEGMENT = 1 << 20;
const name = (label: string) => `write+read ${label}`;
const intoName = (label: string) => `write+readInto ${label}`;

const shm = SharedMemory.createPrivate(SEGMENT);
let ours: Record<string, number>;
try {
  const payloads = new Map(SIZES.map((s) => [s.n, Uint8Array.from({ length: s.n }, (_, i) => (i * 31) & 0xff)]));
  ours = await measure(Object.fromEntries(SIZES.flatMap((s) => {
    const data = payloads.get(s.n)!;
    const target = new Uint8Array(s.n);
    return [
      [name(s.label), () => { shm.write(data, 0); do_not_optimize(shm.read(0, s.n)); }],
      [intoName(s.label), () => { shm.write(data, 0); do_not_optimize(shm.readInto(target, 0)); }],
    ];
  })));
  // Same bytes seen through the segment (sanity: the benchmark moved real data).
  if (shm.read(0, 64).some((v, i) => v !== ((i * 31) & 0xff))) throw new Error("segment content is wrong");
} finally {
  shm.remove();
  shm.detach();
}

const c = cBench("shm", `
  int id = shmget(IPC_PRIVATE, ${SEGMENT}, 0600 | IPC_CREAT);
  char *seg = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  char *in = malloc(${SEGMENT}), *out = malloc(${SEGMENT});
  memset(in, 7, ${SEGMENT});
  ${SIZES.map((s) => `BENCH("${name(s.label)}", ${s.iterations}, { memcpy(seg, in, ${s.n}); memcpy(out, seg, ${s.n}); });`).join("\n  ")}
  shmdt(seg);
`);

const php = phpBench(`
  $s = shmop_open(0, "c", 0600, ${SEGMENT});
  try {
    ${SIZES.map((s) => `$d = str_repeat("x", ${s.n}); bench("${name(s.label)}", ${Math.min(s.iterations, 500_000)}, function () use ($s, $d) { shmop_write($s, $d, 0); return shmop_read($s, 0, ${s.n}); });`).join("\n    ")}
  } finally { shmop_delete($s); }
`);

writeSection("shm", "Shared memory (write + read through one segment)", [
  "Ours: `SharedMemory.write(Uint8Array)` + `SharedMemory.read(0, n)` (a new Uint8Array each time), or + `readInto(buffer)` (no allocation).",
  "C: `memcpy` in and out of a `shmat`'d segment into preallocated buffers. PHP 8.2: `shmop_write` + `shmop_read`.",
  "",
  table(SIZES.flatMap((s) => [name(s.label), intoName(s.label)].map((op) => ({
    op,
    ours: ours[op],
    vs: { "C memcpy": c[name(s.label)], "PHP 8.2": php[name(s.label)] },
    goal: s.goal,
  })))),
].join("\n"));
