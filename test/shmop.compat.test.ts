import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  PhpError, setDiagnosticHandler, Shmop, shmop_close, shmop_delete, shmop_open, shmop_read, shmop_size, shmop_write,
  ValueError, type Diagnostic,
} from "../compat/index.ts";
import { listIpc, SharedMemory } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome, phpOutcome, phpOutcomeCommand } from "./helpers/outcome.ts";
import { bunAs, unprivileged } from "./helpers/unprivileged.ts";

const keys = testKeys();
const ROOT = join(import.meta.dir, "..");
const CONTENT = "test #1 of the shmop() extension\0\xff".padEnd(100, "."); // latin1 chars 0-255 = bytes
const CONTENT_BYTES = Uint8Array.from(CONTENT, (c) => c.charCodeAt(0));

/** A 100-byte segment (mode 0644) holding CONTENT, created by Bun, removed after the test. */
function segment(size = 100, mode = 0o644): SharedMemory & Disposable {
  const shm = SharedMemory.createNew(keys.next(), size, { mode });
  keys.track("shm", shm.id);
  shm.write(CONTENT_BYTES.subarray(0, size));
  return shm;
}

/** Runs `php` (a closure body; `$k` is the key) in PHP and `ours` in compat, and expects the same lines. */
function same(php: string, ours: (key: number) => unknown, key: number): string[] {
  const theirs = phpOutcome(`$k = (int)$argv[1]; ${php}`, [key]);
  expect(compatOutcome(() => ours(key))).toEqual(theirs);
  return theirs;
}

function open(key: number, mode: string): Shmop {
  const s = shmop_open(key, mode, 0, 0);
  if (!(s instanceof Shmop)) throw new Error(`shmop_open(${key}, ${mode}) failed`);
  return s;
}

describe("shmop_open errors (PHP 8.2 texts, checked against php)", () => {
  test("invalid modes and sizes are ValueErrors", () => {
    const key = keys.next();
    expect(same(`return shmop_open($k, "x", 0, 0);`, (k) => shmop_open(k, "x", 0, 0), key))
      .toEqual(["ValueError: shmop_open(): Argument #2 ($mode) must be a valid access mode"]);
    same(`return shmop_open($k, "", 0, 0);`, (k) => shmop_open(k, "", 0, 0), key);
    same(`return shmop_open($k, "ac", 0, 0);`, (k) => shmop_open(k, "ac", 0, 0), key);
    same(`return shmop_open($k, "A", 0, 0);`, (k) => shmop_open(k, "A", 0, 0), key);
    expect(same(`return shmop_open($k, "c", 0644, 0);`, (k) => shmop_open(k, "c", 0o644, 0), key))
      .toEqual(['ValueError: shmop_open(): Argument #4 ($size) must be greater than 0 for the "c" and "n" access modes']);
    same(`return shmop_open($k, "n", 0644, -1);`, (k) => shmop_open(k, "n", 0o644, -1), key);
    // $permissions is OR-ed into shmflg: IPC_CREAT in it makes "w" need a size too.
    same(`return shmop_open($k, "w", 01644, 10);`, (k) => shmop_open(k, "w", 0o1644, 10), key);
    expect(listIpc("shm").some((o) => (o.key | 0) === key)).toBe(false);
  });

  test("missing segment with a and w: warning, false", () => {
    const key = keys.next();
    expect(same(`return shmop_open($k, "a", 0, 0);`, (k) => shmop_open(k, "a", 0, 0), key)).toEqual([
      'Warning: shmop_open(): Unable to attach or create shared memory segment "No such file or directory"',
      "return: false",
    ]);
    same(`return shmop_open($k, "w", 0, 0);`, (k) => shmop_open(k, "w", 0, 0), key);
  });

  test('"n" on an existing segment: File exists; "c" bigger than it: Invalid argument', () => {
    using shm = segment();
    expect(same(`return shmop_open($k, "n", 0644, 100);`, (k) => shmop_open(k, "n", 0o644, 100), shm.key)).toEqual([
      'Warning: shmop_open(): Unable to attach or create shared memory segment "File exists"',
      "return: false",
    ]);
    same(`return shmop_open($k, "c", 0644, 200);`, (k) => shmop_open(k, "c", 0o644, 200), shm.key);
    shm.remove();
  });

  test('key 0 with "a": Invalid argument', () => {
    expect(same(`return shmop_open($k, "a", 0, 0);`, (k) => shmop_open(k, "a", 0, 0), 0)).toEqual([
      'Warning: shmop_open(): Unable to attach or create shared memory segment "Invalid argument"',
      "return: false",
    ]);
  });

  test('"c" reports the real size of a bigger existing segment; keys are truncated to 32 bits', () => {
    using shm = segment();
    expect(same(`return shmop_size(shmop_open($k, "c", 0644, 50));`, (k) => shmop_size(shmop_open(k, "c", 0o644, 50) as Shmop), shm.key))
      .toEqual(["return: 100"]);
    same(`return shmop_read(shmop_open($k + 0x100000000, "a", 0, 0), 0, 7);`, (k) => shmop_read(open(k + 0x1_0000_0000, "a"), 0, 7), shm.key);
    shm.remove();
  });

  test("key 0 with c: a new private segment every time", () => {
    const before = new Set(listIpc("shm").map((o) => o.id));
    const a = shmop_open(0, "c", 0o600, 10) as Shmop;
    const b = shmop_open(0, "c", 0o600, 10) as Shmop;
    const made = listIpc("shm").filter((o) => !before.has(o.id) && o.key === 0 && o.raw.cpid === process.pid);
    made.forEach((o) => keys.track("shm", o.id));
    expect(made.length).toBe(2);
    shmop_write(a, "A", 0);
    shmop_write(b, "B", 0);
    expect(shmop_read(a, 0, 1)).toBe("A");
    expect(shmop_read(b, 0, 1)).toBe("B");
    expect(shmop_delete(a) && shmop_delete(b)).toBe(true);
  });

  test("new Shmop() is refused", () => {
    expect(same(`return new Shmop();`, () => new (Shmop as unknown as new () => Shmop)(), 0))
      .toEqual(["Error: Cannot directly construct Shmop, use shmop_open() instead"]);
    expect(() => new (Shmop as unknown as new () => Shmop)()).toThrow(PhpError);
  });
});

