/**
 * `bun run bench`: runs every `bench/*.bench.ts` (or those matching the arguments) one after another,
 * then assembles `bench/RESULTS.md` from the sections they wrote (machine, versions, date, tables).
 *
 * @example
 * ```sh
 * bun run bench            # all
 * bun run bench shm        # only bench/shm.bench.ts
 * ```
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { RESULTS_DIR } from "./lib/harness.ts";

const dir = import.meta.dir;
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

for (const f of files) {
  console.log(`\n=== ${f}`);
  const r = Bun.spawnSync(["bun", "run", join(dir, f)], { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) { console.error(`${f} failed with exit code ${r.exitCode}`); process.exitCode = 1; }
}

const version = (cmd: string[]) => Bun.spawnSync(cmd).stdout.toString().split("\n")[0].trim();
const sections = readdirSync(RESULTS_DIR).filter((f) => f.endsWith(".md")).sort()
  .map((f) => readFileSync(join(RESULTS_DIR, f), "utf8").trim());
const header = [
  "# Benchmark results",
  "",
  "Written by `bun run bench` (each section by its `bench/*.bench.ts`; sections of benches not re-run keep their last numbers).",
  "Times are mean ns per operation from one run on one machine; compare the ratios within a row (`ours/X` below 1 means we are faster).",
  "",
  `- date: ${new Date().toISOString()}`,
  `- machine: ${cpus()[0]?.model ?? "?"} x ${cpus().length}, Linux ${release()}`,
  `- bun ${Bun.version}; ${version(["php", "-v"])}; ${version(["gcc", "--version"])}`,
  "",
];
writeFileSync(join(dir, "RESULTS.md"), `${header.join("\n")}\n${sections.join("\n\n")}\n`);
console.log(`\nwrote bench/RESULTS.md (${sections.length} sections)`);
