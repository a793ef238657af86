import { describe, expect, test } from "bun:test";
import { sem_acquire, sem_get, sem_release, sem_remove, setDiagnosticHandler, SysvSemaphore } from "../compat/index.ts";
import { IPC_CREAT, libc } from "../src/ffi/index.ts";
import { Semaphore } from "../src/index.ts";
import { spawnPhpLines } from "./fixtures/sem/lines.ts";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { php } from "./helpers/php.ts";
import { ticksDuring, until } from "./helpers/loop.ts";

const keys = testKeys();
/** Tests never block forever: a synchronous acquire that should succeed at once gives up after 5 s. */
const NO_HANG = { timeout: 5000 };

/** Values of semaphores 0..2 (counter, usage, init lock) as `ipcs -s -i` prints them. */
function ipcsValues(id: number): number[] {
  const out = Bun.spawnSync(["ipcs", "-s", "-i", String(id)]).stdout.toString();
  return out.split("\n").filter((l) => /^\d+\s+\d+\s+\d+\s+\d+/.test(l)).map((l) => Number(l.trim().split(/\s+/)[1]));
}

function semId(key: number): number {
  const id = libc.semget(key, 0, 0);
  expect(id).toBeGreaterThanOrEqual(0);
  return id;
}

/** Runs `fn` collecting compat diagnostics. */
function diagnostics<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const previous = setDiagnosticHandler((d) => warnings.push(d.text));
  try {
    return { value: fn(), warnings };
  } finally {
    setDiagnosticHandler(previous);
  }
}


