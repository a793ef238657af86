import { describe, expect, test } from "bun:test";
import {
  chunkSize, ClosedError, CorruptError, ExistsError, IpcError, NotFoundError, PermissionError,
  SharedMemory, SharedVariables, TooBigError,
} from "../src/index.ts";
import { serialize } from "../src/serialize/index.ts";
import { testKeys } from "./helpers/ipc.ts";

const keys = testKeys();
/** Tests never block forever: a synchronous acquire that should succeed at once gives up after 5 s. */
const NO_HANG = { timeout: 5000 };

function fresh(size = 1024, options: { mode?: number } = {}): SharedVariables {
  return SharedVariables.createNew(keys.next(), { size, ...options });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Writes int64 `value` at `offset` of the segment (forging headers and chunks). */
function poke(vars: SharedVariables, offset: number, value: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, value, true);
  vars.segment.write(b, offset);
}

/** Calls every read and write and returns what each did: "ok" or the error's class name. */
function everyOperation(vars: SharedVariables, key: number): Record<string, string> {
  const out: Record<string, string> = {};
  const ops: Record<string, () => unknown> = {
    get: () => vars.get(key), has: () => vars.has(key), keys: () => vars.keys(), stat: () => vars.stat(),
    set: () => vars.set(999, "new"), delete: () => vars.delete(key),
  };
  for (const [name, op] of Object.entries(ops)) {
    try { op(); out[name] = "ok"; } catch (e) { out[name] = (e as Error).name; }
  }
  return out;
}

describe("SharedVariables: PHP's layout", () => {
  test("chunk size = align8(length + 32), PHP's formula", () => {
    const table = [[0, 32], [4, 40], [6, 40], [8, 40], [9, 48], [11, 48], [12, 48], [15, 48], [30, 64]];
    for (const [length, size] of table) expect(chunkSize(length)).toBe(size);
  });

  test("the spec's 256-byte example gives PHP's exact bytes", () => {
    using vars = fresh(256);
    vars.set(1, "hello");
    vars.set(2, [1, 2, 3]);
    vars.set(-5, 1.5);
    vars.set(9223372036854775807n, true);
    const expected =
      "5048505f534d00002800000000000000e8000000000000001800000000000000" +
      "000100000000000001000000000000000c000000000000003000000000000000" +
      "733a353a2268656c6c6f223b0000000000000000000000000200000000000000" +
      "1e000000000000004000000000000000613a333a7b693a303b693a313b693a31" +
      "3b693a323b693a323b693a333b7d00000000000000000000fbffffffffffffff" +
      "06000000000000002800000000000000643a312e353b00000000000000000000" +
      "ffffffffffffff7f04000000000000002800000000000000623a313b00000000" +
      "0".repeat(64);
    expect(hex(vars.segment.read())).toBe(expected);
    expect(vars.stat()).toEqual({ size: 256, total: 256, used: 232, free: 24, count: 4, duplicates: 0 });
  });

  test("an update moves the variable to the end; delete compacts; stale bytes stay past end", () => {
    using vars = fresh(512);
    vars.set(1, "a");
    vars.set(2, "b");
    vars.set(3, "c");
    vars.set(1, "A");
    expect(vars.keys()).toEqual([2, 3, 1]);
    const before = vars.segment.read();
    expect(vars.delete(2)).toBe(true);
    expect(vars.delete(2)).toBe(false);
    expect(vars.keys()).toEqual([3, 1]);
    const after = vars.segment.read();
    // the last chunk's old copy (40 bytes) is left behind the new end, as PHP leaves it
    expect(hex(after.subarray(120, 160))).toBe(hex(before.subarray(120, 160)));
    expect([vars.get(1), vars.get(3), vars.get(2)]).toEqual(["A", "c", undefined]);
  });
});

