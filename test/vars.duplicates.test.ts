/**
 * Duplicate variable keys (issue 8 defect 8) and what `stat()` adds up to (issue 11: `used` and the header).
 *
 * PHP's API never stores a key twice (`shm_put_var` removes the old chunk first), so the duplicates here are
 * made by writing bytes: real PHP stores four variables, then the third chunk's key field is rewritten to 1.
 * Rule (docs/vars.md): the first chunk of a key wins for `get`/`has` (PHP's lookup, so both read the same),
 * and `set`/`delete` remove every chunk of the key, which heals the store.
 */
import { describe, expect, test } from "bun:test";
import { shm_attach, shm_get_var, shm_put_var, shm_remove_var } from "../compat/index.ts";
import { SharedMemory, SharedVariables } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();
/** Offsets of the four chunks PHP writes for "A".."D" (each `s:1:"X";` = 8 bytes → 40-byte chunk). */
const THIRD_CHUNK = 40 + 40 + 40;

function phpRun(code: string, key: number): string {
  const r = php(`$s = shm_attach((int)$argv[1]); ${code}`, [key]);
  expect(r).toMatchObject({ exitCode: 0, stderr: "" });
  return r.stdout;
}

/** A 1024-byte store where real PHP put 1=>A, 2=>B, 3=>C, 4=>D; then chunk 3's key becomes 1: [1:A, 2:B, 1:C, 4:D]. */
function duplicated(): { key: number; shm: SharedMemory } {
  const key = keys.next();
  const r = php(`$s = shm_attach((int)$argv[1], 1024, 0600); foreach ([1 => 'A', 2 => 'B', 3 => 'C', 4 => 'D'] as $k => $v) shm_put_var($s, $k, $v);`, [key]);
  expect(r).toMatchObject({ exitCode: 0, stderr: "" });
  const shm = SharedMemory.open(key);
  expect([...shm.read(THIRD_CHUNK, 8)]).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
  shm.write(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), THIRD_CHUNK);
  return { key, shm };
}

