import { describe, expect, test } from "bun:test";
import {
  shm_attach, shm_detach, shm_get_var, shm_has_var, shm_put_var, shm_remove, shm_remove_var, shmop_open, shmop_write,
  SysvSharedMemory,
} from "../compat/index.ts";
import { listIpc, removeIpc, SharedVariables } from "../src/index.ts";
import { join } from "node:path";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { bunAs, unprivileged } from "./helpers/unprivileged.ts";

const keys = testKeys();
const COMPAT = JSON.stringify(join(import.meta.dir, "../compat/index.ts"));
const OUTCOME = JSON.stringify(join(import.meta.dir, "helpers/outcome.ts"));
const nobody = unprivileged();

/** Removes whatever segment `key` names (PHP and our side each start from nothing). */
function clear(key: number): void {
  for (const o of listIpc("shm")) if ((o.key | 0) === key) removeIpc("shm", o.id);
}

/**
 * Runs `body` in PHP, clears the key, runs the compat version on the same key, clears again, and expects
 * the same diagnostics and result. Returns PHP's lines.
 */
function same(body: string, ours: (key: number) => unknown, key = keys.next()): string[] {
  const expected = phpOutcome(body, [key]);
  clear(key);
  const got = compatOutcome(() => ours(key));
  clear(key);
  expect(got).toEqual(expected);
  return expected;
}

const attach = (key: number, size?: number) => shm_attach(key, size ?? null) as SysvSharedMemory;

