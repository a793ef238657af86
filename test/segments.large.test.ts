/**
 * Segments of 2^31 bytes and more (issue 8 defect 4). The kernel allocates shared memory lazily, so a
 * 4 GiB segment costs only the pages touched: these tests write headers and a few chunks, never the bulk.
 * Bun maps at most 2^32 bytes (MAX_MAPPED_SIZE); PHP attaches bigger ones, Bun refuses them with a
 * TooBigError naming size and limit, leaving no attach and no segment it created.
 */
import { describe, expect, test } from "bun:test";
import { shm_attach, shmop_open } from "../compat/index.ts";
import { listIpc, MAX_MAPPED_SIZE, SharedMemory, SharedVariables, TooBigError } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome } from "./helpers/outcome.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();
const BIG = 2 ** 31 + 64;
const OVER = 2 ** 32 + 4096;

/** The kernel's attach count of the segment of `key` (undefined if there is none). */
function attachCount(key: number): number | undefined {
  return listIpc("shm").find((o) => o.key === key)?.count;
}

/** Segments this process created (shm_cpid), e.g. private ones a failed constructor might leave. */
function ownSegments(): number[] {
  return listIpc("shm").filter((o) => o.raw.cpid === process.pid).map((o) => o.id);
}

function phpOk(code: string, argv: Array<string | number>): string {
  const r = php(code, argv);
  expect(r).toMatchObject({ exitCode: 0, stderr: "" });
  return r.stdout;
}

describe("a store on a segment of 2^31 + 64 bytes, with PHP", () => {
  test("PHP creates and writes, Bun reads and writes, PHP reads Bun's value", () => {
    const key = keys.next();
    phpOk(`$s = shm_attach((int)$argv[1], (int)$argv[2], 0600); if (!shm_put_var($s, 1, ['from' => 'php', 'x' => 1.5])) exit(1);`, [key, BIG]);
    using vars = SharedVariables.open(key);
    expect(vars.segment.size).toBe(BIG);
    expect(vars.get(1)).toEqual({ from: "php", x: 1.5 });
    vars.set(2, "from bun");
    const stat = vars.stat();
    expect(stat).toMatchObject({ size: BIG, total: BIG, count: 2 });
    expect(stat.used + stat.free).toBe(BIG);
    expect(phpOk(`$s = shm_attach((int)$argv[1]); echo json_encode([shm_get_var($s, 1), shm_get_var($s, 2)]);`, [key]))
      .toBe(`[{"from":"php","x":1.5},"from bun"]`);
    vars.remove();
  });

  test("a private store of 2^31 + 64 bytes created by Bun works", () => {
    using vars = SharedVariables.create(0, { size: BIG });
    try {
      vars.set(7, [1, 2, 3]);
      expect(vars.get(7)).toEqual([1, 2, 3]);
      expect(vars.stat()).toMatchObject({ size: BIG, total: BIG, count: 1 });
    } finally {
      vars.remove();
    }
  });
});

describe("chunks at offsets past 2^31 and up to 2^32", () => {
  test("a filler chunk puts variables near the end of a 4 GiB segment; Bun and PHP both read and write them", () => {
    const key = keys.next();
    using shm = SharedMemory.createNew(key, MAX_MAPPED_SIZE);
    // Header + one chunk (key 99) whose payload is never touched: the next chunk starts at 2^32 - 128.
    const fillerLength = 2 ** 32 - 200, fillerNext = Math.floor((fillerLength + 31) / 8) * 8 + 8;
    const end = 40 + fillerNext;
    const head = new DataView(new ArrayBuffer(64));
    new Uint8Array(head.buffer).set(new TextEncoder().encode("PHP_SM\0"));
    head.setBigInt64(8, 40n, true);
    head.setBigInt64(16, BigInt(end), true);
    head.setBigInt64(24, BigInt(MAX_MAPPED_SIZE - end), true);
    head.setBigInt64(32, BigInt(MAX_MAPPED_SIZE), true);
    head.setBigInt64(40, 99n, true);
    head.setBigInt64(48, BigInt(fillerLength), true);
    head.setBigInt64(56, BigInt(fillerNext), true);
    shm.write(new Uint8Array(head.buffer));
    expect(end).toBe(2 ** 32 - 128);
    // SharedMemory itself at offsets past 2^31 (in the filler's never-read payload).
    expect(shm.write("far", 2 ** 31 + 5)).toBe(3);
    expect([...shm.read(2 ** 31 + 5, 3)]).toEqual([102, 97, 114]);
    const into = new Uint8Array(3);
    expect(shm.readInto(into, 2 ** 31 + 5)).toBe(3);
    const view = shm.view();
    expect(view.length).toBe(MAX_MAPPED_SIZE);
    expect(view[2 ** 31 + 6]).toBe(97);
    expect(() => shm.write("x", MAX_MAPPED_SIZE)).toThrow(RangeError);

    using vars = SharedVariables.open(key);
    vars.set(1, "bun");
    expect(vars.keys()).toEqual([99, 1]);
    expect(vars.get(1)).toBe("bun");
    expect(phpOk(`$s = shm_attach((int)$argv[1]); echo shm_get_var($s, 1); var_dump(shm_put_var($s, 2, 2.5));`, [key]))
      .toBe("bunbool(true)\n");
    expect(vars.get(2)).toBe(2.5);
    expect(vars.delete(1)).toBe(true);
    expect(vars.keys()).toEqual([99, 2]);
    const stat = vars.stat();
    expect(stat.used + stat.free).toBe(MAX_MAPPED_SIZE);
    // A value that does not fit in the last 128 bytes is refused, the old one kept.
    expect(() => vars.set(2, "x".repeat(200))).toThrow(TooBigError);
    expect(phpOk(`$s = shm_attach((int)$argv[1]); var_dump(shm_get_var($s, 2), shm_has_var($s, 1));`, [key]))
      .toBe("float(2.5)\nbool(false)\n");
    shm.remove();
  });
});

