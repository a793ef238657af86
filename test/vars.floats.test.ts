/**
 * A Bun read-modify-write keeps PHP's whole-number floats floats (issue 8 defect 9). PHP writes, Bun
 * reads and writes back, PHP checks `is_float` and `===`. Rule (docs/vars.md): a number written under a key
 * whose last read held a float with the same value at the same path is written as a float again.
 */
import { describe, expect, test } from "bun:test";
import { shm_attach, shm_get_var, shm_put_var } from "../compat/index.ts";
import { PhpFloat, PhpObject, SharedVariables } from "../src/index.ts";
import { FLOAT_MEMORY_BYTES, FLOAT_MEMORY_KEYS } from "../src/vars/floats.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();

function phpRun(code: string, key: number): string {
  const r = php(`$s = shm_attach((int)$argv[1], 65536, 0600); ${code}`, [key]);
  expect(r).toMatchObject({ exitCode: 0, stderr: "" });
  return r.stdout;
}

/** PHP's verdict on variable 1: `var_export` of it (floats print as `10.0`, ints as `10`). */
function phpView(key: number, variable = 1): string {
  return phpRun(`var_export(shm_get_var($s, ${variable}));`, key);
}

const PRICE = `shm_put_var($s, 1, ['price' => 10.0, 'n' => 1]);`;
const CHECK = `$v = shm_get_var($s, 1); echo json_encode([is_float($v['price']), $v['price'] === 10.0, $v['n'] === 2]);`;