describe("compat shm_*: PHP 8.2's warnings, errors and results", () => {
  test("put, get, has, remove_var, and a missing key", () => {
    const lines = same(`$s = shm_attach((int)$argv[1]); shm_put_var($s, 5, ['a' => 1]);
        $r = json_encode([shm_has_var($s, 5), shm_get_var($s, 5), shm_get_var($s, 6), shm_remove_var($s, 5),
          shm_remove_var($s, 5), shm_has_var($s, 5)]); shm_remove($s); return $r;`,
      (k) => {
        const s = attach(k);
        shm_put_var(s, 5, { a: 1 });
        const r = JSON.stringify([shm_has_var(s, 5), shm_get_var(s, 5), shm_get_var(s, 6), shm_remove_var(s, 5),
          shm_remove_var(s, 5), shm_has_var(s, 5)]);
        shm_remove(s);
        return r;
      });
    expect(lines.slice(0, 2)).toEqual([
      "Warning: shm_get_var(): Variable key 6 doesn't exist",
      "Warning: shm_remove_var(): Variable key 5 doesn't exist",
    ]);
  });

  test("size checks: 0 and negative are ValueErrors, below 40 warns 'memorysize too small'", () => {
    same(`return shm_attach((int)$argv[1], 0);`, (k) => shm_attach(k, 0));
    same(`return shm_attach((int)$argv[1], -1);`, (k) => shm_attach(k, -1));
    const lines = same(`return shm_attach((int)$argv[1], 39);`, (k) => shm_attach(k, 39));
    expect(lines[0]).toMatch(/^Warning: shm_attach\(\): Failed for key 0x[0-9a-f]+: memorysize too small$/);
  });

  test("a value that does not fit (php-src 004.phpt): warning and false", () => {
    same(`$s = shm_attach((int)$argv[1], 1024); $r = shm_put_var($s, 1, str_repeat("x", 2048)); shm_remove($s); return $r;`,
      (k) => { const s = attach(k, 1024); const r = shm_put_var(s, 1, "x".repeat(2048)); shm_remove(s); return r; });
  });

  test("detach, then every use throws Error (003.phpt, 007.phpt)", () => {
    for (const call of ["shm_detach($s)", "shm_remove($s)", "shm_get_var($s, 1)", "shm_put_var($s, 1, 1)", "shm_has_var($s, 1)", "shm_remove_var($s, 1)"]) {
      same(`$s = shm_attach((int)$argv[1]); shm_remove($s); shm_detach($s); return ${call};`, (k) => {
        const s = attach(k);
        shm_remove(s);
        shm_detach(s);
        return ({
          "shm_detach($s)": () => shm_detach(s), "shm_remove($s)": () => shm_remove(s),
          "shm_get_var($s, 1)": () => shm_get_var(s, 1), "shm_put_var($s, 1, 1)": () => shm_put_var(s, 1, 1),
          "shm_has_var($s, 1)": () => shm_has_var(s, 1), "shm_remove_var($s, 1)": () => shm_remove_var(s, 1),
        } as Record<string, () => unknown>)[call]!();
      });
    }
  });

  test("shm_remove twice on an attached handle returns true both times", () => {
    same(`$s = shm_attach((int)$argv[1]); return json_encode([shm_remove($s), shm_remove($s)]);`,
      (k) => { const s = attach(k); return JSON.stringify([shm_remove(s), shm_remove(s)]); });
  });

  test("corrupt serialized data: 'Variable data in shared memory is corrupted'", () => {
    same(`$s = shm_attach((int)$argv[1], 200); shm_put_var($s, 1, "abc"); shmop_write(shmop_open((int)$argv[1], "w", 0, 0), "X", 64);
        $r = shm_get_var($s, 1); shm_remove($s); return $r;`,
      (k) => {
        const s = attach(k, 200);
        shm_put_var(s, 1, "abc");
        shmop_write(shmop_open(k, "w", 0, 0) as never, "X", 64);
        const r = shm_get_var(s, 1);
        shm_remove(s);
        return r;
      });
  });

  test("keys above 32 bits name the same segment; existing segments ignore size and permissions", () => {
    same(`$a = shm_attach((int)$argv[1], 500); shm_put_var($a, 1, "one"); $b = shm_attach(0x100000000 + (int)$argv[1], 99999, 0600);
        $r = shm_get_var($b, 1); shm_remove($a); return $r;`,
      (k) => {
        const a = attach(k, 500);
        shm_put_var(a, 1, "one");
        const b = shm_attach(0x1_0000_0000 + k, 99999, 0o600) as SysvSharedMemory;
        const r = shm_get_var(b, 1);
        shm_remove(a);
        return r;
      });
  });

  test("type errors and direct construction", () => {
    same(`return shm_get_var(false, 1);`, () => shm_get_var(false as never, 1));
    same(`return new SysvSharedMemory();`, () => new SysvSharedMemory(Symbol(), null as never));
    same(`$s = shm_attach((int)$argv[1]); shm_remove($s); return $s;`, (k) => { const s = attach(k); shm_remove(s); return s; });
  });

  test("serialization that detaches the segment (gh16591) throws Error; one that throws propagates", () => {
    same(`class T { function __serialize(): array { global $mem; shm_detach($mem); return []; } }
        $GLOBALS['mem'] = shm_attach((int)$argv[1]); return shm_put_var($GLOBALS['mem'], 1, new T());`,
      (k) => {
        const mem = attach(k);
        return shm_put_var(mem, 1, { get a() { shm_detach(mem); return 1; } });
      });
    const s = attach(keys.next());
    expect(() => shm_put_var(s, 1, { get a(): number { throw new Error("from a getter"); } })).toThrow("from a getter");
    expect(shm_has_var(s, 1)).toBe(false);
    shm_remove(s);
  });

  test("attach and remove the same key twice (shutdown_crash_0)", () => {
    same(`$a = shm_attach((int)$argv[1]); shm_remove($a); $b = shm_attach((int)$argv[1]); shm_remove($b); return [$a, $b] ? true : false;`,
      (k) => { const a = attach(k); shm_remove(a); const b = attach(k); shm_remove(b); return a !== b; });
  });

  test.skipIf(!nobody.prefix)(`permissions as an unprivileged user (${nobody.why}): the same warning as PHP; a segment created but not attachable is removed`, () => {
    const key = keys.next();
    const guarded = shm_attach(key, 100, 0o600) as SysvSharedMemory; // root's, not open to nobody
    const body = `return shm_attach((int)$argv[1]);`;
    const expected = phpOutcome(body, [key], nobody.prefix!);
    const r = bunAs(nobody.prefix!, `
      import { shm_attach } from ${COMPAT}; import { compatOutcome } from ${OUTCOME};
      console.log(JSON.stringify(compatOutcome(() => shm_attach(${key}))));`);
    expect(JSON.parse(r.stdout)).toEqual(expected);
    expect(expected[0]).toMatch(/Failed for key 0x[0-9a-f]+: Permission denied$/);
    shm_remove(guarded);
    const fresh = keys.next();
    const made = bunAs(nobody.prefix!, `
      import { shm_attach } from ${COMPAT}; import { compatOutcome } from ${OUTCOME};
      console.log(JSON.stringify(compatOutcome(() => shm_attach(${fresh}, 100, 0))));`);
    expect(JSON.parse(made.stdout)).toEqual([`Warning: shm_attach(): Failed for key 0x${fresh.toString(16)}: Permission denied`, "return: false"]);
    expect(listIpc("shm").some((o) => (o.key | 0) === fresh)).toBe(false); // PHP 8.2 leaks it here
  });

  test("defaults: 10000 bytes and mode 0666 (idiomatic objects default to 0600)", () => {
    const key = keys.next();
    const s = attach(key);
    const row = listIpc("shm").find((o) => (o.key | 0) === key)!;
    expect([row.size, row.mode]).toEqual([10000, 0o666]);
    expect(s.variables.stat()).toMatchObject({ total: 10000, free: 9960 });
    shm_remove(s);
    shm_detach(s);
  });
});

