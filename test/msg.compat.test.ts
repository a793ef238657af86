import { describe, expect, test } from "bun:test";
import { ValueError } from "../compat/diagnostics.ts";
import {
  MSG_EAGAIN, MSG_ENOMSG, MSG_EXCEPT, MSG_IPC_NOWAIT, MSG_NOERROR, msg_get_queue, msg_queue_exists, msg_receive,
  msg_remove_queue, msg_send, msg_set_queue, msg_stat_queue, SysvMessageQueue, type MsgQueueStat,
} from "../compat/msg.ts";
import { ref } from "../compat/ref.ts";
import { PhpObject } from "../src/serialize/index.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { testKeys } from "./helpers/ipc.ts";
import { phpJson } from "./helpers/php.ts";

const keys = testKeys();

/** Outcome lines with `return: string:<hex>` shown as text (the bodies return JSON). */
function readable(lines: string[]): string[] {
  return lines.map((line) => {
    const hex = /^return: string:([0-9a-f]*)$/.exec(line)?.[1];
    return hex === undefined ? line : `return: ${Buffer.from(hex, "hex").toString()}`;
  });
}

type BunSide = (q: SysvMessageQueue, key: number, spareKey: number) => unknown;

/**
 * Runs `phpBody` in PHP (`$q` = a fresh queue, `$k` its key, `$k2` a spare fresh key) and `bun` on
 * other fresh keys; returns both outcomes.
 */
function sideBySide(phpBody: string, bun: BunSide): { php: string[]; ours: string[] } {
  const [phpKey, phpSpare, bunKey, bunSpare] = [keys.next(), keys.next(), keys.next(), keys.next()];
  const php = readable(phpOutcome(`$k = (int)$argv[1]; $k2 = (int)$argv[2]; $q = msg_get_queue($k); ${phpBody}`, [phpKey, phpSpare]));
  const ours = readable(compatOutcome(() => bun(msg_get_queue(bunKey) as SysvMessageQueue, bunKey, bunSpare)));
  return { php, ours };
}

function same(phpBody: string, bun: BunSide): string[] {
  const { php, ours } = sideBySide(phpBody, bun);
  expect(ours).toEqual(php);
  if (process.env.SHOW) console.log(ours);
  return ours;
}

const json = (v: unknown) => JSON.stringify(v);

