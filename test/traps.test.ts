/**
 * Small traps a newcomer hits (issue 11): listIpc keys as ipcs prints them, error stacks that start at the
 * failing call, the EPERM of `set({ maxBytes })` naming msgmnb and CAP_SYS_RESOURCE, and a Semaphore/Mutex
 * opened on a set made with a larger max count.
 */
import { describe, expect, test } from "bun:test";
import {
  ftok, IpcError, listIpc, MessageQueue, Mutex, NotFoundError, PermissionError, Semaphore, SharedMemory,
} from "../src/index.ts";
import { tempFile, testKeys } from "./helpers/ipc.ts";
import { bunAs, unprivileged } from "./helpers/unprivileged.ts";

const keys = testKeys();

describe("listIpc keys", () => {
  test("a key with the top bit set is listed unsigned, and keyHex is ipcs's column", () => {
    const file = tempFile("negative");
    const key = ftok(file, 0xfe); // project ids >= 0x80 give negative int32 keys, as in PHP
    expect(key).toBeLessThan(0);
    using queue = MessageQueue.createNew(key);
    try {
      const row = listIpc("msg").find((o) => o.id === queue.id)!;
      expect(row.key).toBe(key >>> 0);
      expect(row.key.toString(16)).toBe((key >>> 0).toString(16));
      const ipcs = Bun.spawnSync(["ipcs", "-q"]).stdout.toString();
      const line = ipcs.split("\n").find((l) => l.split(/\s+/)[1] === String(queue.id))!;
      expect(line.split(/\s+/)[0]).toBe(row.keyHex);
      expect(row.keyHex).toMatch(/^0x[0-9a-f]{8}$/);
    } finally {
      queue.remove();
    }
  });
});

describe("error stacks", () => {
  test("start at the library call that failed, never inside errors.ts or errno.ts, and name the subclass", () => {
    let error: unknown;
    try {
      SharedMemory.open(keys.next());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundError);
    const stack = (error as Error).stack!;
    expect(stack.split("\n")[0]).toStartWith("NotFoundError: shmget(");
    const frames = stack.split("\n").filter((l) => /^\s+at /.test(l));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.some((l) => /src[\\/](errors|ffi[\\/]errno)\.ts/.test(l))).toBe(false);
    expect(frames.some((l) => l.includes("traps.test.ts"))).toBe(true);
  });

  test("an uncaught error is printed at the failing call's source line, not inside errors.ts", () => {
    const src = JSON.stringify(new URL("../src/index.ts", import.meta.url).pathname);
    const r = Bun.spawnSync([process.execPath, "-e", `const { MessageQueue } = await import(${src}); MessageQueue.open(${keys.next()});`], {
      stdout: "pipe", stderr: "pipe", timeout: 20_000,
    });
    const stderr = r.stderr.toString();
    expect(r.exitCode).toBe(1);
    expect(stderr).toContain("NotFoundError: msgget(");
    expect(stderr).not.toMatch(/src[\\/](errors|ffi[\\/]errno)\.ts/);
  });
});

describe("MessageQueue.set({ maxBytes }) EPERM", () => {
  const nobody = unprivileged();
  test.skipIf(!nobody.prefix)(`names msgmnb and CAP_SYS_RESOURCE (${nobody.why})`, () => {
    const src = JSON.stringify(new URL("../src/index.ts", import.meta.url).pathname);
    const code = `
      const { MessageQueue, IPC_PRIVATE } = await import(${src});
      const { readFileSync } = await import("node:fs");
      const msgmnb = Number(readFileSync("/proc/sys/kernel/msgmnb", "utf8"));
      const queue = MessageQueue.create(IPC_PRIVATE);
      try { queue.set({ maxBytes: msgmnb + 1 }); console.log("no error"); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }
      finally { queue.remove(); }`;
    const r = bunAs(nobody.prefix!, code);
    expect(r.stderr).toBe("");
    const error = JSON.parse(r.stdout);
    expect(error.name).toBe("PermissionError");
    expect(error.code).toBe("EPERM");
    expect(error.message).toContain("msgmnb=");
    expect(error.message).toContain("CAP_SYS_RESOURCE");
    expect(PermissionError.name).toBe(error.name);
  });
});

describe("Semaphore / Mutex on a set created with another max count", () => {
  test("a Mutex on a set made with maxCount 3 is refused (it would admit 3 holders), usage count restored", () => {
    const key = keys.next();
    using sem = Semaphore.create(key, { maxCount: 3 });
    let error: unknown;
    try {
      Mutex.create(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IpcError);
    expect((error as IpcError).code).toBe("EINVAL");
    expect((error as Error).message).toContain("counter is 3, above the maxCount 1");
    expect(sem.users).toBe(1); // the refused handle gave its usage count back
    expect(() => Semaphore.create(key, { maxCount: 2 })).toThrow(/above the maxCount 2/);
    sem.remove();
  });

  test("the same max count, or a set whose permits are held down to the asked max, opens", () => {
    const key = keys.next();
    using sem = Semaphore.create(key, { maxCount: 3 });
    using again = Semaphore.create(key, { maxCount: 3 });
    expect(again.users).toBe(2);
    const p1 = sem.tryAcquire(), p2 = sem.tryAcquire();
    using mutex = Mutex.create(key); // counter now 1: indistinguishable from a mutex set (documented)
    expect(mutex.value).toBe(1);
    p1?.release(); p2?.release();
    sem.remove();
  });
});
