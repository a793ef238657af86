import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as api from "../src/index.ts";
import {
  ClosedError, ExistsError, IpcError, listIpc, NotFoundError, PermissionError, SharedMemory,
} from "../src/index.ts";
import { segmentBytes } from "../src/shm/internal.ts";
import { testKeys } from "./helpers/ipc.ts";
import { bunAs, unprivileged } from "./helpers/unprivileged.ts";

const keys = testKeys();
const ROOT = join(import.meta.dir, "..");

/** A segment this test owns: created new, tracked for cleanup, removed and detached by `using`. */
function fresh(size = 64, mode?: number): SharedMemory & Disposable {
  const shm = SharedMemory.createNew(keys.next(), size, mode === undefined ? {} : { mode });
  keys.track("shm", shm.id);
  return shm;
}

function inKernel(id: number): boolean {
  return listIpc("shm").some((o) => o.id === id);
}

/** Runs GC until `done()` or `ms` pass (bounded: a test never hangs on it). */
async function collectUntil(done: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    Bun.gc(true);
    await Bun.sleep(5);
  }
  return true;
}

describe("open modes", () => {
  test("createNew makes a segment with mode 0600 by default; size comes from the kernel", () => {
    using shm = fresh(100);
    expect(shm.size).toBe(100);
    expect(shm.readOnly).toBe(false);
    expect(shm.attached).toBe(true);
    const st = shm.stat();
    expect(st.mode).toBe(0o600);
    expect(st.size).toBe(100);
    expect(st.key).toBe(shm.key);
    shm.remove();
  });

  test("createNew on a taken key: ExistsError naming the key and EEXIST", () => {
    using shm = fresh();
    const err = (() => { try { SharedMemory.createNew(shm.key, 64); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ExistsError);
    expect((err as IpcError).code).toBe("EEXIST");
    expect((err as IpcError).key).toBe(shm.key);
    expect((err as Error).message).toContain(`key=0x${(shm.key >>> 0).toString(16).padStart(8, "0")}`);
    shm.remove();
  });

  test("open of a missing key: NotFoundError (ENOENT)", () => {
    const key = keys.next();
    expect(() => SharedMemory.open(key)).toThrow(NotFoundError);
    expect(() => SharedMemory.open(key)).toThrow(/shmget\(key=0x[0-9a-f]{8}\): ENOENT/);
  });

  test("create opens an existing segment and reports its real size, not the size asked", () => {
    using a = fresh(100);
    using b = SharedMemory.create(a.key, 50);
    expect(b.id).toBe(a.id);
    expect(b.size).toBe(100);
    expect(() => SharedMemory.create(a.key, 200)).toThrow(/EINVAL/);
    using c = SharedMemory.open(a.key + 0x1_0000_0000); // PHP's 32-bit truncation: same key
    expect(c.id).toBe(a.id);
    a.remove();
  });

  test("create makes the segment when the key has none, with the given mode", () => {
    const key = keys.next();
    using shm = SharedMemory.create(key, 10, { mode: 0o640 });
    expect(shm.stat().mode).toBe(0o640);
    expect(shm.size).toBe(10);
    shm.remove();
  });

  test("private segments: new ones every time, reachable by id", () => {
    using a = SharedMemory.createPrivate(32);
    keys.track("shm", a.id);
    using b = SharedMemory.createPrivate(32);
    keys.track("shm", b.id);
    expect(a.key).toBe(0);
    expect(a.id).not.toBe(b.id);
    a.write("private");
    using again = SharedMemory.openId(a.id, { readOnly: true });
    expect(new TextDecoder().decode(again.read(0, 7))).toBe("private");
    a.remove();
    b.remove();
  });

  test("bad sizes and modes are RangeErrors before any syscall", () => {
    const key = keys.next();
    expect(() => SharedMemory.create(key, 0)).toThrow(RangeError);
    expect(() => SharedMemory.createNew(key, -1)).toThrow(RangeError);
    expect(() => SharedMemory.createNew(key, 8, { mode: 0o1777 })).toThrow(RangeError);
    expect(inKernel(-1)).toBe(false);
    expect(listIpc("shm").some((o) => (o.key | 0) === key)).toBe(false);
  });
});

describe("read and write", () => {
  test("round trip of bytes (NULs included) and UTF-8 strings; read returns a copy", () => {
    using shm = fresh(64);
    const bytes = new Uint8Array([0, 1, 0, 255, 0x80, 0]);
    expect(shm.write(bytes, 3)).toBe(6);
    expect(shm.read(3, 6)).toEqual(bytes);
    expect(shm.write("héllo €😀")).toBe(14);
    expect(new TextDecoder().decode(shm.read(0, 14))).toBe("héllo €😀");
    const copy = shm.read(0, 4);
    copy[0] = 0x7a;
    expect(shm.read(0, 1)[0]).toBe(0x68);
    expect(shm.read(60).length).toBe(4); // to the end
    expect(shm.read().length).toBe(64);
    expect(shm.read(64, 0).length).toBe(0);
    shm.remove();
  });

  test("readInto copies into the caller's array without allocating a new one", () => {
    using shm = fresh(32);
    shm.write("0123456789abcdef", 8);
    const target = new Uint8Array(4);
    expect(shm.readInto(target, 10)).toBe(4);
    expect(new TextDecoder().decode(target)).toBe("2345");
    const whole = new Uint8Array(32);
    expect(shm.readInto(whole)).toBe(32);
    expect(whole.subarray(8, 24)).toEqual(new TextEncoder().encode("0123456789abcdef"));
    expect(() => shm.readInto(target, 29)).toThrow(/SharedMemory\.readInto\(key=0x[0-9a-f]{8}, id=\d+\): offset 29 \+ length 4 is outside the 32-byte segment/);
    shm.remove();
  });

  test("never truncates: out-of-range reads and writes are RangeErrors naming the call, key and size, nothing written", () => {
    using shm = fresh(16);
    shm.write(new Uint8Array(16));
    const key = `0x${(shm.key >>> 0).toString(16).padStart(8, "0")}`;
    expect(() => shm.write(new Uint8Array(8), 11)).toThrow(`SharedMemory.write(key=${key}, id=${shm.id}): offset 11 + length 8 is outside the 16-byte segment`);
    expect(() => shm.write("x".repeat(17))).toThrow(RangeError);
    expect(() => shm.write("€€€€€€", 0)).toThrow(/length 18 is outside the 16-byte segment/);
    expect(() => shm.write("a", 17)).toThrow(RangeError);
    expect(() => shm.write("a", -1)).toThrow(RangeError);
    expect(() => shm.read(10, 7)).toThrow(/SharedMemory\.read\(key=0x[0-9a-f]{8}, id=\d+\): offset 10 \+ length 7 is outside the 16-byte segment/);
    expect(() => shm.read(-1, 1)).toThrow(RangeError);
    expect(() => shm.read(1.5, 1)).toThrow(RangeError);
    expect(() => shm.read(17)).toThrow(RangeError);
    expect(shm.read(0, 16)).toEqual(new Uint8Array(16)); // nothing was partially written
    expect(shm.write("€€€€€", 1)).toBe(15); // exactly fits
    shm.remove();
  });

  test("a read-only attach refuses write and view with PermissionError (EACCES), reads work", () => {
    using shm = fresh(16);
    shm.write("abc");
    using ro = SharedMemory.open(shm.key, { readOnly: true });
    expect(ro.readOnly).toBe(true);
    expect(new TextDecoder().decode(ro.read(0, 3))).toBe("abc");
    expect(() => ro.write("x")).toThrow(PermissionError);
    expect(() => ro.write("x")).toThrow(/SharedMemory\.write\(key=0x[0-9a-f]{8}, id=\d+\): EACCES \(Permission denied\): the segment is attached read-only/);
    expect(() => ro.view()).toThrow(PermissionError);
    expect(shm.read(0, 3)).toEqual(new TextEncoder().encode("abc"));
    shm.remove();
  });
});

describe("stat", () => {
  test("owners, creator, mode, size, attach count, times and pids", () => {
    const before = Math.floor(Date.now() / 1000);
    using shm = fresh(128, 0o640);
    using second = SharedMemory.open(shm.key);
    const st = shm.stat();
    expect(st.ownerUid).toBe(process.getuid!());
    expect(st.ownerGid).toBe(process.getgid!());
    expect(st.creatorUid).toBe(process.getuid!());
    expect(st.creatorGid).toBe(process.getgid!());
    expect(st.mode).toBe(0o640);
    expect(st.size).toBe(128);
    expect(st.attachCount).toBe(2);
    expect(st.creatorPid).toBe(process.pid);
    expect(st.lastPid).toBe(process.pid);
    expect(st.removed).toBe(false);
    expect(st.lastAttach!.getTime() / 1000).toBeGreaterThanOrEqual(before);
    expect(st.changed.getTime() / 1000).toBeGreaterThanOrEqual(before);
    expect(st.lastDetach).toBeNull();
    second.detach();
    const after = shm.stat();
    expect(after.attachCount).toBe(1);
    expect(after.lastDetach).toBeInstanceOf(Date);
    shm.remove();
    expect(shm.stat().removed).toBe(true);
  });
});

describe("remove and detach", () => {
  test("remove keeps memory usable until detach; then the segment is gone from /proc/sysvipc", () => {
    const shm = fresh(32);
    shm.write("still here");
    shm.remove();
    expect(new TextDecoder().decode(shm.read(0, 10))).toBe("still here");
    expect(() => SharedMemory.open(shm.key)).toThrow(NotFoundError); // the key is free at once
    expect(inKernel(shm.id)).toBe(true);
    shm.detach();
    expect(inKernel(shm.id)).toBe(false);
    expect(listIpc("shm").some((o) => (o.key | 0) === shm.key)).toBe(false);
  });

  test("after detach every use throws ClosedError naming the call and key; detach is idempotent", () => {
    const shm = fresh(32);
    shm.remove();
    shm.detach();
    shm.detach();
    expect(shm.attached).toBe(false);
    const key = `0x${(shm.key >>> 0).toString(16).padStart(8, "0")}`;
    for (const [call, use] of [
      ["read", () => shm.read(0, 1)],
      ["readInto", () => shm.readInto(new Uint8Array(1))],
      ["write", () => shm.write("x")],
      ["view", () => shm.view()],
      ["stat", () => shm.stat()],
      ["remove", () => shm.remove()],
    ] as const) {
      expect(use).toThrow(ClosedError);
      expect(use).toThrow(`SharedMemory.${call}(key=${key}, id=${shm.id}): EBADF (the handle is detached)`);
    }
    expect(() => segmentBytes(shm, "ShmVariables.get")).toThrow(/^ShmVariables\.get\(key=/);
  });

  test("using detaches at the end of the scope", () => {
    let outer: SharedMemory;
    {
      using shm = fresh(8);
      outer = shm;
      shm.remove();
      expect(inKernel(shm.id)).toBe(true);
    }
    expect(outer.attached).toBe(false);
    expect(inKernel(outer.id)).toBe(false);
  });

  test("a forgotten handle is detached by the FinalizationRegistry safety net", async () => {
    const shm = fresh(8);
    const id = shm.id;
    shm.remove();
    // Drop the only reference inside a closure so nothing on this stack keeps it.
    (() => { SharedMemory.openId(id); })();
    shm.detach();
    expect(await collectUntil(() => !inKernel(id))).toBe(true);
  });
});

describe("view", () => {
  test("zero-copy both ways, Atomics work, and it keeps working after the handle is detached", () => {
    const shm = fresh(64);
    const view = shm.view();
    expect(view.length).toBe(64);
    view.set([1, 2, 3], 0);
    expect(shm.read(0, 3)).toEqual(new Uint8Array([1, 2, 3]));
    shm.write(new Uint8Array([9]), 10);
    expect(view[10]).toBe(9);
    expect(shm.stat().attachCount).toBe(2); // the view has its own attach
    const counter = new Int32Array(view.buffer, 16, 2);
    expect(Atomics.add(counter, 0, 5)).toBe(0);
    expect(Atomics.compareExchange(counter, 0, 5, 7)).toBe(5);
    expect(Atomics.load(counter, 0)).toBe(7);
    const big = new BigInt64Array(view.buffer, 24, 1);
    Atomics.add(big, 0, 1n << 40n);
    expect(new DataView(shm.read(24, 8).buffer).getBigInt64(0, true)).toBe(1n << 40n);
    shm.remove();
    shm.detach();
    view[63] = 42; // the mapping is still there: no SIGSEGV
    expect(view[63]).toBe(42);
    expect(Atomics.add(counter, 0, 1)).toBe(7);
  });

  test("remove + live views keep the segment attached until the views are collected", async () => {
    const shm = fresh(16);
    const id = shm.id;
    (() => { shm.view()[0] = 1; shm.view()[1] = 2; })();
    shm.remove();
    shm.detach();
    expect(await collectUntil(() => !inKernel(id))).toBe(true);
  });
});

describe("internal accessor", () => {
  test("segmentBytes is the live mapping, and is not exported from the package entry", () => {
    using shm = fresh(16);
    segmentBytes(shm)[5] = 0xab;
    expect(shm.read(5, 1)[0]).toBe(0xab);
    expect("segmentBytes" in api).toBe(false);
    expect("openSegmentWithFlags" in api).toBe(false);
    expect("shmInternal" in api).toBe(false);
    shm.remove();
  });
});

describe("separate processes", () => {
  test("use after detach in a bun child: ClosedError, no SIGSEGV, exit code 0", () => {
    const r = bunAs([], `
      import { SharedMemory } from ${JSON.stringify(join(ROOT, "src/index.ts"))};
      const shm = SharedMemory.createPrivate(4096);
      const view = shm.view();
      shm.remove();
      shm.detach();
      for (const use of [() => shm.read(0, 1), () => shm.write("x", 0), () => shm.view(), () => shm.stat()]) {
        try { use(); console.log("no error"); } catch (e) { console.log(e.name); }
      }
      view[100] = 7;
      Bun.gc(true);
      console.log("view", view[100]);
    `);
    expect(r.signal ?? null).toBeNull();
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["ClosedError", "ClosedError", "ClosedError", "ClosedError", "view 7"]);
  });

  const nobody = unprivileged();
  test.skipIf(!nobody.prefix)(`permission denied as an unprivileged user (${nobody.why}): 0400 opened for write is EACCES`, () => {
    using owner = fresh(16, 0o400);
    using shared = fresh(16, 0o444);
    shared.write("abc");
    const r = bunAs(nobody.prefix!, `
      import { SharedMemory } from ${JSON.stringify(join(ROOT, "src/index.ts"))};
      const out = { uid: process.getuid() };
      const attempt = (name, fn) => { try { out[name] = fn(); } catch (e) { out[name] = [e.name, e.code, e.message]; } };
      attempt("write0400", () => SharedMemory.open(${owner.key}).id);
      attempt("read0400", () => SharedMemory.open(${owner.key}, { readOnly: true }).id);
      attempt("write0444", () => SharedMemory.open(${shared.key}).id);
      attempt("read0444", () => {
        const ro = SharedMemory.open(${shared.key}, { readOnly: true });
        const text = new TextDecoder().decode(ro.read(0, 3));
        try { ro.write("x"); } catch (e) { return [text, e.name, e.code]; }
        return [text, "write worked"];
      });
      attempt("remove", () => { SharedMemory.open(${shared.key}, { readOnly: true }).remove(); return "removed"; });
      console.log(JSON.stringify(out));
    `);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.uid).not.toBe(0);
    expect(out.write0400.slice(0, 2)).toEqual(["PermissionError", "EACCES"]);
    expect(out.write0400[2]).toMatch(/^shmget\(key=0x[0-9a-f]{8}\): EACCES \(Permission denied\)/);
    expect(out.read0400.slice(0, 2)).toEqual(["PermissionError", "EACCES"]);
    expect(out.write0444.slice(0, 2)).toEqual(["PermissionError", "EACCES"]);
    expect(out.read0444).toEqual(["abc", "PermissionError", "EACCES"]);
    expect(out.remove.slice(0, 2)).toEqual(["PermissionError", "EPERM"]);
    expect(shared.read(0, 3)).toEqual(new TextEncoder().encode("abc"));
    owner.remove();
    shared.remove();
  });
});

test("every object this file made is gone from /proc/sysvipc", () => {
  expect(keys.live()).toEqual([]);
});