describe("read-modify-write keeps PHP's floats", () => {
  test("update(): PHP's ['price' => 10.0, 'n' => 1] comes back with price a float and n an int", async () => {
    const key = keys.next();
    phpRun(PRICE, key);
    using vars = SharedVariables.open(key, { lockKey: keys.next() });
    await vars.update(1, (x) => {
      const v = x as { price: number; n: number };
      return { ...v, n: v.n + 1 };
    });
    expect(phpRun(CHECK, key)).toBe("[true,true,true]");
    vars.lock.remove();
    vars.remove();
  });

  test("updateSync() and get() + set() on a handle do the same", () => {
    const key = keys.next();
    phpRun(PRICE, key);
    using vars = SharedVariables.open(key, { lockKey: keys.next() });
    vars.updateSync(1, (x) => ({ ...(x as object), n: 2 }));
    expect(phpRun(CHECK, key)).toBe("[true,true,true]");
    phpRun(PRICE, key);
    const v = vars.get<{ price: number; n: number }>(1)!;
    expect(v).toEqual({ price: 10, n: 1 }); // default mode: plain numbers
    vars.set(1, { ...v, n: v.n + 1 });
    expect(phpRun(CHECK, key)).toBe("[true,true,true]");
    vars.lock.remove();
    vars.remove();
  });

  test("compat shm_get_var + shm_put_var do the same", () => {
    const key = keys.next();
    phpRun(PRICE, key);
    const s = shm_attach(key);
    if (s === false) throw new Error("shm_attach failed");
    const v = shm_get_var(s, 1) as { price: number; n: number };
    expect(shm_put_var(s, 1, { ...v, n: v.n + 1 })).toBe(true);
    expect(phpRun(CHECK, key)).toBe("[true,true,true]");
    s.variables.remove();
    s.variables.detach();
  });

  test("nested lists, arrays with int keys, objects, a top-level float; the value passed in is not changed", () => {
    const key = keys.next();
    phpRun(`$o = new stdClass; $o->w = 3.0; $o->k = 3;
      shm_put_var($s, 1, ['rows' => [[1.0, 1], [2.0, 2]], 7 => 5.0, 'o' => $o, 'half' => 0.5]);
      shm_put_var($s, 2, 42.0);`, key);
    using vars = SharedVariables.open(key);
    const v = vars.get<Record<string, unknown>>(1)!;
    const o = v.o as PhpObject;
    expect([o.get("w"), o.get("k")]).toEqual([3, 3]);
    const next: Record<string, unknown> = { ...v, extra: 1 };
    vars.set(1, next);
    expect(next.rows).toEqual([[1, 1], [2, 2]]); // not replaced by PhpFloats
    expect(o.get("w")).toBe(3);
    vars.set(2, vars.get(2));
    expect(phpView(key)).toBe( // (a plain object lists int keys first: 7 moves to the front, as documented)
      "array (\n  7 => 5.0,\n  'rows' => \n  array (\n    0 => \n    array (\n      0 => 1.0,\n      1 => 1,\n    ),\n    1 => \n    array (\n      0 => 2.0,\n      1 => 2,\n    ),\n  ),\n" +
        "  'o' => \n  (object) array(\n     'w' => 3.0,\n     'k' => 3,\n  ),\n  'half' => 0.5,\n  'extra' => 1,\n)",
    );
    expect(phpView(key, 2)).toBe("42.0");
    vars.remove();
  });

  test("the rule's limits: a changed number, a fresh handle, a deleted key and a PhpFloat the caller passed", () => {
    const key = keys.next();
    phpRun(`shm_put_var($s, 1, ['a' => 10.0, 'b' => 20.0]);`, key);
    using vars = SharedVariables.open(key);
    const v = vars.get<{ a: number; b: number }>(1)!;
    vars.set(1, { a: v.a, b: v.b + 1 }); // b changed: today's rule (a whole number is an int)
    expect(phpView(key)).toBe("array (\n  'a' => 10.0,\n  'b' => 21,\n)");
    // 5n and 5 are one variable for the memory too.
    phpRun(`shm_put_var($s, 5, 1.0);`, key);
    vars.get(5n);
    vars.set(5, 1);
    expect(phpView(key, 5)).toBe("1.0");
    // A handle that never read the key writes by today's rule; so does one after delete().
    using other = SharedVariables.open(key);
    other.set(5, 1);
    expect(phpView(key, 5)).toBe("1");
    phpRun(`shm_put_var($s, 5, 1.0);`, key);
    vars.get(5);
    vars.delete(5);
    vars.set(5, 1);
    expect(phpView(key, 5)).toBe("1");
    // An explicit PhpFloat is always a float.
    other.set(6, new PhpFloat(2));
    expect(phpView(key, 6)).toBe("2.0");
    vars.remove();
  });

  test(`memory is bounded: ${FLOAT_MEMORY_KEYS} keys per handle, the least recently read forgotten first`, () => {
    const key = keys.next();
    phpRun(`for ($i = 0; $i <= ${FLOAT_MEMORY_KEYS}; $i++) shm_put_var($s, $i, 1.0);`, key);
    using vars = SharedVariables.open(key);
    for (let i = 0; i <= FLOAT_MEMORY_KEYS; i++) vars.get(i); // key 0 is now the one forgotten
    vars.set(0, 1);
    vars.set(1, 1);
    expect(phpRun(`var_export([shm_get_var($s, 0), shm_get_var($s, 1)]);`, key)).toBe("array (\n  0 => 1,\n  1 => 1.0,\n)");
    vars.remove();
  });

  test(`payload copies are bounded too: ${FLOAT_MEMORY_BYTES} bytes per handle; a bigger value is shaped at once`, () => {
    const key = keys.next();
    const r = php(`$s = shm_attach((int)$argv[1], 4 << 20, 0600); $half = str_repeat('x', (int)$argv[2]);
      shm_put_var($s, 1, ['f' => 1.0, 's' => $half]); shm_put_var($s, 2, ['f' => 2.0, 's' => $half]);
      shm_put_var($s, 3, ['f' => 3.0, 's' => str_repeat('y', (int)$argv[3])]);`, [key, 0.6 * FLOAT_MEMORY_BYTES, FLOAT_MEMORY_BYTES + 10]);
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    using vars = SharedVariables.open(key);
    const one = vars.get(1), two = vars.get(2), three = vars.get(3); // 1's copy is dropped for 2's; 3 is shaped
    vars.set(1, one);
    vars.set(2, two);
    vars.set(3, three);
    expect(phpRun(`echo json_encode([is_float(shm_get_var($s, 1)['f']), is_float(shm_get_var($s, 2)['f']), is_float(shm_get_var($s, 3)['f'])]);`, key))
      .toBe("[false,true,true]");
    vars.remove();
  });

  test("exact mode needs no memory: PhpFloat round-trips as it is", () => {
    const key = keys.next();
    phpRun(PRICE, key);
    using vars = SharedVariables.open(key, { unserialize: { exact: true } });
    const v = vars.get<Map<string, unknown>>(1)!;
    expect(v.get("price")).toEqual(new PhpFloat(10));
    vars.set(1, new Map(v).set("n", 2));
    expect(phpRun(CHECK, key)).toBe("[true,true,true]");
    vars.remove();
  });
});

test("every object this file made is gone", () => {
  keys.cleanup();
  expect(keys.live()).toEqual([]);
});
