import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Mutex, SharedVariables } from "../src/index.ts";
import { PhpEnum, PhpFloat, PhpObject, serialize } from "../src/serialize/index.ts";
import { spawnLines, spawnPhpLines } from "./fixtures/sem/lines.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php, phpJson } from "./helpers/php.ts";

const keys = testKeys();
const VALUES_PHP = join(import.meta.dir, "fixtures/vars/values.php");
const INCREMENTER = join(import.meta.dir, "fixtures/vars/incrementer.ts");
const HOLDER = join(import.meta.dir, "fixtures/sem/holder.ts");
const MAX = 9223372036854775807n, MIN = -9223372036854775808n;

/** What Bun should read for each key PHP stored from values.php (default decoding). */
function checkReadFromPhp(vars: SharedVariables): void {
  const plain: Array<[number | bigint, unknown]> = [
    [1, null], [2, true], [3, false], [4, 0], [5, -17], [6, MAX], [7, MIN], [8, 0], [10, 1.5], [11, 0.1], [12, 1e17],
    [13, Infinity], [14, -Infinity], [16, ""], [17, "hello"], [18, "héllo €"], [19, "a\0b"],
    [20, new Uint8Array([0xff, 0x00, 0xfe])], [21, []], [22, [1, "two", 3]],
    [23, { a: 1, 5: "five", "05": "ofive", "-3": "neg" }], [24, { x: { y: { z: null } } }], [30, 2 ** 63], [31, 1e-7],
    [32, "row,".repeat(500)], [-1, "negative key"], [MAX, "max key"], [MIN, "min key"],
  ];
  for (const [key, value] of plain) expect(vars.get(key)).toEqual(value as never);
  expect(Object.is(vars.get(9), -0)).toBe(true);
  expect(vars.get(15)).toBeNaN();
  const std = vars.get<PhpObject>(25)!;
  expect(std).toBeInstanceOf(PhpObject);
  expect([std.className, std.get("x")]).toEqual(["stdClass", 1]);
  const foo = vars.get<PhpObject>(26)!;
  expect(foo.className).toBe("Foo");
  expect(foo.properties.map((p) => [p.name, p.value, p.visibility])).toEqual([
    ["a", 1, "public"], ["b", 2, "protected"], ["c", 3, "private"], ["typed", null, "public"],
  ]);
  expect(vars.get(27)).toEqual(new PhpEnum("Suit", "Hearts"));
  expect(vars.get(28)).toEqual(new PhpEnum("Pure", "Two"));
  expect(vars.get(29)).toEqual([new PhpEnum("Suit", "Spades"), new PhpEnum("Suit", "Spades")]);
}

/** The same values as values.php, written from JS. */
function jsValues(): Array<[number | bigint, unknown]> {
  return [
    [1, null], [2, true], [3, false], [4, 0], [5, -17], [6, MAX], [7, MIN], [8, new PhpFloat(0)], [9, -0], [10, 1.5],
    [11, 0.1], [12, new PhpFloat(1e17)], [13, Infinity], [14, -Infinity], [15, NaN], [16, ""], [17, "hello"],
    [18, "héllo €"], [19, "a\0b"], [20, new Uint8Array([0xff, 0x00, 0xfe])], [21, []], [22, [1, "two", new PhpFloat(3)]],
    [23, new Map<string | number, unknown>([["a", 1], [5, "five"], ["05", "ofive"], [-3, "neg"]])],
    [24, { x: { y: { z: null } } }], [25, new PhpObject("stdClass", { x: 1 })],
    [26, new PhpObject("Foo", { a: 1 }).set("b", 2, "protected").set("c", 3, "private").set("typed", null)],
    [27, new PhpEnum("Suit", "Hearts")], [28, new PhpEnum("Pure", "Two")],
    [29, [new PhpEnum("Suit", "Spades"), new PhpEnum("Suit", "Spades")]], [30, new PhpFloat(2 ** 63)], [31, 1e-7],
    [32, "row,".repeat(500)], [-1, "negative key"], [MAX, "max key"], [MIN, "min key"],
  ];
}