describe("shmop_read / shmop_write bounds (checked against php)", () => {
  test("shmop_read: offset and size ValueErrors, size 0 reads to the end", () => {
    using shm = segment();
    const cases: Array<[string, (s: Shmop) => unknown]> = [
      [`shmop_read($s, -1, 1)`, (s) => shmop_read(s, -1, 1)],
      [`shmop_read($s, 101, 0)`, (s) => shmop_read(s, 101, 0)],
      [`shmop_read($s, 0, -1)`, (s) => shmop_read(s, 0, -1)],
      [`shmop_read($s, 50, 51)`, (s) => shmop_read(s, 50, 51)],
      [`shmop_read($s, 100, 0)`, (s) => shmop_read(s, 100, 0)],
      [`shmop_read($s, 90, 0)`, (s) => shmop_read(s, 90, 0)],
      [`shmop_read($s, 0, 0)`, (s) => shmop_read(s, 0, 0)],
      [`shmop_read($s, 31, 4)`, (s) => shmop_read(s, 31, 4)],
    ];
    const results = cases.map(([php, ours]) => same(`$s = shmop_open($k, "a", 0, 0); return ${php};`, (k) => ours(open(k, "a")), shm.key));
    expect(results[0]).toEqual(["ValueError: shmop_read(): Argument #2 ($offset) must be between 0 and the segment size"]);
    expect(results[2]).toEqual(["ValueError: shmop_read(): Argument #3 ($size) is out of range"]);
    expect(results[4]).toEqual(["return: string:"]);
    expect(results[7]).toEqual(["return: string:6e00ff2e"]); // "n\0\xff.": not UTF-8, so bytes
    const s = open(shm.key, "a");
    expect(shmop_read(s, 0, 4)).toBe("test");
    expect(shmop_read(s, 31, 4)).toEqual(new Uint8Array([0x6e, 0, 0xff, 0x2e]));
    shm.remove();
  });

  test('shmop_write: read-only Error first, offset ValueErrors, silent truncation', () => {
    using shm = segment(16);
    const cases: Array<[string, string, (s: Shmop) => unknown]> = [
      ["a", `shmop_write($s, "x", -1)`, (s) => shmop_write(s, "x", -1)],
      ["w", `shmop_write($s, "x", -1)`, (s) => shmop_write(s, "x", -1)],
      ["w", `shmop_write($s, "x", 17)`, (s) => shmop_write(s, "x", 17)],
      ["w", `shmop_write($s, "12345678", 11)`, (s) => shmop_write(s, "12345678", 11)],
      ["w", `shmop_write($s, "x", 16)`, (s) => shmop_write(s, "x", 16)],
      ["w", `shmop_write($s, "\\0\\xffA", 0)`, (s) => shmop_write(s, new Uint8Array([0, 0xff, 0x41]), 0)],
      ["w", `shmop_read($s, 0, 0)`, (s) => shmop_read(s, 0, 0)],
    ];
    const results = cases.map(([mode, php, ours]) => same(`$s = shmop_open($k, "${mode}", 0, 0); return ${php};`, (k) => ours(open(k, mode)), shm.key));
    expect(results[0]).toEqual(["Error: Read-only segment cannot be written"]);
    expect(results[1]).toEqual(["ValueError: shmop_write(): Argument #3 ($offset) is out of range"]);
    expect(results[3]).toEqual(["return: 5"]);
    expect(results[4]).toEqual(["return: 0"]);
    expect(results[6]).toEqual([`return: string:${Buffer.from("\0\xffAt #1 of 12345", "latin1").toString("hex")}`]);
    shm.remove();
  });

  test("UTF-8 strings: written as UTF-8, read back as string", () => {
    using shm = segment(32);
    const s = open(shm.key, "w");
    expect(shmop_write(s, "héllo €😀", 0)).toBe(14);
    expect(shmop_read(s, 0, 14)).toBe("héllo €😀");
    expect(shmop_read(s, 0, 2)).toEqual(new Uint8Array([0x68, 0xc3])); // "h" + half of "é": bytes, not U+FFFD
    shm.remove();
  });
});

