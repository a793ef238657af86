import { describe, expect, test } from "bun:test";
import { Shmop, shmop_open, shmop_read, shmop_write } from "../compat/index.ts";
import { SharedMemory } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php, phpJson, phpSpawn } from "./helpers/php.ts";

const keys = testKeys();
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
/** Every byte value, NULs at both ends. */
const ALL_BYTES = Uint8Array.from({ length: 258 }, (_, i) => (i === 257 ? 0 : i % 256));

/** Polls `done()` every millisecond, failing after `ms` (so a test never hangs on another process). */
async function waitFor(done: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(1);
  }
}

describe("PHP and Bun share segments byte for byte", () => {
  test("PHP creates with shmop_open 'n' and writes every byte value; Bun reads the same bytes", () => {
    const key = keys.next();
    const r = php(`$s = shmop_open((int)$argv[1], "n", 0644, 300); echo shmop_write($s, hex2bin($argv[2]), 10);`, [key, hex(ALL_BYTES)]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("258");
    using shm = SharedMemory.open(key, { readOnly: true });
    expect(shm.size).toBe(300);
    expect(shm.stat().mode).toBe(0o644);
    expect(shm.read(10, 258)).toEqual(ALL_BYTES);
    expect(shm.read(0, 10)).toEqual(new Uint8Array(10)); // fresh segments are zero-filled
    using rw = SharedMemory.open(key);
    rw.remove();
  });

  test("Bun creates and writes; PHP reads the same bytes (hex), and sees the size and mode", () => {
    const key = keys.next();
    using shm = SharedMemory.createNew(key, 512, { mode: 0o640 });
    shm.write(ALL_BYTES, 100);
    shm.write("héllo €😀", 400);
    const seen = phpJson<{ bytes: string; text: string; size: number }>(
      `$s = shmop_open((int)$argv[1], "a", 0, 0);
       echo json_encode(["bytes" => bin2hex(shmop_read($s, 100, 258)), "text" => shmop_read($s, 400, 14), "size" => shmop_size($s)]);`,
      [key],
    );
    expect(seen).toEqual({ bytes: hex(ALL_BYTES), text: "héllo €😀", size: 512 });
    shm.remove();
  });

  test("PHP's 64-bit key meets ours through the 32-bit truncation", () => {
    const key = keys.next();
    using shm = SharedMemory.createNew(key, 16);
    shm.write("truncated key");
    const r = php(`echo shmop_read(shmop_open((int)$argv[1] + 0x100000000, "a", 0, 0), 0, 13);`, [key]);
    expect(r.stdout).toBe("truncated key");
    shm.remove();
  });

  test("Bun writes through compat shmop_write while a PHP process holds the segment open; PHP reads after", async () => {
    const key = keys.next();
    const created = shmop_open(key, "n", 0o600, 64);
    expect(created).toBeInstanceOf(Shmop);
    const s = created as Shmop;
    using watch = SharedMemory.open(key, { readOnly: true });
    // Byte 0: PHP is attached and waiting. Byte 1: Bun has written. Payload at 8.
    const { proc, done } = phpSpawn(`
      $s = shmop_open((int)$argv[1], "w", 0, 0);
      shmop_write($s, "\\x01", 0);
      $until = microtime(true) + 10;
      while (shmop_read($s, 1, 1) !== "\\x01") {
        if (microtime(true) > $until) { fwrite(STDERR, "timeout"); exit(2); }
        usleep(1000);
      }
      echo bin2hex(shmop_read($s, 8, 40));
    `, [key], 20_000);
    try {
      await waitFor(() => watch.read(0, 1)[0] === 1, 10_000, "PHP to attach");
      expect(watch.stat().attachCount).toBe(3); // ours (compat), ours (watch), PHP
      const payload = new Uint8Array([0xde, 0xad, 0, 0xbe, 0xef, 0]);
      expect(shmop_write(s, payload, 8)).toBe(6);
      expect(shmop_write(s, "ünïcode", 14)).toBe(9);
      expect(shmop_write(s, new Uint8Array([1]), 1)).toBe(1);
      const r = await done;
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      const expected = new Uint8Array(40);
      expected.set(payload, 0);
      expected.set(new TextEncoder().encode("ünïcode"), 6);
      expect(r.stdout).toBe(hex(expected));
      expect(shmop_read(s, 14, 9)).toBe("ünïcode");
    } finally {
      proc.kill();
      watch.detach();
      using rw = SharedMemory.open(key);
      rw.remove();
    }
  });

  test("bytes PHP writes that are not UTF-8 come back from shmop_read as exact bytes", () => {
    const key = keys.next();
    php(`$s = shmop_open((int)$argv[1], "n", 0600, 8); shmop_write($s, "\\xef\\xbb\\xbfA\\xc3", 0);`, [key]);
    const s = shmop_open(key, "a", 0, 0) as Shmop;
    expect(shmop_read(s, 0, 4)).toBe("\ufeffA"); // a BOM is kept, valid UTF-8 is text
    expect(shmop_read(s, 0, 5)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0xc3]));
    using rw = SharedMemory.open(key);
    rw.remove();
  });
});

test("every object this file made is gone from /proc/sysvipc", async () => {
  for (let i = 0; i < 200 && keys.live().length > 0; i++) { Bun.gc(true); await Bun.sleep(5); }
  expect(keys.live()).toEqual([]);
});