describe("segments over 4 GiB: a clear error, no attach left, nothing created left", () => {
  test("opening PHP's 4 GiB + 4096 segment: TooBigError naming size and limit from every constructor, attach count stays 0", () => {
    const key = keys.next();
    phpOk(`$s = shmop_open((int)$argv[1], "n", 0600, (int)$argv[2]); if (!$s) exit(1); shmop_write($s, "php", 0);`, [key, OVER]);
    expect(attachCount(key)).toBe(0);
    const id = listIpc("shm").find((o) => o.key === key)!.id;
    const message = new RegExp(`EFBIG.*${OVER} bytes.*at most ${MAX_MAPPED_SIZE}`);
    for (let round = 0; round < 3; round++) {
      expect(() => SharedMemory.open(key)).toThrow(message);
      expect(() => SharedMemory.open(key)).toThrow(TooBigError);
      expect(() => SharedMemory.create(key, 100)).toThrow(message);
      expect(() => SharedMemory.openId(id)).toThrow(message);
      expect(() => SharedVariables.open(key)).toThrow(message);
      expect(() => SharedVariables.create(key)).toThrow(message);
      expect(compatOutcome(() => shmop_open(key, "w", 0, 0))).toEqual([
        `Warning: shmop_open(): Unable to attach to shared memory segment "File too large" (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)`,
        "return: false",
      ]);
      expect(compatOutcome(() => shm_attach(key))).toEqual([
        `Warning: shm_attach(): Failed for key 0x${key.toString(16)}: File too large (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)`,
        "return: false",
      ]);
      expect(attachCount(key)).toBe(0);
    }
    // PHP still attaches it.
    expect(phpOk(`$s = shmop_open((int)$argv[1], "a", 0, 0); echo shmop_read($s, 0, 3), shmop_size($s);`, [key])).toBe(`php${OVER}`);
  });

  test("creating over 4 GiB is refused before shmget: no segment appears (create, createNew, private, stores, compat)", () => {
    const before = ownSegments();
    const key = keys.next();
    expect(() => SharedMemory.createNew(key, OVER)).toThrow(TooBigError);
    expect(() => SharedMemory.create(key, OVER)).toThrow(/nothing was created or attached/);
    expect(() => SharedMemory.createPrivate(5 * 2 ** 30)).toThrow(TooBigError);
    expect(() => SharedVariables.create(key, { size: OVER })).toThrow(TooBigError);
    expect(() => SharedVariables.createNew(key, { size: OVER })).toThrow(TooBigError);
    expect(() => SharedVariables.create(0, { size: OVER })).toThrow(TooBigError);
    expect(compatOutcome(() => shm_attach(key, OVER))).toEqual([
      `Warning: shm_attach(): Failed for key 0x${key.toString(16)}: File too large (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)`,
      "return: false",
    ]);
    expect(compatOutcome(() => shmop_open(key, "n", 0o600, OVER))).toEqual([
      `Warning: shmop_open(): Unable to attach to shared memory segment "File too large" (Bun cannot map a segment over ${MAX_MAPPED_SIZE} bytes)`,
      "return: false",
    ]);
    expect(attachCount(key)).toBeUndefined();
    expect(ownSegments()).toEqual(before);
  });
});

test("every object this file made is gone", () => {
  keys.cleanup();
  expect(keys.live()).toEqual([]);
});
