/**
 * `cleanupOnTerminate` (src/cleanup): real Bun processes, really signalled. What was registered is
 * removed on SIGINT/SIGTERM/SIGHUP, the exit status is 128 + the signal's number, a program's own
 * listener keeps control of the exit, and a cancelled registration leaves the signal's default effect.
 */
import { describe, expect, test } from "bun:test";
import { constants } from "node:os";
import { join } from "node:path";
import { cleanupOnTerminate } from "../src/cleanup/index.ts";
import { listIpc, removeIpc } from "../src/inspect/sysvipc.ts";
import { waitGone } from "./helpers/procs.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "interrupt", "terminate.ts");
const queueExists = (id: number) => listIpc("msg").some((o) => o.id === id);

async function signalled(mode: string, signal: "SIGINT" | "SIGTERM" | "SIGHUP") {
  const proc = Bun.spawn([process.execPath, FIXTURE, mode], { stdout: "pipe", stderr: "pipe", timeout: 20_000, killSignal: "SIGKILL" });
  const reader = proc.stdout.getReader();
  let output = "";
  while (!/READY (\d+)/.test(output)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`fixture ended early: ${output}${await new Response(proc.stderr).text()}`);
    output += new TextDecoder().decode(value);
  }
  const id = Number(/READY (\d+)/.exec(output)![1]);
  expect(queueExists(id)).toBe(true);
  proc.kill(signal);
  const status = await proc.exited;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    output += new TextDecoder().decode(value);
  }
  const stderr = await new Response(proc.stderr).text();
  return { id, status, signalCode: proc.signalCode, stdout: output, stderr };
}

describe("cleanupOnTerminate", () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    test(`${signal}: the cleanups run, the queue is removed, exit 128 + ${constants.signals[signal]}`, async () => {
      const r = await signalled("alone", signal);
      expect(r.status).toBe(128 + constants.signals[signal]);
      expect(r.stdout).toContain("cleanup ran");
      expect(queueExists(r.id)).toBe(false);
      expect(r.stderr).toBe("");
    });
  }

  test("a program with its own listener decides when to exit; the cleanups still run", async () => {
    const r = await signalled("own", "SIGTERM");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("cleanup ran");
    expect(r.stdout).toContain("graceful stop");
    expect(queueExists(r.id)).toBe(false);
  });

  test("cancelled registrations leave no listener: the signal ends the process as by default", async () => {
    const r = await signalled("cancelled", "SIGINT");
    try {
      expect(r.signalCode).toBe("SIGINT");
      expect(r.stdout).not.toContain("cleanup ran");
      expect(queueExists(r.id)).toBe(true); // nothing removed it
    } finally {
      if (queueExists(r.id)) removeIpc("msg", r.id);
    }
  });

  test("newest first; a failing cleanup is reported and the rest still run; already removed is fine", async () => {
    const r = await signalled("failing", "SIGINT");
    expect(r.status).toBe(130);
    expect(r.stdout).toContain("first registered, runs last");
    expect(r.stderr.trim().split("\n")).toEqual(["cleanupOnTerminate: a cleanup failed on SIGINT: this cleanup broke"]);
    expect(queueExists(r.id)).toBe(false);
  });

  test("with a live child started before the cleanups: one delivery runs them, stops the child, ends the process", async () => {
    const r = await signalled("children", "SIGTERM");
    expect(r.status).toBe(143);
    expect(r.stdout).toContain("cleanup ran");
    expect(queueExists(r.id)).toBe(false);
    const child = Number(/CHILD (\d+)/.exec(r.stdout)![1]);
    const gone = await waitGone(child);
    if (!gone) process.kill(child, "SIGKILL");
    expect(gone).toBe(true);
  });

  test("takes a function or something with remove()", () => {
    expect(() => cleanupOnTerminate({} as unknown as () => void)).toThrow(TypeError);
    const registration = cleanupOnTerminate(() => {});
    registration.cancel();
    registration.cancel(); // twice is harmless
  });
});
