import { afterAll, describe, expect, test } from "bun:test";
import { BusyError, FileLock, IpcError } from "../src/index.ts";
import { tempFile } from "./helpers/ipc.ts";
import { ticksDuring } from "./helpers/loop.ts";
import { php } from "./helpers/php.ts";

const open: FileLock[] = [];
afterAll(() => { for (const l of open) l.close(); });
function lock(path: string): FileLock {
  const l = new FileLock(path);
  open.push(l);
  return l;
}

/** Starts PHP holding flock($op) on `path` until its stdin closes; resolves once it holds it. */
async function phpHolding(path: string, op: "LOCK_EX" | "LOCK_SH") {
  const code = `$fp = fopen($argv[1], "r"); if (!flock($fp, ${op})) exit(3);
    echo "locked\\n"; fgets(STDIN); flock($fp, LOCK_UN); echo "released\\n";`;
  const proc = Bun.spawn(["php", "-r", code, "--", path], { stdin: "pipe", stdout: "pipe", timeout: 30_000 });
  return { proc, done: proc.exited, ready: await waitFor(proc, "locked") };
}

async function waitFor(proc: { stdout: ReadableStream<Uint8Array> }, word: string): Promise<boolean> {
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes(word)) {
    const { value, done } = await reader.read();
    if (done) return false;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return true;
}

describe("FileLock and PHP's flock()", () => {
  test("PHP holds LOCK_EX: tryAcquire is false, the awaited acquire waits until PHP releases", async () => {
    const path = tempFile("lock");
    const l = lock(path);
    const holder = await phpHolding(path, "LOCK_EX");
    try {
      expect(holder.ready).toBe(true);
      expect(l.tryAcquire()).toBe(false);
      expect(l.tryAcquire("shared")).toBe(false);
      let got = false;
      const waiting = l.acquire().then(() => { got = true; });
      const { ticks } = await ticksDuring(Bun.sleep(200)); // the event loop runs while acquire() waits
      expect(ticks).toBeGreaterThan(10);
      expect(got).toBe(false);
      holder.proc.stdin.end(); // PHP releases
      await waiting;
      expect(got).toBe(true);
      expect(l.held).toBe("exclusive");
    } finally {
      holder.proc.kill();
      l.release();
    }
  });

  test("Bun holds the lock: PHP's flock(LOCK_EX|LOCK_NB) fails with would_block, and succeeds after release", () => {
    const path = tempFile("lock");
    const l = lock(path);
    const code = `$fp = fopen($argv[1], "r"); $r = flock($fp, (int)$argv[2] | LOCK_NB, $wb); echo json_encode([$r, $wb]);`;
    expect(l.tryAcquire()).toBe(true);
    expect(JSON.parse(php(code, [path, 2]).stdout)).toEqual([false, 1]); // LOCK_EX
    expect(JSON.parse(php(code, [path, 1]).stdout)).toEqual([false, 1]); // LOCK_SH
    l.release();
    expect(JSON.parse(php(code, [path, 2]).stdout)).toEqual([true, 0]);
    expect(l.tryAcquire("shared")).toBe(true);
    expect(JSON.parse(php(code, [path, 1]).stdout)).toEqual([true, 0]); // shared with shared
    expect(JSON.parse(php(code, [path, 2]).stdout)).toEqual([false, 1]);
    l.release();
  });

  test("shared locks coexist with PHP's LOCK_SH; exclusive does not", async () => {
    const path = tempFile("lock");
    const l = lock(path);
    const holder = await phpHolding(path, "LOCK_SH");
    try {
      expect(l.tryAcquire("shared")).toBe(true);
      expect(l.tryAcquire("exclusive")).toBe(false); // upgrading needs PHP gone
      l.release();
    } finally {
      holder.proc.stdin.end();
      await holder.done;
    }
  });

  test("a SIGKILLed holder frees the lock", async () => {
    const path = tempFile("lock");
    const l = lock(path);
    const child = Bun.spawn(["bun", "-e", `
      import { FileLock } from "${import.meta.dir}/../src/index.ts";
      const l = new FileLock(process.argv[1]); l.acquireSync(); console.log("locked"); await Bun.sleep(30000);`, path], { stdout: "pipe" });
    try {
      expect(await waitFor(child, "locked")).toBe(true);
      expect(l.tryAcquire()).toBe(false);
      const waiting = l.acquire({ timeout: 10_000 });
      child.kill("SIGKILL");
      await waiting;
      expect(l.held).toBe("exclusive");
      l.release();
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("timeout and abort end the wait without taking the lock; two handles exclude each other", async () => {
    const path = tempFile("lock");
    const a = lock(path), b = lock(path);
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    const t0 = performance.now();
    const e = await b.acquire({ timeout: 100 }).catch((x) => x);
    expect(e).toBeInstanceOf(BusyError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(String(e.message)).toContain(path);
    const ac = new AbortController();
    const aborted = b.acquire({ signal: ac.signal }).catch((x) => x);
    setTimeout(() => ac.abort(new Error("stop")), 50);
    expect(((await aborted) as Error).message).toBe("stop");
    expect(b.held).toBe(null);
    a.release();
    // the cancelled waits left nothing behind: PHP gets the lock at once
    expect(php(`$fp = fopen($argv[1], "r"); echo json_encode(flock($fp, LOCK_EX | LOCK_NB));`, [path]).stdout).toBe("true");
  });

  test("close() releases the lock and cancels a pending acquire; a closed handle throws", async () => {
    const path = tempFile("lock");
    const a = lock(path), b = lock(path);
    a.acquireSync();
    const pending = b.acquire().catch((x) => x);
    await Bun.sleep(50);
    b.close();
    expect(await pending).toBeInstanceOf(IpcError);
    expect(() => b.tryAcquire()).toThrow(/closed/);
    a.close();
    const c = lock(path);
    expect(c.tryAcquire()).toBe(true);
    c.close();
  });

  test("bad input: errors name FileLock, the call and the errno; nothing is opened", () => {
    expect(() => new FileLock("/")).toThrow(/open\(\): EISDIR.*FileLock \//);
    expect(() => new FileLock("/nonexistent-dir/app.lock")).toThrow(/open\(\): ENOENT.*FileLock \/nonexistent-dir\/app\.lock/);
    expect(() => new FileLock(`${tempFile("lock")}-missing`, { create: false })).toThrow(IpcError);
    expect(() => new FileLock("")).toThrow(/FileLock: path must be a non-empty string/);
    const l = lock(tempFile("lock"));
    expect(() => l.tryAcquire("write" as never)).toThrow(/FileLock.tryAcquire: mode must be/);
    expect(l.held).toBe(null);
    l.close();
  });
});
