import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatFixed6, MessageQueue, scalarBytes, type RawScalar } from "../src/msg/index.ts";
import { PhpObject, serialize, unserialize } from "../src/serialize/index.ts";
import { tempFile, testKeys } from "./helpers/ipc.ts";
import { php, phpSpawn } from "./helpers/php.ts";

const keys = testKeys();
const VALUES_PHP = join(import.meta.dir, "fixtures/msg/values.php");
const CONSUMER = join(import.meta.dir, "fixtures/msg/consumer.ts");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** The values of fixtures/msg/values.php, in the same order, as JS sees them. */
const VALUES: Record<string, unknown> = {
  nul: "a\0b",
  empty: "",
  utf8: "héllo €",
  binary: new Uint8Array([0xff, 0xfe, 0x00]),
  zero: 0,
  neg: -42,
  max: 9223372036854775807n,
  min: -9223372036854775808n,
  float: 1.5,
  tenth: 0.1,
  negzero: -0,
  big: 1e300,
  tiny: 5e-324,
  inf: Infinity,
  ninf: -Infinity,
  nan: NaN,
  true: true,
  false: false,
  null: null,
  list: [1, 2, 3],
  map: { a: 1, b: [true, null, "x"] },
  sparse: { 5: "x", k: "y" },
  nested: [[1, [2, [3]]]],
  std: new PhpObject("stdClass", { a: 1, b: "two" }),
  point: new PhpObject("Point").set("x", 1).set("y", 2, "protected").set("z", 3, "private"),
};
const NAMES = Object.keys(VALUES);
const isScalar = (v: unknown) => ["string", "number", "bigint", "boolean"].includes(typeof v) || v instanceof Uint8Array;
const SCALARS = NAMES.filter((name) => isScalar(VALUES[name]));

