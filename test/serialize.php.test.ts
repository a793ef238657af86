/**
 * Against the real PHP 8.2 binary, both directions:
 * - PHP → Bun: corpus.php serializes many values (scalar edges, binary strings, nested arrays,
 *   objects with private/protected/typed properties, enums, Serializable, references, incomplete
 *   classes) and 25,000 random doubles; we decode in exact mode and must re-encode identical bytes.
 * - Bun → PHP: we serialize JS values; PHP unserializes them and `var_export` must equal the one of
 *   a PHP expression for the same value (check.php), or PHP's re-serialization must be identical.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { PhpEnum, PhpFloat, PhpObject, PhpRef, serialize, unserialize } from "../src/serialize/index.ts";
import { phpFixture, random, show, utf8 } from "./fixtures/serialize/helpers.ts";

const PHP = Bun.which("php");

describe("PHP → Bun: exact mode reproduces PHP's bytes", () => {
  let corpus: Record<string, string>;
  let floats: Record<string, string>;
  beforeAll(() => {
    corpus = phpFixture<Record<string, string>>("corpus.php");
    floats = phpFixture<Record<string, string>>("corpus.php", ["floats"]);
  });

  test("every corpus value round-trips byte for byte", () => {
    const mismatches: string[] = [];
    for (const [name, hex] of Object.entries(corpus)) {
      const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
      const back = serialize(unserialize(bytes, { exact: true }));
      if (show(back) !== show(bytes)) mismatches.push(`${name}: ${show(bytes).slice(0, 120)} -> ${show(back).slice(0, 120)}`);
    }
    expect(Object.keys(corpus).length).toBeGreaterThan(100);
    expect(mismatches).toEqual([]);
  });

  test("default and mapArrays modes decode every corpus value", () => {
    for (const hex of Object.values(corpus)) {
      const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
      expect(() => unserialize(bytes)).not.toThrow();
      expect(() => unserialize(bytes, { mapArrays: true })).not.toThrow();
    }
  });

  test("25,000 random doubles: same value and same text", () => {
    const mismatches: string[] = [];
    for (const hex of Object.values(floats)) {
      const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
      const textForm = show(bytes).slice(2, -1);
      const expected = textForm === "NAN" ? NaN : textForm === "INF" ? Infinity : textForm === "-INF" ? -Infinity : Number(textForm);
      const value = unserialize(bytes) as number;
      if (!Object.is(value, expected)) mismatches.push(`${textForm} decoded as ${value}`);
      if (show(serialize(new PhpFloat(value))) !== show(bytes)) mismatches.push(`${textForm} encoded as ${show(serialize(new PhpFloat(value)))}`);
    }
    expect(Object.keys(floats).length).toBeGreaterThanOrEqual(25000);
    expect(mismatches).toEqual([]);
  });

  test("default-mode values of selected corpus entries", () => {
    const decode = (name: string) => unserialize(Uint8Array.from(Buffer.from(corpus[name]!, "hex")));
    expect(decode("int13")).toBe(9223372036854775807n);
    expect(decode("int14")).toBe(-9223372036854775808n);
    expect(decode("str8")).toEqual(Uint8Array.from([0xff, 0xfe]));
    expect(decode("str2")).toBe("héllo €");
    expect(decode("keys")).toEqual({ a: 1, 5: "five", "05": "ofive", "-3": "neg", "-0": "negzero" });
    expect(decode("rows")).toHaveLength(50);
    expect((decode("rows") as Record<string, unknown>[])[3]).toEqual({ id: 3, name: "user3", score: 4.5, tags: ["a", "b"], ok: false });
    const foo = decode("foo") as PhpObject;
    expect(foo.properties.map((p) => `${p.visibility} ${p.declaringClass ?? ""} ${String(p.name)}`)).toEqual([
      "public  a",
      "protected  b",
      "private Foo c",
      "public  typed",
    ]);
    expect(decode("suit")).toEqual(new PhpEnum("Suit", "Hearts"));
    const cycle = decode("selfobj") as PhpObject;
    expect(cycle.get("me")).toBe(cycle);
  });
});

/** [JS value, PHP expression whose var_export must match, or null to compare PHP's re-serialization] */
function jsToPhpCases(): [unknown, string | null][] {
  const cases: [unknown, string | null][] = [
    [null, "null"],
    [true, "true"],
    [false, "false"],
    [0, "0"],
    [-17, "-17"],
    [9007199254740991, "9007199254740991"],
    [9223372036854775807n, "PHP_INT_MAX"],
    [-9223372036854775808n, "PHP_INT_MIN"],
    [1.5, "1.5"],
    [-0, "-0.0"],
    [new PhpFloat(1), "1.0"],
    [NaN, "NAN"],
    [Infinity, "INF"],
    [-Infinity, "-INF"],
    [2 ** 53, "9007199254740992.0"],
    [1e300, "1.0E+300"],
    [0.1 + 0.2, "0.1 + 0.2"],
    [5e-324, "5e-324"],
    ["", "''"],
    ["héllo €", '"h\\u{e9}llo \\u{20ac}"'],
    ["a\0b", '"a\\0b"'],
    ["😀", '"\\u{1f600}"'],
    [Uint8Array.from([0xff, 0xfe, 0]), "hex2bin('fffe00')"],
    ["x".repeat(5000), "str_repeat('x', 5000)"],
    ["é".repeat(2000), "str_repeat('é', 2000)"],
    [[1, "two", new PhpFloat(3)], "[1, 'two', 3.0]"],
    [{ a: 1, b: [1, 2] }, "['a' => 1, 'b' => [1, 2]]"],
    [{ 5: "x", "05": "y", "-1": "z" }, "[5 => 'x', '05' => 'y', -1 => 'z']"],
    [new Map<unknown, unknown>([[3, "c"], [1, "a"], ["k", "v"]]), "[3 => 'c', 1 => 'a', 'k' => 'v']"],
    [new Map<unknown, unknown>([[9223372036854775807n, "max"], ["9223372036854775808", "s"]]), "[PHP_INT_MAX => 'max', '9223372036854775808' => 's']"],
    [{ __proto__x: 1, constructor: 2 }, "['__proto__x' => 1, 'constructor' => 2]"],
    [JSON.parse('{"__proto__": 1}'), "['__proto__' => 1]"],
    [[[], [[]], { a: [] }], "[[], [[]], ['a' => []]]"],
    [new PhpObject("stdClass").set("x", 1).set("0", "zero"), "(object) ['x' => 1, '0' => 'zero']"],
    [new PhpObject("Foo").set("a", 5).set("b", 6, "protected").set("c", 7, "private").set("typed", null), "new Foo(5, 6, 7)"],
    [
      new PhpObject("Bar").set("a", 1).set("b", 2, "protected").set("c", 3, "private", "Foo").set("typed", null).set("c", "bar", "private").set("d", null),
      "new Bar()",
    ],
    [new PhpObject("Point").set("x", 3).set("y", new PhpFloat(1.5)).set("label", "p", "protected"), "new Point(3, 1.5, 'p')"],
    [[new PhpEnum("Suit", "Hearts"), new PhpEnum("Pure", "One"), new PhpEnum("Suit", "Hearts")], "[Suit::Hearts, Pure::One, Suit::Hearts]"],
  ];
  let deep: unknown = "leaf";
  let deepExpr = "'leaf'";
  for (let i = 0; i < 60; i++) {
    deep = [deep];
    deepExpr = `[${deepExpr}]`;
  }
  cases.push([deep, deepExpr]);
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `user${i}`, score: i * 1.5, tags: ["a", "b"], ok: i % 2 === 0 }));
  // JS numbers that are safe integers are written as ints: 3 * 1.5 = 4.5 stays a float, 2 * 1.5 = 3 is int 3.
  cases.push([rows, "array_map(fn($i) => ['id' => $i, 'name' => \"user$i\", 'score' => $i % 2 ? $i * 1.5 : intdiv($i * 3, 2), 'tags' => ['a', 'b'], 'ok' => $i % 2 == 0], range(0, 29))"]);
  // Records one after the other at the same depth whose key counts cross 10 both ways (the encoder writes
  // a record's count after its keys when the one before it had fewer than 10).
  const widths = [3, 9, 10, 12, 3, 110, 1, 0, 10];
  const record = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`k${k}`, { v: k, w: [k] }]));
  cases.push([
    widths.map(record),
    `array_map(fn($n) => $n ? array_combine(array_map(fn($k) => "k$k", range(0, $n - 1)), array_map(fn($k) => ['v' => $k, 'w' => [$k]], range(0, $n - 1))) : [], [${widths.join(", ")}])`,
  ]);
  // references and shared objects: PHP's own re-serialization must give the same bytes
  const o = new PhpObject("stdClass", { p: "x" });
  const x = new PhpRef(5);
  cases.push([[o, 1, o, x, x, o, [o, x]], null]);
  const self = new PhpRef<unknown>(null);
  self.value = [self];
  cases.push([[self], null]);
  const obj = new PhpObject("stdClass");
  cases.push([[new PhpRef(obj), obj], null]);
  const me = new PhpObject("stdClass");
  me.set("me", me);
  cases.push([me, null]);
  // random doubles built bit-exactly on the PHP side
  const next = random(7);
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 3000; i++) {
    let value: number;
    do {
      view.setUint32(0, Math.floor(next() * 2 ** 32));
      view.setUint32(4, Math.floor(next() * 2 ** 32));
      value = i % 2 ? view.getFloat64(0) : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    } while (!Number.isFinite(value));
    view.setFloat64(0, value, true);
    const hex = Buffer.from(new Uint8Array(view.buffer)).toString("hex");
    cases.push([Number.isSafeInteger(value) && !Object.is(value, -0) ? new PhpFloat(value) : value, `unpack('e', hex2bin('${hex}'))[1]`]);
  }
  return cases;
}