describe("SharedVariables: values and keys", () => {
  test("get/set/has/delete round-trip PHP values", () => {
    using vars = fresh(4096);
    const values: Array<[number | bigint, unknown]> = [
      [1, null], [2, true], [3, -17], [4, 9223372036854775807n], [5, 0.1], [6, "héllo €"], [7, new Uint8Array([255, 0])],
      [8, [1, "two", 3.5]], [9, { a: 1, nested: { b: [true] } }], [-1n, "negative key"],
    ];
    for (const [k, v] of values) vars.set(k, v);
    for (const [k, v] of values) {
      expect(vars.has(k)).toBe(true);
      expect(vars.get(k)).toEqual(v as never);
    }
    expect(vars.has(100)).toBe(false);
    expect(vars.get(100)).toBeUndefined();
  });

  test("keys are int64: number and bigint name the same variable; out of range is a RangeError", () => {
    using vars = fresh();
    vars.set(5, "five");
    expect(vars.get(5n)).toBe("five");
    vars.set(-9223372036854775808n, "min");
    vars.set(2 ** 53 - 1, "max safe");
    vars.set(-(2 ** 32) - 1, "neg wide");
    expect(vars.keys()).toEqual([5, -9223372036854775808n, 2 ** 53 - 1, -(2 ** 32) - 1]);
    expect(vars.get(-(2 ** 32) - 1)).toBe("neg wide");
    expect(vars.get(-1)).toBeUndefined();
    for (const bad of [1.5, 2 ** 53, NaN]) expect(() => vars.get(bad)).toThrow(RangeError);
    expect(() => vars.set(2n ** 63n, 1)).toThrow(RangeError);
  });

  test("an update that does not fit throws TooBigError and keeps the old value (PHP 8.2 loses it)", () => {
    using vars = fresh(200);
    vars.set(1, "old value");
    vars.set(2, "other");
    const before = vars.segment.read();
    expect(() => vars.set(1, "x".repeat(200))).toThrow(TooBigError);
    expect(hex(vars.segment.read())).toBe(hex(before));
    expect(vars.get(1)).toBe("old value");
    expect(() => vars.set(3, "y".repeat(100))).toThrow(TooBigError);
    // a value whose chunk takes exactly the free bytes fits
    const free = vars.stat().free;
    let n = free;
    while (chunkSize(`s:${n}:"";`.length + n) > free) n--;
    vars.set(3, "z".repeat(n));
    expect(vars.stat().free).toBe(0);
    expect(vars.get(3)).toBe("z".repeat(n));
  });

  test("size: default 10000, minimum 40 (a 40-byte store holds nothing)", () => {
    using def = SharedVariables.createNew(keys.next());
    expect(def.stat()).toEqual({ size: 10000, total: 10000, used: 40, free: 9960, count: 0, duplicates: 0 });
    expect(() => SharedVariables.createNew(keys.next(), { size: 39 })).toThrow(RangeError);
    using tiny = fresh(40);
    expect(tiny.stat().free).toBe(0);
    expect(() => tiny.set(1, null)).toThrow(TooBigError);
  });
});

