/**
 * src/ffi/signals.c through src/ffi/signals.ts: the native record and its chaining to Bun's handler.
 * (A waiter thread's cancelled `flock` is tested by file-lock.test.ts and wait.threads.test.ts.)
 */
import { describe, expect, test } from "bun:test";
import { nativeSignals } from "../src/ffi/signals.ts";

const SIGUSR1 = 10, SIGKILL = 9, SIGSTOP = 19;

describe("native signal record", () => {
  test("a trapped signal is counted and its receipt says who sent it; untrap puts the previous handler back", () => {
    const native = nativeSignals();
    expect(native.trap(SIGUSR1, false)).toBe(0);
    try {
      expect(native.trapped(SIGUSR1)).toBe(true);
      const [count, written] = [native.count(SIGUSR1), native.written()];
      process.kill(process.pid, "SIGUSR1");
      expect(native.count(SIGUSR1)).toBe(count + 1); // recorded synchronously, inside process.kill
      expect(native.written()).toBe(written + 1);
      expect(native.receipt(written)).toEqual({ signo: SIGUSR1, code: 0, pid: process.pid, uid: process.getuid!() });
    } finally {
      expect(native.untrap(SIGUSR1, "previous")).toBe(0);
    }
    expect(native.trapped(SIGUSR1)).toBe(false);
  });

  test("Bun's handler installed before the trap is chained: process.on listeners still run", async () => {
    const native = nativeSignals();
    let heard = 0;
    const listener = () => { heard++; };
    process.on("SIGUSR1", listener); // Bun installs its handler now
    expect(native.trap(SIGUSR1, false)).toBe(0);
    try {
      const count = native.count(SIGUSR1);
      process.kill(process.pid, "SIGUSR1");
      expect(native.count(SIGUSR1)).toBe(count + 1);
      for (let i = 0; i < 100 && heard === 0; i++) await Bun.sleep(5);
      expect(heard).toBe(1);
    } finally {
      native.untrap(SIGUSR1, "previous");
      process.off("SIGUSR1", listener);
    }
  });

  test("uncatchable signals and numbers out of range: EINVAL, nothing installed", () => {
    const native = nativeSignals();
    expect(native.trap(SIGKILL, false)).toBe(22);
    expect(native.trap(SIGSTOP, true)).toBe(22);
    expect(native.trap(32, false)).toBe(22); // glibc's own
    expect(native.trapped(SIGKILL)).toBe(false);
  });
});
