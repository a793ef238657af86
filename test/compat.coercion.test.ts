/**
 * Compat arguments are coerced the way PHP 8.2's non-strict mode does (issue 8, "PHP fidelity"): ints as
 * filenames, numeric strings as keys, strings and floats as bools/ints, PHP's deprecations, and PHP's
 * TypeError texts with PHP type names. Every case runs in real PHP and in compat; the outcomes (diagnostics,
 * return value or thrown error) must be the same lines.
 */
import { describe, expect, test } from "bun:test";
import * as c from "../compat/index.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { tempFile, testKeys } from "./helpers/ipc.ts";

const keys = testKeys();
const file = tempFile("coerce");
const [K1, K2, K3, K4, K5] = [keys.next(), keys.next(), keys.next(), keys.next(), keys.next()];
/** `$F`, `$K1`..`$K5` in the PHP bodies. */
const PROLOGUE = `[, $F, $K1, $K2, $K3, $K4, $K5] = $argv; $K1 = (int)$K1; $K2 = (int)$K2; $K3 = (int)$K3; $K4 = (int)$K4; $K5 = (int)$K5;`;

const any = (v: unknown) => v as any;

function same(phpBody: string, ours: () => unknown): void {
  const php = phpOutcome(`${PROLOGUE} ${phpBody}`, [file, K1, K2, K3, K4, K5]);
  expect(compatOutcome(ours)).toEqual(php);
}

describe("ftok: PHP's string coercion", () => {
  test("ftok(123, 'a'): the int is the filename \"123\": warning and -1", () => {
    same(`return ftok(123, "a");`, () => c.ftok(123, "a"));
  });
  test("a float and a bool filename", () => {
    same(`return ftok(1.5, "a");`, () => c.ftok(1.5, "a"));
    same(`return ftok(true, "a");`, () => c.ftok(true, "a"));
  });
  test("null: PHP's deprecation, then the empty-filename ValueError", () => {
    same(`return ftok(null, "a");`, () => c.ftok(null, "a"));
  });
  test("an array: TypeError with PHP's type name", () => {
    same(`return ftok([], "a");`, () => c.ftok(any([]), "a"));
    same(`return ftok($F, []);`, () => c.ftok(file, any([])));
  });
  test("project id from an int, a bool, a float, null", () => {
    same(`return ftok($F, 5);`, () => c.ftok(file, 5));
    same(`return ftok($F, true);`, () => c.ftok(file, true));
    same(`return ftok($F, 1.5);`, () => c.ftok(file, 1.5));
    same(`return ftok($F, null);`, () => c.ftok(file, null));
  });
});

describe("int parameters: numeric strings, floats, null, and PHP's TypeError", () => {
  test("non-numeric strings and out-of-range values are TypeErrors naming int and the given type", () => {
    for (const [php, js] of [
      [`"abc"`, "abc"], [`"12abc"`, "12abc"], [`"0x1A"`, "0x1A"], [`""`, ""], [`[]`, []], [`1e30`, 1e30], [`NAN`, NaN],
      [`INF`, Infinity], [`"9223372036854775808"`, "9223372036854775808"], [`"1e30"`, "1e30"], [`true ? 2.0**64 : 0`, 2 ** 64],
    ] as const) {
      same(`return msg_get_queue(${php});`, () => c.msg_get_queue(any(js)));
    }
    same(`return msg_get_queue($K1, "abc");`, () => c.msg_get_queue(K1, "abc"));
    same(`return sem_get("abc");`, () => c.sem_get("abc"));
    same(`return sem_get($K3, 1, 0666, []);`, () => c.sem_get(K3, 1, 0o666, any([])));
    same(`return shm_attach("k");`, () => c.shm_attach("k"));
    same(`return shmop_open($K5, "a", 0, "x");`, () => c.shmop_open(K5, "a", 0, "x"));
  });

  test("numeric string keys with PHP's whitespace open the key's queue", () => {
    same(`return msg_get_queue("$K1");`, () => c.msg_get_queue(String(K1)));
    same(`return msg_get_queue(" $K1 ");`, () => c.msg_get_queue(` ${K1} `));
    same(`return msg_get_queue("\\n$K1", "0600");`, () => c.msg_get_queue(`\n${K1}`, "0600"));
  });

  test("a fractional float or float-string is truncated after PHP's deprecation", () => {
    same(`return msg_get_queue("$K1.5");`, () => c.msg_get_queue(`${K1}.5`));
    same(`return msg_get_queue($K1 + 0.25);`, () => c.msg_get_queue(K1 + 0.25));
    same(`return msg_get_queue("$K1.0");`, () => c.msg_get_queue(`${K1}.0`));
  });

  test("a Bun process and PHP meet on the key given as a numeric string, both ways", () => {
    const queue = c.msg_get_queue(` ${K2}`);
    expect(queue).toBeInstanceOf(c.SysvMessageQueue);
    if (queue === false) return;
    expect(c.msg_send(queue, "7", "from bun", "0")).toBe(true); // raw send: "0" is false, as in PHP
    const php = phpOutcome(
      `${PROLOGUE} $q = msg_get_queue("$K2 "); $ok = msg_receive($q, "7", $t, "100", $m, "", "1");
       msg_send($q, "8", ["from" => "php"]); return json_encode([$ok, $t, $m]);`,
      [file, K1, K2, K3, K4, K5],
    );
    expect(php).toEqual([`return: string:${Buffer.from(JSON.stringify([true, 7, "from bun"])).toString("hex")}`]);
    const type = c.ref(), message = c.ref();
    expect(c.msg_receive(queue, "8", type, "100", message, 1, "1")).toBe(true);
    expect([type.value, message.value]).toEqual([8, { from: "php" }]);
    c.msg_remove_queue(queue);
  });
});