describe("semaphores shared with PHP", () => {
  test("PHP holds: sem_acquire(nb) is false, tryAcquire null; an awaited acquire completes right after PHP releases", async () => {
    const key = keys.next();
    await using child = spawnPhpLines(`
      $s = sem_get((int)$argv[1]); sem_acquire($s); echo "held\\n";
      usleep(400000); $t = (int)(microtime(true) * 1000); sem_release($s); echo "released $t\\n"; usleep(200000);`, [key]);
    await child.out.waitFor("held");
    const compat = sem_get(key) as SysvSemaphore;
    const nb = diagnostics(() => sem_acquire(compat, true));
    expect(nb).toEqual({ value: false, warnings: [] });
    using sem = Semaphore.open(key);
    expect(sem.tryAcquire()).toBeNull();
    const { value: permit, ticks } = await ticksDuring(sem.acquire({ timeout: 10_000 }));
    const acquiredAt = Date.now();
    const releasedAt = Number((await child.out.waitFor("released")).split(" ")[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasedAt);
    expect(acquiredAt - releasedAt).toBeLessThan(150);
    expect(ticks).toBeGreaterThanOrEqual(30); // ~80 in 400 ms; a frozen loop gives 0-1
    permit.release();
    expect(await child.proc.exited).toBe(0);
    expect(await child.stderr).toBe("");
  });

  test("Bun holds: PHP's non-blocking acquire fails, its blocking acquire completes after Bun releases", async () => {
    const key = keys.next();
    using sem = Semaphore.create(key, { mode: 0o666 });
    const permit = sem.acquireSync(NO_HANG);
    await using child = spawnPhpLines(`
      $s = sem_get((int)$argv[1]); echo "nb ", json_encode(sem_acquire($s, true)), "\\n";
      sem_acquire($s); echo "acquired ", (int)(microtime(true) * 1000), "\\n"; sem_release($s);`, [key]);
    expect(await child.out.waitFor("nb")).toBe("nb false");
    expect(await until(() => sem.waiters === 1)).toBe(true); // PHP is inside semop (a fixed sleep flaked under load)
    const releasedAt = Date.now();
    permit.release();
    const acquiredAt = Number((await child.out.waitFor("acquired")).split(" ")[1]);
    expect(acquiredAt).toBeGreaterThanOrEqual(releasedAt);
    expect(acquiredAt - releasedAt).toBeLessThan(150);
    expect(await child.proc.exited).toBe(0);
    expect(await child.stderr).toBe("");
    expect([sem.value, sem.users]).toEqual([1, 1]);
  });

  test("ipcs values (counter, usage, init lock) after each step match what PHP alone leaves", () => {
    const phpKey = keys.next(), bunKey = keys.next();
    const r = php(`
      $k = (int)$argv[1]; $v = function () use ($k) {
        preg_match('/^' . sprintf('0x%08x', $k) . '\\s+(\\d+)/m', shell_exec('ipcs -s'), $m);
        preg_match_all('/^\\d+\\s+(\\d+)\\s+\\d+\\s+\\d+/m', shell_exec("ipcs -s -i $m[1]"), $rows);
        return array_map('intval', $rows[1]);
      };
      $out = [];
      $a = sem_get($k, 3); $out[] = $v();
      sem_acquire($a); sem_acquire($a); $out[] = $v();
      $b = sem_get($k, 5); $out[] = $v();
      sem_release($a); $out[] = $v();
      unset($b); $out[] = $v();
      unset($a); $out[] = $v();
      $c = sem_get($k, 1); $out[] = $v();
      echo json_encode($out);`, [phpKey]);
    expect(r.stderr).toBe("");
    const phpSteps = JSON.parse(r.stdout) as number[][];

    const v = () => ipcsValues(semId(bunKey));
    const ours: number[][] = [];
    const a = Semaphore.create(bunKey, { maxCount: 3, mode: 0o666 }); ours.push(v());
    a.acquireSync(NO_HANG); a.acquireSync(NO_HANG); ours.push(v());
    const b = Semaphore.create(bunKey, { maxCount: 5, mode: 0o666 }); ours.push(v());
    a.release(); ours.push(v());
    b.close(); ours.push(v());
    a.close(); ours.push(v());
    using c = Semaphore.create(bunKey, { maxCount: 1, mode: 0o666 }); ours.push(v());
    expect(ours).toEqual(phpSteps);
    expect(phpSteps).toEqual([[3, 1, 0], [1, 1, 0], [1, 2, 0], [2, 2, 0], [2, 1, 0], [3, 0, 0], [1, 1, 0]]);
    // and after PHP's exit the kernel/auto-release left its set as PHP's own destruction would
    expect(ipcsValues(semId(phpKey))).toEqual([1, 0, 0]);
  });

  test("a PHP holder killed with SIGKILL does not block Bun (kernel undo)", async () => {
    const key = keys.next();
    await using child = spawnPhpLines(`$s = sem_get((int)$argv[1], 1, 0666, false); sem_acquire($s); echo "held\\n"; sleep(30);`, [key]);
    await child.out.waitFor("held");
    using sem = Semaphore.open(key);
    expect(sem.tryAcquire()).toBeNull();
    const waiting = sem.acquire({ timeout: 5000 });
    child.proc.kill("SIGKILL");
    (await waiting).release();
    expect([sem.value, sem.users]).toEqual([1, 1]);
  });
});

describe("compat sem_*: the same warnings and results as PHP 8.2", () => {
  /** Runs `body` in PHP, then the compat version on the same key, and compares their outcome lines. */
  function same(body: string, ours: (key: number) => unknown, key = keys.next()): string[] {
    const expected = phpOutcome(body, [key]);
    expect(compatOutcome(() => ours(key))).toEqual(expected);
    return expected;
  }

  test("sem_release without an acquire", () => {
    const lines = same(`$s = sem_get((int)$argv[1]); return sem_release($s);`, (k) => sem_release(sem_get(k) as SysvSemaphore));
    expect(lines[0]).toMatch(/^Warning: sem_release\(\): SysV semaphore for key 0x[0-9a-f]+ is not currently acquired$/);
  });

  test("acquire/release counts are per handle", () => {
    const lines = same(`$a = sem_get((int)$argv[1], 2); $b = sem_get((int)$argv[1], 2); sem_acquire($a);
        return json_encode([sem_release($b), sem_release($a), sem_release($a)]);`,
      (k) => {
        const a = sem_get(k, 2) as SysvSemaphore, b = sem_get(k, 2) as SysvSemaphore;
        sem_acquire(a);
        return JSON.stringify([sem_release(b), sem_release(a), sem_release(a)]);
      });
    expect(lines.at(-1)).toBe(`return: string:${Buffer.from("[false,true,false]").toString("hex")}`);
  });

  test("sem_remove twice, then acquire and release on the removed set", () => {
    const lines = same(`$s = sem_get((int)$argv[1]);
        return json_encode([sem_remove($s), sem_remove($s), sem_acquire($s), sem_acquire($s, true), sem_release($s)]);`,
      (k) => {
        const s = sem_get(k) as SysvSemaphore;
        return JSON.stringify([sem_remove(s), sem_remove(s), sem_acquire(s), sem_acquire(s, true), sem_release(s)]);
      });
    expect(lines.filter((l) => l.startsWith("Warning"))).toHaveLength(4);
  });

  test("max_acquire beyond SEMVMX: warning, a handle whose counter is 0", () => {
    const lines = same(`$s = sem_get((int)$argv[1], 40000); return json_encode([sem_acquire($s, true), sem_remove($s)]);`,
      (k) => { const s = sem_get(k, 40000) as SysvSemaphore; return JSON.stringify([sem_acquire(s, true), sem_remove(s)]); });
    expect(lines[0]).toMatch(/^Warning: sem_get\(\): Failed for key 0x[0-9a-f]+: Numerical result out of range$/);
  });

  test("a set of fewer than 3 semaphores, with a negative key: sem_get fails with PHP's 64-bit hex", () => {
    const key = keys.next() | 0x80000000;
    const id = libc.semget(key, 1, IPC_CREAT | 0o666);
    keys.track("sem", id);
    const lines = same(`return sem_get((int)$argv[1]);`, (k) => sem_get(k), key);
    expect(lines).toEqual([
      `Warning: sem_get(): Failed for key 0x${BigInt.asUintN(64, BigInt(key)).toString(16)}: Invalid argument`,
      "return: false",
    ]);
  });

  test("a key above 32 bits names the same set (PHP 8.2 truncates)", () => {
    const key = keys.next();
    using sem = Semaphore.create(key, { maxCount: 4, mode: 0o666 });
    same(`$s = sem_get(0x100000000 + (int)$argv[1]); return sem_acquire($s, true);`,
      (k) => sem_acquire(sem_get(0x1_0000_0000 + k) as SysvSemaphore, true), key);
    expect(sem.value).toBe(3); // PHP's acquire was undone at its exit; the compat handle still holds one
  });

  test("sem_get(0x100000000) is IPC_PRIVATE in 8.2 (gh9945): a new private set each call", () => {
    const a = sem_get(0x1_0000_0000) as SysvSemaphore, b = sem_get(0x1_0000_0000) as SysvSemaphore;
    keys.track("sem", a.semaphore.id);
    keys.track("sem", b.semaphore.id);
    expect(a.semaphore.id).not.toBe(b.semaphore.id);
    expect([a.semaphore.key, a.semaphore.value, a.semaphore.users]).toEqual([0, 1, 1]);
    expect([sem_remove(a), sem_remove(b)]).toEqual([true, true]);
  });

  test("type errors and direct construction", () => {
    same(`return sem_acquire(false);`, () => sem_acquire(false as never));
    same(`return new SysvSemaphore();`, () => new SysvSemaphore(Symbol(), null as never));
    same(`return sem_get((int)$argv[1]);`, (k) => sem_get(k));
  });
});