describe("shared variables with PHP", () => {
  test("PHP shm_put_var's every kind of value; Bun reads each, and the bytes re-serialize identically", () => {
    const key = keys.next();
    const r = php(`require $argv[2]; $s = shm_attach((int)$argv[1], 16384);
      foreach (shared_values() as $k => $v) if (!shm_put_var($s, $k, $v)) exit(1);`, [key, VALUES_PHP]);
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    using vars = SharedVariables.open(key);
    checkReadFromPhp(vars);
    const phpBytes = phpJson<Record<string, string>>(`require $argv[2]; $s = shm_attach((int)$argv[1]); $out = [];
      foreach (shared_values() as $k => $v) $out[$k] = bin2hex(serialize(shm_get_var($s, $k)));
      echo json_encode($out);`, [key, VALUES_PHP]);
    using exact = SharedVariables.open(key, { unserialize: { exact: true } });
    const ours = Object.fromEntries(exact.keys().map((k) => [String(k), Buffer.from(serialize(exact.get(k))).toString("hex")]));
    expect(ours).toEqual(phpBytes);
  });

  test("Bun writes the same values; PHP's shm_get_var reads equal values", () => {
    const key = keys.next();
    using vars = SharedVariables.createNew(key, { size: 16384 });
    for (const [k, v] of jsValues()) vars.set(k, v);
    const result = phpJson<Record<string, boolean>>(`require $argv[2]; $s = shm_attach((int)$argv[1]); $out = [];
      foreach (shared_values() as $k => $expected) {
        $got = shm_get_var($s, $k);
        $out[$k] = serialize($got) === serialize($expected) && gettype($got) === gettype($expected)
          && (!is_object($got) || get_class($got) === get_class($expected));
      }
      echo json_encode($out);`, [key, VALUES_PHP]);
    expect(Object.keys(result)).toHaveLength(jsValues().length);
    expect(Object.entries(result).filter(([, same]) => !same).map(([k]) => k)).toEqual([]);
  });

  test("both sides write into one segment in turn and read each other's values", () => {
    const key = keys.next();
    using vars = SharedVariables.createNew(key, { size: 4096, mode: 0o666 });
    const phpTurn = (code: string) => phpJson(`$s = shm_attach((int)$argv[1]); ${code}`, [key]);
    expect(phpTurn(`shm_put_var($s, 1, ['from' => 'php', 'n' => 1]); echo json_encode(true);`)).toBe(true);
    expect(vars.get(1)).toEqual({ from: "php", n: 1 });
    vars.set(2, { from: "bun", list: [1.5, "x"] });
    expect(phpTurn(`$b = shm_get_var($s, 2); shm_put_var($s, 1, ['from' => 'php', 'n' => 2, 'saw' => $b]); echo json_encode($b);`))
      .toEqual({ from: "bun", list: [1.5, "x"] });
    expect(vars.get(1)).toEqual({ from: "php", n: 2, saw: { from: "bun", list: [1.5, "x"] } });
    vars.delete(2);
    vars.set(3, "bun again");
    expect(phpTurn(`echo json_encode([shm_has_var($s, 2), shm_get_var($s, 3), shm_get_var($s, 1)['n']]);`))
      .toEqual([false, "bun again", 2]);
    expect(vars.keys()).toEqual([1, 3]);
  });

  test("the same put/update/remove sequence in PHP and in Bun leaves identical segment bytes", () => {
    const phpKey = keys.next(), bunKey = keys.next();
    const phpHex = phpJson<string>(`$k = (int)$argv[1]; $s = shm_attach($k, 2048);
      shm_put_var($s, 1, "hello"); shm_put_var($s, 2, [1, 2, 3]); shm_put_var($s, -5, 1.5); shm_put_var($s, PHP_INT_MAX, true);
      shm_put_var($s, 1, "a longer hello world"); shm_remove_var($s, 2); shm_put_var($s, 3, ['a' => 1, 'b' => [null, false]]);
      shm_put_var($s, -5, null); shm_remove_var($s, PHP_INT_MAX); shm_put_var($s, 2, "x"); shm_put_var($s, 10, str_repeat("z", 300));
      shm_remove_var($s, 1); shm_put_var($s, 11, -42); shm_put_var($s, 3, 0.1); shm_remove_var($s, 11);
      echo json_encode(bin2hex(shmop_read(shmop_open($k, "a", 0, 0), 0, 2048)));`, [phpKey]);
    using vars = SharedVariables.create(bunKey, { size: 2048 });
    vars.set(1, "hello"); vars.set(2, [1, 2, 3]); vars.set(-5, 1.5); vars.set(MAX, true);
    vars.set(1, "a longer hello world"); vars.delete(2); vars.set(3, { a: 1, b: [null, false] });
    vars.set(-5, null); vars.delete(MAX); vars.set(2, "x"); vars.set(10, "z".repeat(300));
    vars.delete(1); vars.set(11, -42); vars.set(3, 0.1); vars.delete(11);
    expect(Buffer.from(vars.segment.read()).toString("hex")).toBe(phpHex);
    expect(vars.keys()).toEqual([-5, 2, 10, 3]);
  });

  test("a put that does not fit: PHP loses the old value, Bun keeps it (same layout otherwise)", () => {
    const key = keys.next();
    const phpSide = phpJson(`$s = shm_attach((int)$argv[1], 200); shm_put_var($s, 1, "old");
      $ok = @shm_put_var($s, 1, str_repeat("x", 300)); echo json_encode([$ok, shm_has_var($s, 1)]); shm_remove($s);`, [key]);
    expect(phpSide).toEqual([false, false]);
    using vars = SharedVariables.create(keys.next(), { size: 200 });
    vars.set(1, "old");
    expect(() => vars.set(1, "x".repeat(300))).toThrow("the old value is kept");
    expect(vars.get(1)).toBe("old");
  });

  test("4 Bun and 4 PHP processes × 500 locked increments = 4000; a lock holder killed by SIGKILL blocks nobody", async () => {
    const key = keys.next();
    using vars = SharedVariables.createNew(key, { mode: 0o666 });
    vars.set(1, 0);
    await using hog = spawnLines(["bun", HOLDER, String(key)]); // takes the update lock (a Mutex on the same key) and hangs
    await hog.out.waitFor("held");
    const phpCode = `$k = (int)$argv[1]; $shm = shm_attach($k); $sem = sem_get($k);
      for ($i = 0; $i < (int)$argv[2]; $i++) {
        sem_acquire($sem); $v = shm_has_var($shm, 1) ? shm_get_var($shm, 1) : 0; shm_put_var($shm, 1, $v + 1); sem_release($sem);
      }
      echo "done\\n";`;
    const children = [
      ...[0, 1, 2, 3].map((i) => spawnLines(["bun", INCREMENTER, String(key), "500", i % 2 ? "async" : "sync"])),
      ...[0, 1, 2, 3].map(() => spawnPhpLines(phpCode, [key, 500])),
    ];
    try {
      await Bun.sleep(300);
      expect(vars.get(1)).toBe(0); // everyone waits for the hog
      hog.proc.kill("SIGKILL");
      for (const child of children) await child.out.waitFor("done", 60_000);
      for (const child of children) {
        expect(await child.proc.exited).toBe(0);
        expect(await child.stderr).toBe("");
      }
    } finally {
      for (const child of children) await child[Symbol.asyncDispose]();
    }
    expect(vars.get(1)).toBe(4000);
    using lock = Mutex.open(key);
    expect([lock.value, lock.users]).toEqual([1, 1]);
  }, 90_000);
});