describe("compat shm_*: where PHP 8.2 loses data or crashes", () => {
  test("a put that does not fit keeps the old value (PHP 8.2 deletes it)", () => {
    const s = attach(keys.next(), 200);
    shm_put_var(s, 1, "old");
    expect(compatOutcome(() => shm_put_var(s, 1, "x".repeat(300)))).toEqual([
      "Warning: shm_put_var(): Not enough shared memory left", "return: false",
    ]);
    expect(shm_get_var(s, 1)).toBe("old");
    shm_remove(s);
  });

  test("a forged header (end beyond the segment) gives a warning and false, not a segfault", () => {
    const key = keys.next();
    const s = attach(key, 4096);
    shm_put_var(s, 1, "a");
    const forged = new Uint8Array(8);
    new DataView(forged.buffer).setBigInt64(0, 1n << 40n, true);
    s.variables.segment.write(forged, 16);
    for (const call of [() => shm_get_var(s, 1), () => shm_has_var(s, 1), () => shm_put_var(s, 2, 2), () => shm_remove_var(s, 1)]) {
      const [warning, result] = compatOutcome(call);
      expect(warning).toMatch(/^Warning: shm_\w+\(\): Shared memory segment is corrupted: .*header at offset 16/);
      expect(result).toBe("return: false");
    }
    shm_remove(s);
  });

  test("attaching an existing 4 KiB segment with 10 MiB writes total = 4096, the kernel's size", () => {
    const key = keys.next();
    using raw = SharedVariables.createNew(key, { size: 4096 });
    raw.segment.write(new Uint8Array(40)); // no header yet
    const s = shm_attach(key, 10 * 1024 * 1024) as SysvSharedMemory;
    expect(s.variables.stat()).toMatchObject({ size: 4096, total: 4096 });
    expect(compatOutcome(() => shm_put_var(s, 1, "x".repeat(8000)))).toEqual([
      "Warning: shm_put_var(): Not enough shared memory left", "return: false",
    ]);
    shm_detach(s);
  });

  test("an existing segment smaller than the header is refused", () => {
    const key = keys.next();
    const s = shmop_open(key, "n", 0o600, 8);
    expect(compatOutcome(() => shm_attach(key))).toEqual([
      `Warning: shm_attach(): Failed for key 0x${key.toString(16)}: segment too small`, "return: false",
    ]);
    expect(s).toBeTruthy();
  });
});