describe("shmop_size, shmop_delete, shmop_close", () => {
  test("delete: true twice, still usable after; gone from /proc/sysvipc once detached (php and ours, each on its own segment)", async () => {
    const forPhp = segment();
    const forUs = segment();
    const body = `[shmop_delete($s), shmop_delete($s), shmop_size($s), shmop_write($s, "ok", 0), shmop_read($s, 0, 2)]`;
    const theirs = phpOutcome(`$s = shmop_open((int)$argv[1], "w", 0, 0); return json_encode(${body});`, [forPhp.key]);
    const ours = compatOutcome(() => {
      const s = open(forUs.key, "w");
      return JSON.stringify([shmop_delete(s), shmop_delete(s), shmop_size(s), shmop_write(s, "ok", 0), shmop_read(s, 0, 2)]);
    });
    expect(ours).toEqual(theirs);
    expect(JSON.parse(Buffer.from(theirs[0].slice("return: string:".length), "hex").toString())).toEqual([true, true, 100, 2, "ok"]);
    forPhp.detach();
    forUs.detach();
    const gone = () => !listIpc("shm").some((o) => o.id === forPhp.id || o.id === forUs.id);
    for (let i = 0; i < 200 && !gone(); i++) { Bun.gc(true); await Bun.sleep(5); } // our Shmop is detached on GC
    expect(gone()).toBe(true);
  });

  test("shmop_size is the kernel's size", () => {
    using shm = segment(4096);
    same(`return shmop_size(shmop_open($k, "a", 0, 0));`, (k) => shmop_size(open(k, "a")), shm.key);
    expect(shmop_size(open(shm.key, "a"))).toBe(4096);
    shm.remove();
  });

  test("shmop_close: Deprecated diagnostic, no effect", () => {
    using shm = segment();
    const seen: Diagnostic[] = [];
    const previous = setDiagnosticHandler((d) => seen.push(d));
    const s = open(shm.key, "w");
    try {
      expect(shmop_close(s)).toBeUndefined();
    } finally {
      setDiagnosticHandler(previous);
    }
    expect(seen.map((d) => d.text)).toEqual(["Deprecated: Function shmop_close() is deprecated"]);
    expect(shmop_read(s, 0, 4)).toBe("test");
    expect(same(`$s = shmop_open($k, "a", 0, 0); shmop_close($s); return shmop_read($s, 0, 4);`,
      (k) => { const t = open(k, "a"); shmop_close(t); return shmop_read(t, 0, 4); }, shm.key))
      .toEqual(["Deprecated: Function shmop_close() is deprecated", "return: string:74657374"]);
    shm.remove();
  });

  test("wrong argument types are TypeErrors with PHP's text", () => {
    using shm = segment();
    same(`return shmop_size("nope");`, () => shmop_size("nope" as never), shm.key);
    same(`return shmop_open($k, "a", "x", 0);`, (k) => shmop_open(k, "a", "x" as never, 0), shm.key);
    shm.remove();
  });
});