describe("SharedVariables: open modes and lifetime", () => {
  test("open needs a segment; createNew refuses one; create attaches any size, like shm_attach", () => {
    const key = keys.next();
    expect(() => SharedVariables.open(key)).toThrow(NotFoundError);
    using first = SharedVariables.createNew(key, { size: 300 });
    first.set(1, "x");
    expect(() => SharedVariables.createNew(key)).toThrow(ExistsError);
    using second = SharedVariables.create(key, { size: 99999 });
    expect(second.segment.size).toBe(300);
    expect(second.get(1)).toBe("x");
    using third = SharedVariables.open(key);
    expect(third.id).toBe(first.id);
    expect(first.segment.stat().mode).toBe(0o600);
  });

  test("read-only: reads work, writes throw PermissionError; an uninitialised segment cannot be read-only", () => {
    const key = keys.next();
    using rw = SharedVariables.createNew(key, { size: 200 });
    rw.set(1, 42);
    using ro = SharedVariables.open(key, { readOnly: true });
    expect(ro.get(1)).toBe(42);
    expect(() => ro.set(2, 1)).toThrow(PermissionError);
    expect(() => ro.delete(1)).toThrow(PermissionError);
    using raw = SharedMemory.createNew(keys.next(), 100);
    expect(() => SharedVariables.open(raw.key, { readOnly: true })).toThrow(CorruptError);
  });

  test("a segment without the header gets one: total = min(size asked, kernel size); smaller than 40 is refused", () => {
    using raw = SharedMemory.createNew(keys.next(), 4096);
    raw.write(new Uint8Array(100).fill(0xaa), 40); // other bytes are left as they are
    using vars = SharedVariables.open(raw.key, { size: 1 << 20 });
    expect(vars.stat()).toEqual({ size: 4096, total: 4096, used: 40, free: 4056, count: 0, duplicates: 0 });
    expect(hex(vars.segment.read(40, 4))).toBe("aaaaaaaa");
    using small = SharedMemory.createNew(keys.next(), 8);
    expect(() => SharedVariables.open(small.key)).toThrow(IpcError);
  });

  test("a header whose total exceeds the kernel's size (PHP 8.2 attach with a bigger size) is bounded by the kernel", () => {
    using vars = fresh(4096);
    poke(vars, 32, 10n * 1024n * 1024n); // total
    poke(vars, 24, 10n * 1024n * 1024n - 40n); // free, consistent with total
    expect(vars.stat()).toMatchObject({ size: 4096, total: 10 * 1024 * 1024, free: 4056 });
    expect(() => vars.set(1, "x".repeat(5000))).toThrow(TooBigError);
    vars.set(1, "x".repeat(4000));
    expect(vars.get(1)).toBe("x".repeat(4000));
    expect(() => vars.set(2, "y".repeat(100))).toThrow(TooBigError);
  });

  test("detach: later use throws ClosedError; remove frees the key", () => {
    const vars = fresh();
    vars.set(1, 1);
    vars.remove();
    expect(vars.get(1)).toBe(1); // still attached
    vars.detach();
    vars.detach();
    for (const op of [() => vars.get(1), () => vars.set(1, 2), () => vars.keys(), () => vars.delete(1)]) {
      expect(op).toThrow(ClosedError);
    }
    expect(() => SharedVariables.open(vars.key)).toThrow(NotFoundError);
  });
});