describe("Bun → PHP: PHP unserializes what we write", () => {
  test.skipIf(!PHP)("var_export equality or identical re-serialization", () => {
    const cases = jsToPhpCases();
    const body = cases.map(([value, expr]) => JSON.stringify({ hex: Buffer.from(serialize(value)).toString("hex"), expr })).join("\n");
    const run = Bun.spawnSync([PHP!, "-d", "error_reporting=-1", `${import.meta.dir}/fixtures/serialize/check.php`], {
      stdin: utf8(`${body}\n`),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(run.stderr.toString()).toBe("");
    const answers = run.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as { ok: boolean; same: boolean; roundtrip: boolean; got: string; want: string | null });
    expect(answers).toHaveLength(cases.length);
    const failures = answers
      .map((a, i) => ({ ...a, i, expr: cases[i]![1] }))
      .filter((a) => !a.ok || (a.expr === null ? !a.roundtrip : !a.same))
      .map((a) => `#${a.i} ${a.expr ?? "(re-serialization)"}: got ${a.got.slice(0, 200)} want ${String(a.want).slice(0, 200)}`);
    expect(failures).toEqual([]);
    expect(answers.filter((a) => a.roundtrip).length).toBeGreaterThan(cases.length - 40); // floats like -0.0/1.0 aside, PHP writes our bytes back
  });
});
