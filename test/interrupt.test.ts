/**
 * Ctrl-C in the middle of `bun test` (issue 8, defect 6): a real `bun test` run, killed with SIGINT,
 * SIGTERM or SIGHUP while its test is making objects, leaves no IPC object of its keys or ids in
 * `/proc/sysvipc`, no temp folder and no PHP child, and exits with 128 + the signal's number; a run that
 * ends normally leaves no temp folder either.
 */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { listIpc } from "../src/inspect/sysvipc.ts";
import { waitGone } from "./helpers/procs.ts";

const ROOT = join(import.meta.dir, "..");
const FIXTURE = "./test/fixtures/interrupt/work.fixture.ts";

interface Made {
  keys: number[];
  ids: number[];
  dirs: string[];
  php: number;
}

/** Runs the fixture under `bun test`; once it has made its objects, sends `signal` (if any). */
async function runFixture(signal: "SIGINT" | "SIGTERM" | "SIGHUP" | undefined) {
  const proc = Bun.spawn([process.execPath, "test", FIXTURE], {
    cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe", timeout: 60_000, killSignal: "SIGKILL",
    env: { ...process.env, FIXTURE_MODE: signal ? "work" : "finish" },
  });
  const stderr = new Response(proc.stderr).text();
  const decoder = new TextDecoder();
  let output = "";
  let made: Made | undefined;
  const reader = proc.stdout.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    output += decoder.decode(value, { stream: true });
    if (made === undefined) {
      const line = /^MADE (.*)$/m.exec(output);
      if (line === null) continue;
      made = JSON.parse(line[1]) as Made;
      expect(made.keys.every((key) => listIpc().some((o) => o.key === key))).toBe(true); // they were there
      proc.stdin.end(); // checked: a fixture that finishes may clean up now
      if (signal) {
        await Bun.sleep(100); // mid-work: objects are being made and removed
        proc.kill(signal);
      }
    }
  }
  const status = await proc.exited;
  if (made === undefined) throw new Error(`the fixture stopped before making its objects: ${output}${await stderr}`);
  const keys = [...output.matchAll(/^KEY (-?\d+)$/gm)].map((m) => Number(m[1]));
  return { made, keys, status };
}

describe("an interrupted bun test leaves nothing behind", () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    test(`${signal}: exit 128 + ${constants.signals[signal]}; no object of its keys or ids, no temp folder, no PHP child`, async () => {
      const { made, keys, status } = await runFixture(signal);
      expect(status).toBe(128 + constants.signals[signal]);
      expect(keys.length).toBeGreaterThan(made.keys.length); // it was interrupted mid-work
      const left = listIpc().filter((o) => keys.includes(o.key) || (o.kind === "msg" && made.ids.includes(o.id)));
      expect(left).toEqual([]);
      for (const dir of made.dirs) expect(existsSync(dir)).toBe(false);
      expect(await waitGone(made.php, 1000)).toBe(true);
    }, 60_000);
  }

  test("a run that ends normally removes its temp folders and objects too", async () => {
    const { made, keys, status } = await runFixture(undefined);
    expect(status).toBe(0);
    expect(listIpc().filter((o) => keys.includes(o.key))).toEqual([]);
    for (const dir of made.dirs) expect(existsSync(dir)).toBe(false);
  }, 60_000);
});
