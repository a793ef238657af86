/**
 * The benchmark harness: time our code with mitata, the same work in PHP 8.2 (a PHP script run in the
 * same bench) and in C (compiled with gcc at bench time), and write one markdown section of ratios per
 * bench file into `bench/results/`, which `bun run bench` assembles into `bench/RESULTS.md`.
 *
 * @example
 * ```ts
 * const ours = await measure({ "write+read 64 B": () => { shm.write(b, 0); shm.read(0, 64); } });
 * const php = phpBench(`bench('write+read 64 B', 200000, fn() => ...);`);
 * const c = cBench(`BENCH("write+read 64 B", 200000, { ... });`);
 * await writeSection("shm", "Shared memory", table([{ op: "write+read 64 B", ours: ours["write+read 64 B"], c: c[...], php: php[...] }]));
 * ```
 */
import { bench, run, summary } from "mitata";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const HERE = import.meta.dir;
const BUILD = join(HERE, "..", ".build");
export const RESULTS_DIR = join(HERE, "..", "results");

/**
 * Runs each function under mitata (printing mitata's usual output) and returns mean ns/op by name.
 * The first entry is the baseline of mitata's summary.
 */
export async function measure(defs: Record<string, () => unknown>): Promise<Record<string, number>> {
  summary(() => {
    let first = true;
    for (const [name, fn] of Object.entries(defs)) {
      const b = bench(name, fn);
      if (first) b.baseline(true);
      first = false;
    }
  });
  const { benchmarks } = await run();
  const out: Record<string, number> = {};
  for (const b of benchmarks) {
    for (const r of b.runs) if (r.stats) out[r.name] = r.stats.avg;
  }
  return out;
}

/** Parses `name<TAB>ns` lines printed by the PHP and C anchors. */
function parseTimes(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [name, ns] = line.split("\t");
    if (name && ns !== undefined && !Number.isNaN(Number(ns))) out[name] = Number(ns);
  }
  return out;
}

const PHP_PRELUDE = `
function bench(string $name, int $n, callable $f) {
  $f(); $t = hrtime(true); for ($i = 0; $i < $n; $i++) $f(); $dt = hrtime(true) - $t;
  printf("%s\\t%.1f\\n", $name, $dt / $n);
}
`;

/**
 * Runs PHP 8.2 code in which `bench($name, $iterations, $fn)` prints ns/op; returns ns/op by name.
 * `argv` becomes `$argv[1..]`. Fails loudly if php is missing or errors.
 */
export function phpBench(code: string, argv: readonly string[] = []): Record<string, number> {
  const r = Bun.spawnSync(["php", "-d", "memory_limit=1G", "-r", PHP_PRELUDE + code, "--", ...argv], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`php bench failed (${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`);
  return parseTimes(r.stdout.toString());
}

const C_PRELUDE = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
#define BENCH(name, n, body) do { for (long _w = 0; _w < (n) / 10 + 1; _w++) { body; } \\
  double _t = now_ns(); for (long _i = 0; _i < (n); _i++) { body; __asm__ volatile("" ::: "memory"); } \\
  printf("%s\\t%.1f\\n", name, (now_ns() - _t) / (n)); } while (0)
`;

/**
 * Compiles `main`'s body with gcc -O2 (a `BENCH(name, n, { ... })` macro prints ns/op) and runs it.
 * `setup` is placed before main (helpers, globals).
 */
export function cBench(name: string, body: string, setup = ""): Record<string, number> {
  mkdirSync(BUILD, { recursive: true });
  const src = join(BUILD, `${name}.c`), bin = join(BUILD, name);
  writeFileSync(src, `${C_PRELUDE}\n${setup}\nint main(int argc, char **argv) {\n${body}\nreturn 0;\n}\n`);
  const cc = Bun.spawnSync(["gcc", "-O2", "-o", bin, src], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`gcc failed: ${cc.stderr.toString()}`);
  const r = Bun.spawnSync([bin], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${bin} failed: ${r.stderr.toString()}`);
  return parseTimes(r.stdout.toString());
}

/** One row of a results table: ns/op of ours and of each comparison, plus the goal it is held to. */
export interface Row {
  op: string;
  ours: number;
  /** Other measurements by column name ("C", "PHP 8.2", "php-serialize", ...). */
  vs: Record<string, number | undefined>;
  /** The goal, in words, e.g. "<= 1.2x C". */
  goal?: string;
}

function fmtNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** A markdown table: each comparison column shows its time and ours/it (below 1 = we are faster). */
export function table(rows: readonly Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r.vs)))];
  const head = `| operation | ours | ${cols.map((c) => `${c} | ours/${c}`).join(" | ")} | goal |`;
  const sep = `|${"---|".repeat(3 + cols.length * 2)}`;
  const body = rows.map((r) => {
    const cells = cols.map((c) => {
      const v = r.vs[c];
      return v === undefined ? "- | -" : `${fmtNs(v)} | ${(r.ours / v).toFixed(2)}x`;
    });
    return `| ${r.op} | ${fmtNs(r.ours)} | ${cells.join(" | ")} | ${r.goal ?? ""} |`;
  });
  return [head, sep, ...body].join("\n");
}

/** Writes this bench's section (`## title` + markdown) to `bench/results/<id>.md`. */
export function writeSection(id: string, title: string, markdown: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${id}.md`), `## ${title}\n\n${markdown.trim()}\n`);
  console.log(`\n## ${title}\n\n${markdown.trim()}\n`);
}
