import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  holdSignal, IpcError, releaseSignal, sendSignal, SignalCursor, SignalHandler, signalName, signalNumber, SignalTrap,
} from "../src/index.ts";

async function readUntil(reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> }, word: string): Promise<string> {
  let text = "";
  while (!text.includes(word)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  return text;
}

describe("SignalHandler", () => {
  test("several listeners in order; one returning true stops the rest", async () => {
    const heard: string[] = [];
    using a = new SignalHandler("SIGUSR2");
    using b = new SignalHandler(12);
    a.add(() => { heard.push("a1"); });
    b.add(() => { heard.push("b1"); return true; });
    a.add(() => { heard.push("a2"); });
    process.kill(process.pid, "SIGUSR2");
    for (let i = 0; i < 100 && heard.length < 2; i++) await Bun.sleep(5);
    await Bun.sleep(20);
    expect(heard).toEqual(["a1", "b1"]);
    b.close();
    heard.length = 0;
    process.kill(process.pid, "SIGUSR2");
    for (let i = 0; i < 100 && heard.length < 2; i++) await Bun.sleep(5);
    expect(heard).toEqual(["a1", "a2"]);
    expect(a.size).toBe(2);
  });

  test("dispatch to a child's pid: its listeners bubble, its trap stops a loop that never yields", async () => {
    const child = Bun.spawn(["bun", join(import.meta.dir, "fixtures", "signals", "listeners-child.ts")], {
      stdout: "pipe", stderr: "pipe", timeout: 20_000,
    });
    const reader = child.stdout.getReader();
    expect(await readUntil(reader, "ready")).toContain("ready");
    sendSignal(child.pid, "SIGUSR1");
    await Bun.sleep(200); // the child is now spinning in its synchronous loop
    sendSignal(child.pid, "SIGINT");
    const out = await readUntil(reader, "}");
    expect(await child.exited).toBe(0);
    expect(JSON.parse(out.trim())).toEqual({ heard: ["first", "second"], turns: true, count: 1 });
  }, 20_000);

  test("sendSignal to a missing pid names the call and ESRCH", () => {
    const e = (() => { try { sendSignal(2 ** 22 + 12345, "SIGUSR1"); } catch (x) { return x; } })();
    expect(e).toBeInstanceOf(IpcError);
    expect((e as IpcError).code).toBe("ESRCH");
    expect(String((e as Error).message)).toContain("kill");
  });

  test("a listener that is not a name: RangeError", () => {
    expect(() => new SignalHandler(40)).toThrow(RangeError);
    expect(() => signalNumber("SIGNOPE" as NodeJS.Signals)).toThrow(RangeError);
    expect([signalNumber("SIGTERM"), signalName(10)]).toEqual([15, "SIGUSR1"]);
  });

  test("SIGKILL, SIGSTOP and 0 cannot be caught: a RangeError naming the class, not a listener that never runs", () => {
    expect(() => new SignalHandler("SIGKILL")).toThrow("SignalHandler: SIGKILL (9) cannot be caught");
    expect(() => new SignalHandler(19)).toThrow("SignalHandler: SIGSTOP (19) cannot be caught");
    expect(() => new SignalTrap(0)).toThrow(/SignalTrap: signal 0/);
    expect(() => new SignalTrap("SIGSTOP")).toThrow(RangeError);
  });
});

describe("SignalTrap and the synchronous record", () => {
  test("isTrapped is set synchronously, reset clears it, close restores the default action", () => {
    const trap = new SignalTrap("SIGUSR1");
    expect(trap.isTrapped()).toBe(false);
    process.kill(process.pid, "SIGUSR1");
    process.kill(process.pid, "SIGUSR1");
    expect(trap.isTrapped()).toBe(true);
    expect(trap.count).toBe(2);
    trap.reset();
    expect(trap.isTrapped()).toBe(false);
    trap.close();
    trap.close();
  });

  test("a cursor reads receipts in order; process.on listeners of the same signal still run", async () => {
    let onHeard = 0;
    const listener = () => { onHeard++; };
    process.on("SIGUSR2", listener);
    holdSignal("SIGUSR2");
    holdSignal("SIGUSR1");
    try {
      const cursor = new SignalCursor();
      process.kill(process.pid, "SIGUSR2");
      process.kill(process.pid, "SIGUSR1");
      expect(cursor.pending()).toBe(true);
      expect(cursor.take().map((r) => [r.signo, r.pid])).toEqual([[12, process.pid], [10, process.pid]]);
      expect(cursor.pending()).toBe(false);
      for (let i = 0; i < 100 && onHeard === 0; i++) await Bun.sleep(5);
      expect(onHeard).toBe(1);
    } finally {
      releaseSignal("SIGUSR2");
      releaseSignal("SIGUSR1");
      process.off("SIGUSR2", listener);
    }
  });

  test("SIGKILL cannot be held: IpcError EINVAL naming sigaction", () => {
    expect(() => holdSignal("SIGKILL")).toThrow(/sigaction.*EINVAL|EINVAL.*sigaction/);
  });
});