describe("bool parameters: PHP's truthiness", () => {
  test("msg_send/msg_receive with \"0\", \"\", 0 and \"1\" as bools, flags as a string", () => {
    same(
      `$q = msg_get_queue($K3); $s = msg_send($q, "1", "x", "0", 0);
       $r = msg_receive($q, 0, $t, 100, $m, "", (string)MSG_IPC_NOWAIT);
       $e = msg_receive($q, 0, $t2, 100, $m2, "1", "1", $code);
       msg_remove_queue($q); return json_encode([$s, $r, $t, $m, $e, $m2, $code]);`,
      () => {
        const q = c.msg_get_queue(K3);
        if (q === false) return false;
        const s = c.msg_send(q, "1", "x", "0", 0);
        const t = c.ref(), m = c.ref(), t2 = c.ref(), m2 = c.ref(), code = c.ref();
        const r = c.msg_receive(q, 0, t, 100, m, "", String(c.MSG_IPC_NOWAIT));
        const e = c.msg_receive(q, 0, t2, 100, m2, "1", "1", code);
        c.msg_remove_queue(q);
        return JSON.stringify([s, r, t.value, m.value, e, m2.value, code.value]);
      },
    );
  });
  test("sem_get / sem_acquire with numeric strings", () => {
    same(`$s = sem_get("$K3", "2", "0600", "1"); $r = [sem_acquire($s, "1"), sem_acquire($s, "yes"), sem_acquire($s, 1), sem_remove($s)]; return json_encode($r);`, () => {
      const s = c.sem_get(`${K3}`, "2", "0600", "1");
      if (s === false) return false;
      return JSON.stringify([c.sem_acquire(s, "1"), c.sem_acquire(s, "yes"), c.sem_acquire(s, 1), c.sem_remove(s)]);
    });
  });
});

describe("shm_*_var keys and shmop arguments", () => {
  test("shm_put_var($shm, \"3\", ...) stores key 3; a non-numeric key is a TypeError", () => {
    same(
      `$shm = shm_attach($K4, "2000"); $p = shm_put_var($shm, "3", "three");
       $r = [$p, shm_get_var($shm, 3), shm_has_var($shm, " 3"), shm_get_var($shm, 3.0)];
       try { shm_get_var($shm, "abc"); } catch (TypeError $e) { $r[] = $e->getMessage(); }
       $r[] = shm_remove_var($shm, "3"); shm_remove($shm); return json_encode($r);`,
      () => {
        const shm = c.shm_attach(K4, "2000");
        if (shm === false) return false;
        const r: unknown[] = [c.shm_put_var(shm, "3", "three"), c.shm_get_var(shm, 3), c.shm_has_var(shm, " 3"), c.shm_get_var(shm, 3.0)];
        try { c.shm_get_var(shm, "abc"); } catch (e) { r.push((e as Error).message); }
        r.push(c.shm_remove_var(shm, "3"));
        c.shm_remove(shm);
        return JSON.stringify(r);
      },
    );
  });
  test("shmop: mode and data as PHP strings, sizes and offsets as numeric strings", () => {
    same(
      `$s = shmop_open($K5, "c", "0600", "100"); $w = shmop_write($s, 123, "0"); $w2 = shmop_write($s, 1.5, 3);
       $r = shmop_read($s, "0", "6"); shmop_delete($s); return json_encode([$w, $w2, $r]);`,
      () => {
        const s = c.shmop_open(K5, "c", "0600", "100");
        if (s === false) return false;
        const w = c.shmop_write(s, 123, "0"), w2 = c.shmop_write(s, 1.5, 3);
        const r = c.shmop_read(s, "0", "6");
        c.shmop_delete(s);
        return JSON.stringify([w, w2, r]);
      },
    );
    same(`return shmop_open($K5, 1, 0, 0);`, () => c.shmop_open(K5, 1, 0, 0));
  });
  test("unserialize: an int is its decimal string, a bool its PHP string", () => {
    same(`return unserialize(5);`, () => c.unserialize(5));
    same(`return unserialize(true);`, () => c.unserialize(true));
  });
});
