/**
 * processAlive, the kill(pid, 0) check the CLI (pids an object names) and pool workers (their pool) share:
 * a running process, a process of another user (EPERM), an exited one, and pids that name no process.
 */
import { describe, expect, test } from "bun:test";
import { processAlive } from "../src/process/alive.ts";

describe("processAlive", () => {
  test("this process and init are alive (init: EPERM for a non-root user, still alive)", () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(1)).toBe(true);
  });

  test("a child is alive while it runs, dead once it exited and was reaped", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    try {
      expect(processAlive(child.pid)).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
    await child.exited;
    expect(processAlive(child.pid)).toBe(false);
  });

  test("0, negatives and non-integers name no single process", () => {
    for (const pid of [0, -1, -process.pid, 1.5, NaN, 2 ** 40]) expect(processAlive(pid)).toBe(false);
  });
});