describe("SharedVariables: corruption gives CorruptError, never a crash", () => {
  test("random bytes over the header: every operation throws CorruptError (200 trials)", () => {
    using vars = fresh(1024);
    for (let trial = 0; trial < 200; trial++) {
      vars.segment.write(new Uint8Array(40), 0);
      vars.segment.write(crypto.getRandomValues(new Uint8Array(40)), 0);
      const ops = everyOperation(vars, 1);
      for (const result of Object.values(ops)) expect(result).toBe("CorruptError");
    }
  });

  /** A store with five variables; returns it and the offset of each chunk. */
  function fiveVariables(vars: SharedVariables): { store: SharedVariables; values: unknown[]; offsets: number[] } {
    const values = ["one", [1, 2, 3], { k: "v" }, 4.5, "five"];
    vars.segment.write(new Uint8Array(vars.segment.size));
    const store = SharedVariables.fromSegment(vars.segment, { size: vars.segment.size });
    const offsets: number[] = [];
    let at = 40;
    values.forEach((v, i) => {
      store.set(i, v);
      offsets.push(at);
      at += chunkSize(serialize(v).length);
    });
    return { store, values, offsets };
  }

  test("random bytes over a chunk header: lookups that reach it throw CorruptError naming the offset (300 trials)", () => {
    using vars = fresh(2048);
    for (let trial = 0; trial < 300; trial++) {
      const { store, values, offsets } = fiveVariables(vars);
      const hit = trial % 5;
      vars.segment.write(crypto.getRandomValues(new Uint8Array(24)), offsets[hit]);
      values.forEach((v, i) => {
        if (i < hit) expect(store.get(i)).toEqual(v as never); // found before the broken chunk
        else expect(() => store.get(i)).toThrow(new RegExp(`chunk at offset ${offsets[hit]}`));
      });
      expect(() => store.keys()).toThrow(CorruptError);
      expect(() => store.set(9, 1)).toThrow(CorruptError);
    }
  });

  test("random bytes over a chunk's payload: that variable's read throws CorruptError, the others are intact (300 trials)", () => {
    using vars = fresh(2048);
    let corrupt = 0;
    for (let trial = 0; trial < 300; trial++) {
      const { store, values, offsets } = fiveVariables(vars);
      const hit = trial % 5;
      vars.segment.write(crypto.getRandomValues(new Uint8Array(serialize(values[hit]).length)), offsets[hit] + 24);
      values.forEach((v, i) => {
        if (i !== hit) return expect(store.get(i)).toEqual(v as never);
        try {
          store.get(i); // random bytes that happen to parse (e.g. "N;...") are a value, not a crash
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptError);
          expect((e as Error).message).toContain(`variable ${i} (chunk at offset ${offsets[hit]})`);
          corrupt++;
        }
      });
    }
    expect(corrupt).toBeGreaterThanOrEqual(290);
  });

  test("forged fields of php-src's hardening tests are refused with the offset named", () => {
    using vars = fresh(1024);
    const reset = () => {
      vars.segment.write(new Uint8Array(1024));
      SharedVariables.fromSegment(vars.segment, { size: 1024 });
      vars.set(1, "a");
      vars.set(2, "b");
    };
    const cases: Array<[string, number, bigint, RegExp]> = [
      ["end beyond the segment", 16, 1n << 40n, /header at offset 16/],
      ["negative start", 8, -8n, /header at offset 8/],
      ["chunk length INT64_MAX", 48, 9223372036854775807n, /chunk at offset 40/],
      ["chunk next 0", 56, 0n, /chunk at offset 40/],
      ["chunk next negative", 56, -40n, /chunk at offset 40/],
      ["free that disagrees with total - end", 24, 5000n, /header at offset 24/],
    ];
    for (const [what, offset, value, message] of cases) {
      reset();
      poke(vars, offset, value);
      expect(() => vars.get(2), what).toThrow(message);
      expect(() => vars.set(3, "c"), what).toThrow(CorruptError);
      expect(() => vars.delete(2), what).toThrow(CorruptError);
    }
    reset();
    vars.segment.write("X", 40 + 24); // payload of variable 1: 's:1:"a";' -> 'X:1:"a";'
    expect(() => vars.get(1)).toThrow(/variable 1 \(chunk at offset 40\)/);
    expect(vars.get(2)).toBe("b");
  });
});

describe("SharedVariables: update under the lock", () => {
  test("concurrent awaited updates in one process lose nothing; undefined deletes", async () => {
    using vars = fresh();
    await Promise.all(Array.from({ length: 100 }, () => vars.update(1, (v) => ((v as number | undefined) ?? 0) + 1)));
    expect(vars.get(1)).toBe(100);
    expect(vars.updateSync(1, (v) => (v as number) * 2)).toBe(200);
    expect(await vars.update(1, () => undefined)).toBeUndefined();
    expect(vars.has(1)).toBe(false);
    expect(vars.lock.key).toBe(vars.key);
    expect([vars.lock.value, vars.lock.users]).toEqual([1, 1]);
  });

  test("the lock is the segment's key by default, or lockKey; a private segment needs lockKey", async () => {
    using priv = SharedVariables.create(0, { size: 100 });
    expect(() => priv.lock).toThrow(RangeError);
    const lockKey = keys.next();
    using withLock = SharedVariables.create(0, { size: 100, lockKey });
    await withLock.update(1, () => "x");
    expect(withLock.lock.key).toBe(lockKey);
    keys.track("shm", priv.id);
    keys.track("shm", withLock.id);
  });

  test("update waits for a holder of the same lock and fails with BusyError on timeout", async () => {
    using vars = fresh();
    const held = vars.lock.acquireSync(NO_HANG);
    await expect(vars.update(1, () => 1, { timeout: 50 })).rejects.toThrow("no permit within 50 ms");
    setTimeout(() => held.release(), 50);
    expect(await vars.update(1, () => 2, { timeout: 5000 })).toBe(2);
  });
});
