/**
 * Every fenced ```ts block of README.md and docs/*.md is type-checked (one `tsc` run for all) and run with
 * bun: it must exit 0 within the time limit and leave no System V object behind. Blocks are written to a
 * temp folder inside the repository, so `bun-sysv` and `bun-sysv/compat` resolve as in a user's project
 * (package self-reference; tsconfig `paths` for tsc). A block fenced ```php <name>.php is written as that
 * file beside them (the README's first program runs a PHP script). A block fenced ```ts no-run is only
 * type-checked: use it for the rare block that cannot run on its own.
 *
 * Each block runs in its own IPC namespace (`unshare --ipc`, as root) so what it leaves is seen exactly,
 * whatever else the machine runs; without unshare, the machine's objects before and after are compared.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const DIR = join(ROOT, `.snippets-${process.pid}`);
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

interface Block {
  /** `README.md:42`: the line of the opening fence. */
  where: string;
  file: string;
  code: string;
  run: boolean;
}

/** The fenced blocks of one markdown file: ```ts blocks, and ```php blocks that name a file. */
function blocksOf(doc: string): { ts: Block[]; files: Array<{ name: string; code: string }> } {
  const lines = readFileSync(join(ROOT, doc), "utf8").split("\n");
  const ts: Block[] = [];
  const files: Array<{ name: string; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const [, lang, info] = open;
    if (lang === "ts") {
      const stem = doc.replace(/\.md$/, "").replace(/[/.]/g, "_");
      ts.push({ where: `${doc}:${start + 1}`, file: `${stem}_${start + 1}.ts`, code: body.join("\n"), run: !/\bno-run\b/.test(info) });
    } else if (lang === "php" && /^[\w.-]+\.php$/.test(info.trim())) {
      files.push({ name: info.trim(), code: body.join("\n") });
    }
  }
  return { ts, files };
}

const blocks: Block[] = [];
mkdirSync(DIR, { recursive: true });
for (const doc of DOCS) {
  const { ts, files } = blocksOf(doc);
  for (const f of files) writeFileSync(join(DIR, f.name), `${f.code}\n`);
  for (const b of ts) {
    // Line 1 names the source; the block starts on line 2 (tsc errors are mapped back below).
    writeFileSync(join(DIR, b.file), `// ${b.where}\n${b.code}\nexport {};\n`);
    blocks.push(b);
  }
}
writeFileSync(join(DIR, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.json", include: ["*.ts"] }));

const SNIPPET_TMP = join(DIR, "tmp");
mkdirSync(SNIPPET_TMP, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** `tsc` output with `README_42.ts(5,3)` turned into `README.md:46:3` (the doc's own line). */
function mapped(output: string): string {
  return output.replace(/([\w-]+)_(\d+)\.ts\((\d+),(\d+)\)/g, (all, stem: string, fence: string, line: string, col: string) => {
    const block = blocks.find((b) => b.file === `${stem}_${fence}.ts`);
    return block ? `${block.where.split(":")[0]}:${Number(fence) + Number(line) - 1}:${col}` : all;
  });
}

const UNSHARE = process.getuid?.() === 0 && Bun.which("unshare") !== null
  && Bun.spawnSync(["unshare", "--ipc", "true"]).exitCode === 0;

function sysvObjects(): string[] {
  return ["shm", "msg", "sem"].flatMap((k) => readFileSync(`/proc/sysvipc/${k}`, "utf8").trim().split("\n").slice(1).map((l) => `${k} ${l.trim().split(/\s+/)[1]}`));
}

/** Runs one block; returns its exit code, output, and the System V objects it left. */
function runBlock(file: string) {
  const before = UNSHARE ? [] : sysvObjects();
  const command = UNSHARE
    ? ["unshare", "--ipc", "--", "sh", "-c",
      '"$0" "$1"; rc=$?; echo "@@ipc@@"; tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem; exit $rc',
      process.execPath, file]
    : [process.execPath, file];
  // Blocks make their key files with mkdtemp(tmpdir()): keep those inside DIR, which afterAll removes.
  const env = { ...process.env, TMPDIR: SNIPPET_TMP };
  const r = Bun.spawnSync(command, { cwd: DIR, env, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  let stdout = r.stdout.toString();
  let left: string[];
  if (UNSHARE) {
    const at = stdout.lastIndexOf("@@ipc@@\n");
    left = at < 0 ? [] : stdout.slice(at + 8).split("\n").filter((l) => l.trim() !== "");
    if (at >= 0) stdout = stdout.slice(0, at);
  } else {
    const seen = new Set(before);
    left = sysvObjects().filter((o) => !seen.has(o));
  }
  return { exitCode: r.exitCode, signal: r.signalCode, stdout, stderr: r.stderr.toString(), left };
}

describe("README.md and docs/*.md code blocks", () => {
  test(`there are blocks to check (${blocks.length})`, () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.some((b) => b.where.startsWith("README.md"))).toBe(true);
  });

  test("every ts block type-checks (one tsc run)", () => {
    const r = Bun.spawnSync([process.execPath, "x", "tsc", "--noEmit", "-p", join(DIR, "tsconfig.json")], {
      cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 120_000,
    });
    expect(mapped(r.stdout.toString() + r.stderr.toString())).toBe("");
    expect(r.exitCode).toBe(0);
  }, 130_000);

  for (const block of blocks.filter((b) => b.run)) {
    test(`${block.where} runs, exits 0 and leaves no IPC object (${basename(block.file)})`, () => {
      const r = runBlock(block.file);
      const report = `${block.where}\nexit ${r.exitCode}${r.signal ? ` (${r.signal})` : ""}\n${r.stderr}${r.stdout}`;
      expect(r.exitCode === 0 ? "" : report).toBe("");
      expect(r.left).toEqual([]);
    }, 30_000);
  }
});