describe("as an unprivileged user (php and compat both run as nobody)", () => {
  const nobody = unprivileged();
  test.skipIf(!nobody.prefix)(`permission failures at each step of shmop_open, and shmop_delete by a non-owner (${nobody.why})`, () => {
    using rw = segment(100, 0o600); // owner root: nobody gets nothing, shmget refuses the 0644 asked
    using none = segment(100, 0o000); // shmget(key, 0, 0) passes, IPC_STAT needs read permission
    using ro = segment(100, 0o444); // shmget and IPC_STAT pass, a read-write shmat does not
    const cases: Array<[php: string, js: string]> = [
      [`shmop_open(${rw.key}, "c", 0644, 100)`, `c.shmop_open(${rw.key}, "c", 0o644, 100)`],
      [`shmop_open(${none.key}, "a", 0, 0)`, `c.shmop_open(${none.key}, "a", 0, 0)`],
      [`shmop_open(${ro.key}, "w", 0, 0)`, `c.shmop_open(${ro.key}, "w", 0, 0)`],
      [`shmop_read(shmop_open(${ro.key}, "a", 0, 0), 0, 4)`, `c.shmop_read(c.shmop_open(${ro.key}, "a", 0, 0), 0, 4)`],
      [`shmop_delete(shmop_open(${ro.key}, "a", 0, 0))`, `c.shmop_delete(c.shmop_open(${ro.key}, "a", 0, 0))`],
    ];
    const theirs = cases.map(([php]) => phpOutcome(`return ${php};`, [], nobody.prefix!));
    const r = bunAs(nobody.prefix!, `
      import * as c from ${JSON.stringify(join(ROOT, "compat/index.ts"))};
      import { compatOutcome } from ${JSON.stringify(join(ROOT, "test/helpers/outcome.ts"))};
      console.log(JSON.stringify([${cases.map(([, js]) => `compatOutcome(() => ${js})`).join(", ")}]));
    `);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(theirs);
    expect(theirs).toEqual([
      ['Warning: shmop_open(): Unable to attach or create shared memory segment "Permission denied"', "return: false"],
      ['Warning: shmop_open(): Unable to get shared memory segment information "Permission denied"', "return: false"],
      ['Warning: shmop_open(): Unable to attach to shared memory segment "Permission denied"', "return: false"],
      ["return: string:74657374"],
      ["Warning: shmop_delete(): Can't mark segment for deletion (are you the owner?)", "return: false"],
    ]);
    expect(listIpc("shm").some((o) => o.id === ro.id)).toBe(true);
    for (const s of [rw, none, ro]) s.remove();
  });
});

test("every object this file made is gone from /proc/sysvipc", async () => {
  for (let i = 0; i < 200 && keys.live().length > 0; i++) { Bun.gc(true); await Bun.sleep(5); }
  expect(keys.live()).toEqual([]);
});
