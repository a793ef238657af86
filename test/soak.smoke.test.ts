/**
 * The soak driver (`bench/soak.ts`) for 5 seconds: real Bun and PHP workers, random aborts, closes and
 * SIGKILLs; nothing lost, nothing duplicated, nothing left in /proc/sysvipc under its keys. Plus the
 * loss rule of its ledger on hand-made logs (a kill can excuse only the message the killed process
 * had claimed).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { laneLedger, workLedger } from "../bench/soak/ledger.ts";

const dir = mkdtempSync(join(tmpdir(), "bun-sysv-soak-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Keys present in /proc/sysvipc/<kind> (first column, signed like ftok's). */
function kernelKeys(kind: "msg" | "sem" | "shm"): Set<number> {
  const rows = readFileSync(`/proc/sysvipc/${kind}`, "utf8").trim().split("\n").slice(1);
  return new Set(rows.map((row) => Number(row.trim().split(/\s+/)[0])));
}

test("5 s of mixed PHP/Bun traffic: 0 lost, 0 duplicated, exact counter, nothing left", async () => {
  // Every lane consumer kills itself inside the receive-to-log window after 20-300 messages.
  const args = ["--seconds", "5", "--quiet", "--self-kill", "1", "--die-within", "300"];
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "bench", "soak.ts"), ...args], {
    stdout: "pipe", stderr: "pipe", timeout: 14_000, // SIGTERM: the driver removes what it made
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  const last = stdout.trim().split("\n").at(-1) ?? "";
  if (!last.startsWith("{")) throw new Error(`no JSON line from the soak:\n${stdout}\n${stderr}`);
  const r = JSON.parse(last);
  expect(r.crashed).toEqual([]);
  expect(r.hung).toEqual([]);
  expect(r.work.sent).toBeGreaterThan(0);
  expect(r.lanes.sent).toBeGreaterThan(0);
  expect([r.work.lost, r.work.duplicated, r.work.phantom]).toEqual([0, 0, 0]);
  expect([r.lanes.lost, r.lanes.duplicated, r.lanes.phantom, r.lanes.mismatched]).toEqual([0, 0, 0, 0]);
  // Each self-kill took one message (two on the resume path) it never logged: excused by its claim, not lost.
  expect(r.kills.self).toBeGreaterThan(0);
  expect(r.lanes.killedInFlight).toBeGreaterThanOrEqual(r.kills.self);
  expect(r.lanes.received + r.lanes.drained + r.lanes.killedInFlight).toBe(r.lanes.sent);
  expect(r.work.received + r.work.drained).toBe(r.work.sent);
  expect(r.vars.exact).toBe(true);
  expect(r.sem.value).toBe(r.sem.max);
  expect(r.leftIpc).toBe(0);
  const { work, lanes, vars, sem } = r.keys as Record<string, number>;
  expect(kernelKeys("msg").has(work!) || kernelKeys("msg").has(lanes!)).toBe(false);
  expect(kernelKeys("shm").has(vars!)).toBe(false);
  expect(kernelKeys("sem").has(vars!) || kernelKeys("sem").has(sem!)).toBe(false);
}, 15_000);

test("a planted loss (a consumer that does not log 1% of what it takes) makes the soak fail", async () => {
  const args = ["--seconds", "2", "--quiet", "--drop-log", "0.01"];
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "bench", "soak.ts"), ...args], {
    stdout: "pipe", stderr: "pipe", timeout: 12_000,
  });
  const stdout = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(1);
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  expect(r.ok).toBe(false);
  expect(r.work.lost).toBeGreaterThan(0);
  expect(r.work.received + r.work.drained + r.work.lost).toBe(r.work.sent);
  expect(r.leftIpc).toBe(0);
}, 15_000);

test("ledger: a kill excuses only the message the killed consumer had claimed", () => {
  const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };
  const producer = write("p.log", ["s L0:0", "s L0:1", "s L0:2", "s L0:3", "s L1:0", "s L1:1"].join("\n") + "\n");
  // lane 0: pid 10 claimed 1 and was killed; pid 11 took 0 (before), 2, 3. lane 1: pid 20 (alive) claimed 1, never got it.
  const lane0 = write("lane-0.log", "c 0 10\ng 0 10\nc 1 10\nc 1 11\nc 2 11\nx 1 11\ng 2 11\nc 3 11\ng 3 11\n");
  const lane1 = write("lane-1.log", "c 0 20\ng 0 20\nc 1 20\n");
  const t = laneLedger([producer], new Map([[0, lane0], [1, lane1]]), [], new Set([10]));
  expect(t.killedInFlight).toBe(1); // L0:1, claimed by killed pid 10
  expect(t.lost).toBe(1);           // L1:1, claimed only by a live process
  expect(t.examples).toContain("lost L1:1");
  const again = laneLedger([producer], new Map([[0, lane0], [1, lane1]]), ["L1:1"], new Set([10]));
  expect(again.lost).toBe(0);       // still in the queue at the end: drained, not lost

  const sent = write("w.log", "s b1:0\ns b1:1\ns b1:2\n");
  const got = write("c.log", "g b1:0\ng b1:2\ng b1:2\n");
  const w = workLedger([sent], [got], []);
  expect([w.sent, w.received, w.lost, w.duplicated]).toEqual([3, 3, 1, 1]);
});