function phpOk(code: string, argv: (string | number)[]): string {
  const r = php(code, argv, 30_000);
  if (r.exitCode !== 0 || r.stderr) throw new Error(`php failed (${r.exitCode}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe("PHP <-> Bun over one queue", () => {
  test("PHP sends every value type, serialize on and off: Bun gets the same bytes and equal values", async () => {
    const queue = MessageQueue.create(keys.next());
    const phpBytes = JSON.parse(phpOk(
      `$values = require $argv[2]; $q = msg_get_queue((int)$argv[1]); $out = ['serialized' => [], 'raw' => []];
       foreach (array_values($values) as $i => $v) { msg_send($q, $i + 1, $v, true); $out['serialized'][] = bin2hex(serialize($v)); }
       foreach (array_values($values) as $i => $v) if (is_scalar($v)) msg_send($q, 100 + $i, $v, false);
       echo json_encode($out);`,
      [queue.key, VALUES_PHP],
    )) as { serialized: string[] };
    for (const [i, name] of NAMES.entries()) {
      const { type, bytes } = await queue.receiveBytes({ timeout: 5000 });
      expect([type, name, hex(bytes)]).toEqual([i + 1, name, phpBytes.serialized[i]]);
      expect([name, unserialize(bytes) as unknown]).toEqual([name, VALUES[name]]);
      expect([name, hex(serialize(VALUES[name]))]).toEqual([name, phpBytes.serialized[i]]); // and Bun writes PHP's bytes
    }
    for (const name of SCALARS) {
      const { type, bytes } = queue.receiveBytesSync({ timeout: 0 });
      expect([type, name, hex(bytes)]).toEqual([100 + NAMES.indexOf(name), name, hex(scalarBytes(VALUES[name] as RawScalar))]);
    }
    expect(queue.stat().messages).toBe(0);
  });

  test("Bun sends every value type, serialize on and off: PHP receives identical values", async () => {
    const queue = MessageQueue.create(keys.next());
    for (const [i, name] of NAMES.entries()) await queue.send(i + 1, VALUES[name]);
    for (const name of SCALARS) queue.sendSync(100 + NAMES.indexOf(name), VALUES[name], { serialize: false });
    const report = JSON.parse(phpOk(
      `$values = require $argv[2]; $q = msg_get_queue((int)$argv[1]); $scratch = msg_get_queue((int)$argv[3]); $bad = [];
       foreach (array_values($values) as $i => $v) {
         $ok = msg_receive($q, 0, $t, 8192, $m, true, MSG_IPC_NOWAIT, $e);
         if (!$ok || $t !== $i + 1 || serialize($m) !== serialize($v) || get_debug_type($m) !== get_debug_type($v)) $bad[] = ["serialized", $i, $t, $e];
       }
       foreach (array_values($values) as $i => $v) if (is_scalar($v)) {
         msg_send($scratch, 1, $v, false); msg_receive($scratch, 0, $st, 8192, $expected, false);
         $ok = msg_receive($q, 0, $t, 8192, $m, false, MSG_IPC_NOWAIT, $e);
         if (!$ok || $t !== 100 + $i || $m !== $expected) $bad[] = ["raw", $i, $t, bin2hex((string)$m), bin2hex($expected)];
       }
       msg_remove_queue($scratch);
       echo json_encode(['bad' => $bad, 'left' => msg_stat_queue($q)['msg_qnum']]);`,
      [queue.key, VALUES_PHP, keys.next()],
    ));
    expect(report).toEqual({ bad: [], left: 0 });
  });

  test("types 1, 2, 3 interleaved: Bun selects in the same order PHP does (0, positive, negative, MSG_EXCEPT)", () => {
    const sequence = [1, 2, 3, 1, 3, 2, 2, 3, 1, 3, 1, 2];
    const selections: Array<[number, boolean]> = [[2, false], [-2, false], [3, true], [0, false], [-3, false], [1, true], [3, false], [0, true], [-1, false], [2, true], [0, false], [-3, false]];
    const toPhp = MessageQueue.create(keys.next()), fromPhp = MessageQueue.create(keys.next());
    sequence.forEach((t, i) => toPhp.sendSync(t, `${t}-${i}`, { serialize: false }));
    const phpOrder = JSON.parse(phpOk(
      `$in = msg_get_queue((int)$argv[1]); $out = msg_get_queue((int)$argv[2]); $got = [];
       foreach (json_decode($argv[3]) as $i => $t) msg_send($out, $t, "$t-$i", false);
       foreach (json_decode($argv[4]) as [$want, $except]) {
         $got[] = msg_receive($in, $want, $t, 100, $m, false, MSG_IPC_NOWAIT | ($except ? MSG_EXCEPT : 0), $e) ? $m : "err$e";
       }
       echo json_encode($got);`,
      [toPhp.key, fromPhp.key, JSON.stringify(sequence), JSON.stringify(selections)],
    )) as string[];
    const bunOrder = selections.map(([type, except]) => {
      try {
        return fromPhp.receiveSync({ type, except, unserialize: false, timeout: 0 }).value;
      } catch {
        return "err42";
      }
    });
    expect(bunOrder).toEqual(phpOrder);
    expect(phpOrder).toEqual(["2-1", "1-0", "1-3", "3-2", "1-8", "3-4", "3-7", "2-5", "1-10", "3-9", "2-6", "2-11"]);
  });

  test("raw floats: Bun's %.6f equals PHP's msg_send bytes for 3000 floats", () => {
    const floats: number[] = [0, -0, 1 / 128, 3 / 128, 5 / 128, 0.0000005, 0.0000015, 2.0000005, 1e15 + 0.3, 2 ** 53 + 2, 2 ** 63, 1e22, 1e300, -1e300,
      Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, 123456.7890125, 0.9999995, 9.9999995, -0.0000004];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 1000; i++) floats.push((random() - 0.5) * 10 ** Math.floor(random() * 30 - 10));
    for (let i = 0; i < 500; i++) floats.push(Math.round(random() * 2 ** 20) / 2 ** 27); // exact ties at the 7th decimal
    const view = new DataView(new ArrayBuffer(8));
    for (let i = 0; floats.length < 3000; i++) { // any bit pattern
      view.setUint32(0, Math.floor(random() * 2 ** 32), true);
      view.setUint32(4, Math.floor(random() * 2 ** 32), true);
      floats.push(view.getFloat64(0, true));
    }
    const file = tempFile("floats");
    writeFileSync(file, floats.map((f) => { view.setFloat64(0, f, true); return Buffer.from(view.buffer).toString("hex"); }).join("\n"));
    const out = phpOk(
      `$q = msg_get_queue((int)$argv[1]);
       foreach (file($argv[2], FILE_IGNORE_NEW_LINES) as $h) {
         $f = unpack("e", hex2bin($h))[1]; msg_send($q, 1, $f, false); msg_receive($q, 0, $t, 8192, $m, false); echo $m, "\\n";
       }`,
      [keys.next(), file],
    ).split("\n").slice(0, -1);
    const mismatches = floats.map((f, i) => [f, formatFixed6(f), out[i]]).filter(([, ours, theirs]) => ours !== theirs);
    expect(mismatches).toEqual([]);
    expect(out.length).toBe(3000);
  });
});

describe("exactly once under load", () => {
  test("3 producers (PHP, PHP, Bun) and 3 consumers (PHP, Bun process, Bun loop): 20,000 numbers through a 16 KiB queue", async () => {
    const total = 20_000, pad = "x".repeat(90);
    const queue = MessageQueue.create(keys.next());
    expect(queue.stat().maxBytes).toBe(16384);
    const phpProducer = (from: number, to: number) => phpSpawn(
      `$q = msg_get_queue((int)$argv[1]); $pad = $argv[4];
       for ($n = (int)$argv[2]; $n < (int)$argv[3]; $n++) if (!msg_send($q, 1, "$n:$pad", false)) exit(1);`,
      [queue.key, from, to, pad], 60_000,
    );
    // Producers first: the queue fills up before any consumer starts.
    const producers = [phpProducer(0, 7000), phpProducer(7000, 14000)];
    const bunProducer = (async () => {
      for (let n = 14000; n < total; n++) await queue.send(1, `${n}:${pad}`, { serialize: false, timeout: 30_000 });
    })();
    const deadline = performance.now() + 20_000;
    while (queue.stat().bytes + 100 <= 16384) {
      expect(performance.now()).toBeLessThan(deadline);
      await Bun.sleep(5);
    }
    const phpConsumer = phpSpawn(
      `$q = msg_get_queue((int)$argv[1]); $got = [];
       while (msg_receive($q, 0, $t, 8192, $m, false)) { if ($t === 2) break; $got[] = (int)$m; }
       echo json_encode($got);`,
      [queue.key], 60_000,
    );
    const bunConsumer = Bun.spawn([process.execPath, CONSUMER, String(queue.key)], { stdout: "pipe", stderr: "pipe", timeout: 60_000 });
    const loopConsumer = (async () => {
      const got: number[] = [];
      for await (const { type, bytes } of rawMessages(queue)) {
        if (type === 2) break;
        got.push(Number.parseInt(new TextDecoder().decode(bytes), 10));
      }
      return got;
    })();
    await bunProducer;
    for (const p of producers) expect((await p.done).exitCode).toBe(0);
    for (let i = 0; i < 3; i++) await queue.send(2, "STOP", { serialize: false, timeout: 30_000 });
    const php = await phpConsumer.done;
    expect(php.exitCode).toBe(0);
    const [bunOut, bunCode] = [await new Response(bunConsumer.stdout).text(), await bunConsumer.exited];
    expect(bunCode).toBe(0);
    const parts = [JSON.parse(php.stdout) as number[], JSON.parse(bunOut) as number[], await loopConsumer];
    const all = parts.flat().sort((a, b) => a - b);
    expect(all.length).toBe(total);
    expect(all.every((n, i) => n === i)).toBe(true);
    // Usually all three take part; a consumer that starts late may find the work already done.
    expect(parts.filter((p) => p.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(queue.stat().messages).toBe(0);
  }, 90_000);
});

/** The queue's messages as raw bytes, one awaitable receive after another. */
async function* rawMessages(queue: MessageQueue) {
  for (;;) yield await queue.receiveBytes({ timeout: 30_000 });
}