describe("compat msg_*: same warnings, returns and error codes as PHP 8.2", () => {
  test("constants", () => {
    expect([MSG_IPC_NOWAIT, MSG_NOERROR, MSG_EXCEPT, MSG_EAGAIN, MSG_ENOMSG]).toEqual(
      phpJson<number[]>("echo json_encode([MSG_IPC_NOWAIT, MSG_NOERROR, MSG_EXCEPT, MSG_EAGAIN, MSG_ENOMSG]);"),
    );
  });

  test("msg_get_queue: 0666 by default, given permissions otherwise, the same object for the same key", () => {
    const lines = same(
      `$q2 = msg_get_queue($k, 0600); $p = msg_get_queue($k2, 0640);
       $r = [msg_stat_queue($q)['msg_perm.mode'], msg_stat_queue($q2)['msg_perm.mode'], msg_stat_queue($p)['msg_perm.mode']];
       msg_remove_queue($p); return json_encode($r);`,
      (q, key, spare) => {
        const q2 = msg_get_queue(key, 0o600) as SysvMessageQueue, p = msg_get_queue(spare, 0o640) as SysvMessageQueue;
        const r = [msg_stat_queue(q), msg_stat_queue(q2), msg_stat_queue(p)].map((s) => s && s["msg_perm.mode"]);
        msg_remove_queue(p);
        return json(r);
      },
    );
    expect(lines).toEqual(["return: [438,438,416]"]);
  });

  test("msg_send raw: TypeError for null, array and objects", () => {
    for (const [php, value] of [["null", null], ["[1]", [1]], ["new stdClass", new PhpObject("stdClass")]] as const) {
      same(`return msg_send($q, 1, ${php}, false);`, (q) => msg_send(q, 1, value, false));
    }
  });

  test("msg_send failures: type 0, negative type, over msgmax, full non-blocking queue (warning + error_code)", () => {
    same(
      `$r = []; foreach ([0, -5] as $t) { $r[] = msg_send($q, $t, "x", false, true, $e); $r[] = $e; }
       $r[] = msg_send($q, 1, str_repeat("a", 8193), false, true, $e); $r[] = $e;
       $e = 'untouched'; $r[] = msg_send($q, 1, "ok", false, true, $e); $r[] = $e;
       msg_set_queue($q, ['msg_qbytes' => 4]);
       $r[] = msg_send($q, 1, "abcd", false, false, $e); $r[] = $e;
       $r[] = msg_send($q, 1, "abcd", false, false, $e); $r[] = $e;
       return json_encode($r);`,
      (q) => {
        const r: unknown[] = [], e = ref<unknown>();
        for (const t of [0, -5]) r.push(msg_send(q, t, "x", false, true, e as never), e.value);
        r.push(msg_send(q, 1, "a".repeat(8193), false, true, e as never), e.value);
        e.value = "untouched";
        r.push(msg_send(q, 1, "ok", false, true, e as never), e.value);
        msg_set_queue(q, { msg_qbytes: 4 });
        r.push(msg_send(q, 1, "abcd", false, false, e as never), e.value);
        r.push(msg_send(q, 1, "abcd", false, false, e as never), e.value);
        return json(r);
      },
    );
  });

  test("msg_receive: ValueError for max size 0; empty queue with MSG_IPC_NOWAIT; E2BIG; MSG_NOERROR truncates", () => {
    same(`return msg_receive($q, 0, $t, 0, $m);`, (q) => msg_receive(q, 0, ref(), 0, ref()));
    expect(() => msg_receive(msg_get_queue(keys.next()) as SysvMessageQueue, 0, ref(), -1, ref())).toThrow(ValueError);
    same(
      `$r = [msg_receive($q, 0, $t, 100, $m, true, MSG_IPC_NOWAIT, $e), $t, $m, $e];
       msg_send($q, 3, "0123456789", false);
       array_push($r, msg_receive($q, 0, $t, 4, $m, false, MSG_IPC_NOWAIT, $e), $t, $m, $e);
       array_push($r, msg_receive($q, 0, $t, 4, $m, false, MSG_IPC_NOWAIT | MSG_NOERROR, $e), $t, $m, $e);
       msg_send($q, 1, "0123456789", true);
       array_push($r, msg_receive($q, 0, $t, 4, $m, true, MSG_NOERROR, $e), $t, $m, $e);
       return json_encode($r);`,
      (q) => {
        const t = ref<unknown>(), m = ref<unknown>(), e = ref<number>();
        const r: unknown[] = [msg_receive(q, 0, t as never, 100, m, true, MSG_IPC_NOWAIT, e), t.value, m.value, e.value];
        msg_send(q, 3, "0123456789", false);
        r.push(msg_receive(q, 0, t as never, 4, m, false, MSG_IPC_NOWAIT, e), t.value, m.value, e.value);
        r.push(msg_receive(q, 0, t as never, 4, m, false, MSG_IPC_NOWAIT | MSG_NOERROR, e), t.value, m.value, e.value);
        msg_send(q, 1, "0123456789", true);
        r.push(msg_receive(q, 0, t as never, 4, m, true, MSG_NOERROR, e), t.value, m.value, e.value);
        return json(r);
      },
    );
  });

  test("msg_receive of a raw message with unserialize: 'Message corrupted', false, type kept, error_code 0", () => {
    same(
      `msg_send($q, 1, "Hi", false); $e = 99;
       $ok = msg_receive($q, 0, $t, 100, $m, true, 0, $e); return json_encode([$ok, $t, $m, $e]);`,
      (q) => {
        msg_send(q, 1, "Hi", false);
        const t = ref<unknown>(), m = ref<unknown>(), e = ref(99);
        const ok = msg_receive(q, 0, t as never, 100, m, true, 0, e);
        return json([ok, t.value, m.value, e.value]);
      },
    );
  });

  test("type selection: 0, positive, negative, MSG_EXCEPT (with 0 and with a type)", () => {
    const order = `[5, 3, 7, 1, 9, 3, 2]`;
    same(
      `foreach (${order} as $t) msg_send($q, $t, "m$t", false);
       $r = [];
       foreach ([[-4, 0], [3, MSG_EXCEPT], [0, MSG_EXCEPT], [3, 0], [-100, 0], [0, 0], [7, MSG_EXCEPT], [1, 0]] as [$want, $f]) {
         $ok = msg_receive($q, $want, $t, 100, $m, false, $f | MSG_IPC_NOWAIT, $e); $r[] = $ok ? $m : "err$e";
       }
       return json_encode($r);`,
      (q) => {
        for (const t of [5, 3, 7, 1, 9, 3, 2]) msg_send(q, t, `m${t}`, false);
        const r: unknown[] = [];
        for (const [want, f] of [[-4, 0], [3, MSG_EXCEPT], [0, MSG_EXCEPT], [3, 0], [-100, 0], [0, 0], [7, MSG_EXCEPT], [1, 0]]) {
          const t = ref<unknown>(), m = ref<unknown>(), e = ref<number>();
          r.push(msg_receive(q, want, t as never, 100, m, false, f | MSG_IPC_NOWAIT, e) ? m.value : `err${e.value}`);
        }
        return json(r);
      },
    );
  });

  test("a removed queue: send warns EINVAL, receive 22, stat false, remove false; exists before/after", () => {
    same(
      `$r = [msg_queue_exists($k), msg_remove_queue($q), msg_queue_exists($k), msg_remove_queue($q), msg_stat_queue($q),
             msg_send($q, 1, "x", false, true, $e), $e, msg_receive($q, 0, $t, 10, $m, false, 0, $e2), $t, $m, $e2,
             msg_set_queue($q, ['msg_qbytes' => 10])];
       return json_encode($r);`,
      (q, key) => {
        const e = ref<number>(), e2 = ref<number>(), t = ref<unknown>(), m = ref<unknown>();
        return json([
          msg_queue_exists(key), msg_remove_queue(q), msg_queue_exists(key), msg_remove_queue(q), msg_stat_queue(q),
          msg_send(q, 1, "x", false, true, e), e.value, msg_receive(q, 0, t as never, 10, m, false, 0, e2), t.value, m.value, e2.value,
          msg_set_queue(q, { msg_qbytes: 10 }),
        ]);
      },
    );
  });

  test("msg_set_queue: PHP int conversion ('0644' is decimal), unknown keys ignored; stat keys in PHP's order", () => {
    same(
      `$a = msg_set_queue($q, ['msg_perm.mode' => '0644', 'msg_qbytes' => '8192 bytes', 'other' => 1]);
       $s = msg_stat_queue($q); return json_encode([$a, array_keys($s), $s['msg_perm.mode'], $s['msg_qbytes'], $s['msg_qnum']]);`,
      (q) => {
        const a = msg_set_queue(q, { "msg_perm.mode": "0644", msg_qbytes: "8192 bytes", other: 1 });
        const s = msg_stat_queue(q) as MsgQueueStat;
        return json([a, Object.keys(s), s["msg_perm.mode"], s.msg_qbytes, s.msg_qnum]);
      },
    );
  });

  test("msg_stat_queue from Bun equals PHP's for the same queue", () => {
    const key = keys.next();
    const q = msg_get_queue(key, 0o640) as SysvMessageQueue;
    msg_send(q, 1, "from bun", false);
    msg_send(q, 2, [1, 2, 3]);
    const phpStat = phpJson<Record<string, number>>(
      `$q = msg_get_queue((int)$argv[1]); msg_send($q, 3, "from php"); msg_receive($q, 1, $t, 100, $m, false);
       echo json_encode(msg_stat_queue($q));`,
      [key],
    );
    const ours = msg_stat_queue(q) as MsgQueueStat;
    expect(JSON.stringify(ours)).toBe(JSON.stringify(phpStat)); // same keys, same order, same values
    expect(ours).toMatchObject({ "msg_perm.mode": 0o640, msg_qnum: 2, msg_qbytes: 16384 });
    expect(ours.msg_lspid).not.toBe(process.pid); // PHP sent last
  });

  test("argument checks: TypeError for a non-queue; SysvMessageQueue is not constructible", () => {
    same(`return msg_send(null, 1, "x");`, () => msg_send(null as never, 1, "x"));
    same(`return msg_stat_queue("q");`, () => msg_stat_queue("q" as never));
    expect(() => new SysvMessageQueue()).toThrow("Cannot directly construct SysvMessageQueue, use msg_get_queue() instead");
  });

  test("key 0: a private queue of mode 0 (PHP 8.2 quirk)", () => {
    const q = msg_get_queue(0, 0o666) as SysvMessageQueue;
    keys.track("msg", q.id);
    expect(q.key).toBe(0);
    expect((msg_stat_queue(q) as MsgQueueStat)["msg_perm.mode"]).toBe(0);
    expect(msg_remove_queue(q)).toBe(true);
  });

  test("keys beyond 32 bits are truncated like PHP's key_t cast", () => {
    const key = keys.next();
    const q = msg_get_queue(key) as SysvMessageQueue;
    expect(msg_queue_exists(0x100000000 + key)).toBe(true);
    expect((msg_get_queue(BigInt(key) + (1n << 40n)) as SysvMessageQueue).id).toBe(q.id);
  });
});