describe("duplicate keys in a store", () => {
  test("reads: the first chunk wins, as in PHP; keys() lists the key once; stat() counts the duplicate", () => {
    const { key, shm } = duplicated();
    using vars = SharedVariables.open(key);
    expect(vars.get(1)).toBe("A");
    expect(phpRun(`echo shm_get_var($s, 1);`, key)).toBe("A");
    expect(vars.has(1)).toBe(true);
    expect(vars.keys()).toEqual([1, 2, 4]);
    expect(vars.stat()).toMatchObject({ count: 3, duplicates: 1, used: 40 + 4 * 40 });
    shm.remove();
    shm.detach();
  });

  test("set(1) removes every chunk of key 1: get(1) is the new value, in Bun and in PHP", () => {
    const { key, shm } = duplicated();
    using vars = SharedVariables.open(key);
    vars.set(1, "NEW");
    expect(vars.get(1)).toBe("NEW");
    expect(vars.keys()).toEqual([2, 4, 1]);
    expect(vars.stat()).toMatchObject({ count: 3, duplicates: 0 });
    expect(phpRun(`echo json_encode([shm_get_var($s, 1), shm_get_var($s, 2), shm_get_var($s, 4)]);`, key)).toBe(`["NEW","B","D"]`);
    shm.remove();
    shm.detach();
  });

  test("delete(1) removes every chunk: has(1) is false in Bun and in PHP, the others stay", () => {
    const { key, shm } = duplicated();
    using vars = SharedVariables.open(key);
    expect(vars.delete(1)).toBe(true);
    expect(vars.has(1)).toBe(false);
    expect(vars.get(1)).toBeUndefined();
    expect(vars.delete(1)).toBe(false);
    expect(vars.keys()).toEqual([2, 4]);
    expect(vars.stat()).toMatchObject({ used: 40 + 2 * 40, count: 2, duplicates: 0 });
    expect(phpRun(`var_dump(shm_has_var($s, 1)); echo shm_get_var($s, 2), shm_get_var($s, 4);`, key)).toBe("bool(false)\nBD");
    shm.remove();
    shm.detach();
  });

  test("compat shm_put_var and shm_remove_var heal the same way (PHP 8.2 itself then reads the stale duplicate)", () => {
    // What PHP 8.2 does on such a segment, for the record: put removes only the first chunk, get finds the other.
    const theirs = duplicated();
    expect(phpRun(`shm_put_var($s, 1, 'NEW'); echo shm_get_var($s, 1);`, theirs.key)).toBe("C");
    theirs.shm.remove();
    theirs.shm.detach();

    const { key, shm } = duplicated();
    const s = shm_attach(key);
    if (s === false) throw new Error("shm_attach failed");
    expect(shm_put_var(s, 1, "NEW")).toBe(true);
    expect(shm_get_var(s, 1)).toBe("NEW");
    expect(phpRun(`echo shm_get_var($s, 1);`, key)).toBe("NEW");
    expect(s.variables.stat().duplicates).toBe(0);
    shm.write(new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0]), THIRD_CHUNK); // chunks were [2:B, 4:D, 1:NEW]: now [2:B, 4:D, 4:NEW]
    expect(s.variables.stat().duplicates).toBe(1);
    expect(s.variables.keys()).toEqual([2, 4]);
    expect(shm_get_var(s, 4)).toBe("D");
    expect(shm_remove_var(s, 4)).toBe(true);
    expect(s.variables.has(4)).toBe(false);
    expect(s.variables.keys()).toEqual([2]);
    expect(phpRun(`var_dump(shm_has_var($s, 4));`, key)).toBe("bool(false)\n");
    shm.remove();
    shm.detach();
    s.variables.detach();
  });

  test("a set that does not fit keeps every duplicate (the room counted is free plus all of the key's chunks)", () => {
    const { key, shm } = duplicated();
    using vars = SharedVariables.open(key);
    const room = vars.stat().free + 80; // both chunks of key 1
    expect(() => vars.set(1, "x".repeat(room))).toThrow(expect.objectContaining({ name: "TooBigError" }));
    expect(vars.stat()).toMatchObject({ count: 3, duplicates: 1 });
    const fits = "x".repeat(room - 32 - 8 - 8); // s:N:"...";  with N of 3 digits: 8 bytes of framing, chunk = len + 32
    vars.set(1, fits);
    expect(vars.get(1)).toBe(fits);
    expect(vars.stat()).toMatchObject({ free: 0, duplicates: 0 });
    shm.remove();
    shm.detach();
  });
});

describe("stat(): used + free adds up to the capacity", () => {
  test("used includes the 40-byte header: used + free === total, empty, after writes, after deletes, and on PHP's store", () => {
    using vars = SharedVariables.createNew(keys.next(), { size: 4096 });
    const sums = (): number => { const s = vars.stat(); return s.used + s.free; };
    expect(vars.stat()).toMatchObject({ used: 40, free: 4056, total: 4096 });
    vars.set(1, "hello");
    vars.set(2, [1, 2, 3]);
    expect(sums()).toBe(4096);
    vars.delete(1);
    expect(vars.stat()).toMatchObject({ used: 40 + 64 });
    expect(sums()).toBe(4096);
    vars.remove();

    const key = keys.next();
    expect(php(`$s = shm_attach((int)$argv[1], 2000, 0600); shm_put_var($s, 1, 'hello');`, [key])).toMatchObject({ exitCode: 0, stderr: "" });
    using theirs = SharedVariables.open(key);
    expect(theirs.stat()).toMatchObject({ size: 2000, total: 2000, used: 40 + 48, free: 2000 - 88 });
    theirs.remove();
  });

  test("a header claiming more than the segment (PHP attached with a bigger size): used + free is the kernel's size", () => {
    const key = keys.next();
    using raw = SharedMemory.createNew(key, 4096);
    expect(php(`$s = shm_attach((int)$argv[1], 10000);`, [key])).toMatchObject({ exitCode: 0 });
    using vars = SharedVariables.open(key);
    const s = vars.stat();
    expect([s.total, s.size, s.used + s.free]).toEqual([10000, 4096, 4096]);
    raw.remove();
  });
});

test("every object this file made is gone", () => {
  keys.cleanup();
  expect(keys.live()).toEqual([]);
});
