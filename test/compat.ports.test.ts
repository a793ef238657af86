/**
 * Straight ports type-check (issue 11): a sysvsem+sysvshm counter and a sysvmsg producer/consumer, written
 * as PHP writes them (`=== false` checks, `ref()` boxes, arithmetic on `shm_get_var`), pass `tsc` without
 * casts, and run against the real PHP originals on the same key file, both directions.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanupKeyFile, tempFile } from "./helpers/ipc.ts";

const DIR = join(import.meta.dir, "fixtures/ports");
const files: string[] = [];

function keyFile(): string {
  const file = tempFile("port");
  files.push(file);
  return file;
}

afterAll(() => {
  for (const file of files) cleanupKeyFile(file);
});

/** Runs a port (`bun x.ts` or `php x.php`) to completion; bounded so a blocked receive cannot hang the suite. */
function run(command: string[]) {
  return Bun.spawn(command, { cwd: DIR, stdout: "pipe", stderr: "pipe", timeout: 20_000 });
}

async function output(proc: ReturnType<typeof run>): Promise<string> {
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  if (code !== 0) throw new Error(`exit ${code}: ${err}${out}`);
  expect(err).toBe("");
  return out.trim();
}

describe("compat ports of PHP programs", () => {
  test("type-check as written (tsc, no casts)", () => {
    const r = Bun.spawnSync([process.execPath, "x", "tsc", "--noEmit", "-p", join(DIR, "tsconfig.json")], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    expect(r.stdout.toString() + r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("counter: PHP and Bun increment one shared variable under one semaphore, concurrently", async () => {
    const file = keyFile();
    const [php, bun] = [run(["php", "counter.php", file, "200"]), run([process.execPath, "counter.ts", file, "200"])];
    const outs = await Promise.all([output(php), output(bun)]);
    for (const out of outs) expect(out).toMatch(/^hits: \d+$/);
    expect(await output(run(["php", "counter.php", file]))).toBe("hits: 401");
    expect(await output(run([process.execPath, "counter.ts", file]))).toBe("hits: 402");
  });

  test("producer.ts -> consumer.php, and producer.php -> consumer.ts", async () => {
    const a = keyFile();
    await output(run([process.execPath, "producer.ts", a, "100"]));
    expect(await output(run(["php", "consumer.php", a]))).toBe("tasks: 100, sum: 5050");
    const b = keyFile();
    await output(run(["php", "producer.php", b, "100"]));
    expect(await output(run([process.execPath, "consumer.ts", b]))).toBe("tasks: 100, sum: 5050");
  });
});
