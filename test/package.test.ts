/**
 * The package as a user gets it (issue 11): `bun pm pack`, `bun add <tarball>` into a fresh project, then
 * the README's first program (Bun sends, real PHP answers) and a compat round trip run from there, and the
 * user's `tsc` with `bun init`'s strict flags accepts code importing both entry points.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupKeyFile, tempDir } from "./helpers/ipc.ts";

const ROOT = join(import.meta.dir, "..");
const TMP = tempDir("bun-sysv-pack-"); // removed when the run ends, also when interrupted
const APP = join(TMP, "app");
const keyFiles: string[] = [];

afterAll(() => {
  for (const file of keyFiles) cleanupKeyFile(file);
  rmSync(join(ROOT, "types"), { recursive: true, force: true }); // made by prepack (build:types), gitignored
});

function sh(command: string[], cwd: string, timeout = 60_000) {
  const r = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe", timeout, env: { ...process.env, NO_COLOR: "1" } });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function ok(r: ReturnType<typeof sh>): string {
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The README's first section: its `php hello.php` block and the `ts` block after it. */
function firstProgram(): { php: string; ts: string } {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Add it to your Bun project"));
  const php = /```php hello\.php\n([\s\S]*?)\n```/.exec(section)?.[1];
  const ts = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!php || !ts) throw new Error("README's first section has no hello.php + ts program");
  return { php, ts };
}

let tarball = "";

describe("packed and installed into a fresh project", () => {
  test("bun pm pack: library sources, type declarations and docs; no tests, examples or benchmarks", () => {
    const out = ok(sh([process.execPath, "pm", "pack", "--destination", TMP, "--quiet"], ROOT, 120_000)).trim().split("\n");
    tarball = out[out.length - 1].trim();
    expect(tarball).toEndWith(".tgz");
    const entries = ok(sh(["tar", "-tzf", tarball], TMP)).split("\n").filter(Boolean);
    for (const file of ["src/index.ts", "compat/index.ts", "src/pool/worker.ts", "types/src/index.d.ts", "types/compat/index.d.ts", "types/src/pool/worker.d.ts", "README.md", "package.json"]) {
      expect(entries).toContain(`package/${file}`);
    }
    expect(entries.filter((e) => /^package\/(test|examples|bench|node_modules|\.ci)\//.test(e))).toEqual([]);
  }, 130_000);

  test("bun add <tarball> installs bun-sysv and nothing else", () => {
    mkdirSync(APP);
    writeFileSync(join(APP, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    ok(sh([process.execPath, "add", tarball], APP));
    expect(readdirSync(join(APP, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["bun-sysv"]);
    const installed = JSON.parse(readFileSync(join(APP, "node_modules/bun-sysv/package.json"), "utf8"));
    expect(installed.dependencies ?? {}).toEqual({});
  });

  test("the README's first program: Bun sends, PHP answers, Bun prints the answer", () => {
    const { php, ts } = firstProgram();
    writeFileSync(join(APP, "hello.php"), `${php}\n`);
    writeFileSync(join(APP, "hello.ts"), `${ts}\n`);
    const out = ok(sh([process.execPath, "hello.ts"], APP, 20_000));
    expect(out).toContain('from: "php"');
    expect(out).toContain("n: 42");
  });

  test("bun-sysv/compat from the installed package: Bun -> PHP -> Bun", () => {
    const keyFile = join(TMP, "compat.key");
    writeFileSync(keyFile, "");
    keyFiles.push(keyFile);
    writeFileSync(join(APP, "compat.ts"), `
import { ftok, msg_get_queue, msg_receive, msg_remove_queue, msg_send, ref, MSG_IPC_NOWAIT } from "bun-sysv/compat";
const keyFile = process.argv[2] ?? "";
const queue = msg_get_queue(ftok(keyFile, "c"));
if (queue === false) process.exit(1);
msg_send(queue, 1, { n: 1, text: "from bun" });
const php = '$q = msg_get_queue(ftok($argv[1], "c")); msg_receive($q, 1, $t, 1024, $m); msg_send($q, 2, [$m["text"], $m["n"] + 1]);';
Bun.spawnSync(["php", "-r", php, "--", keyFile], { stdio: ["inherit", "inherit", "inherit"], timeout: 10000 });
const type = ref(), message = ref();
const got = msg_receive(queue, 2, type, 1024, message, true, MSG_IPC_NOWAIT);
msg_remove_queue(queue);
console.log(JSON.stringify([got, type.value, message.value]));
`);
    expect(ok(sh([process.execPath, "compat.ts", keyFile], APP, 20_000)).trim()).toBe('[true,2,["from bun",2]]');
  });

  test("a pool whose worker script imports bun-sysv/worker (the light entry) runs from the installed package", () => {
    writeFileSync(join(APP, "double.worker.ts"), `
import { serveTasks } from "bun-sysv/worker";
const { reason } = await serveTasks((n: number) => n * 2);
process.exit(reason === "stop" ? 0 : 1);
`);
    writeFileSync(join(APP, "pool.ts"), `
import { WorkerPool } from "bun-sysv";
const pool = WorkerPool.start<number, number>({ workers: [{ command: [process.execPath, "double.worker.ts"], count: 2 }] });
let sum = 0;
try {
  for (let i = 0; i < 500; i++) pool.submit(i);
  pool.finish();
  for await (const o of pool.results()) if (o.status === "done") sum += o.result;
} finally {
  const { done, lost } = await pool.close({ timeoutMs: 15_000 });
  console.log(JSON.stringify({ sum, done, lost: lost.length }));
}
`);
    expect(JSON.parse(ok(sh([process.execPath, "pool.ts"], APP, 30_000)).trim())).toEqual({ sum: 499 * 500, done: 500, lost: 0 });
  }, 40_000);

  test("the user's tsc with bun init's strict flags checks the user's code against the declarations", () => {
    writeFileSync(join(APP, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        lib: ["ESNext"], target: "ESNext", module: "Preserve", moduleDetection: "force", types: ["bun"],
        typeRoots: [join(ROOT, "node_modules/@types")], moduleResolution: "bundler", allowImportingTsExtensions: true,
        verbatimModuleSyntax: true, noEmit: true, strict: true, skipLibCheck: true, noFallthroughCasesInSwitch: true,
        noUncheckedIndexedAccess: true, noImplicitOverride: true,
      },
      include: ["*.ts"],
    }));
    writeFileSync(join(APP, "typed.ts"), `
import { IPC_PRIVATE, MessageQueue } from "bun-sysv";
import { msg_get_queue } from "bun-sysv/compat";
import { serveTasks } from "bun-sysv/worker";
export const serve: (handle: (task: number) => number) => Promise<{ handled: number }> = serveTasks;
const queue = MessageQueue.create(IPC_PRIVATE);
// @ts-expect-error: ids are numbers, so the declarations are really read
const id: string = queue.id;
queue.remove();
export const q = msg_get_queue;
`);
    const r = sh([process.execPath, "x", "tsc", "--noEmit", "-p", join(APP, "tsconfig.json")], ROOT, 120_000);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  }, 130_000);
});
