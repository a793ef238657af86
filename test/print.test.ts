/**
 * The library's one PHP printer (`printR`, `varDump`, `varExport` in src/serialize/print.ts) against the
 * real `php`: the cases the compat layer and the CLI used to print differently (objects and enums nested
 * in objects and arrays, binary strings, PHP_INT_MIN, incomplete classes, cycles), and `bun-sysv show`
 * printing the exact bytes PHP's var_export prints for a store PHP wrote.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PhpObject, printR, unserialize, varDump, varExport } from "../src/index.ts";
import { setDiagnosticHandler, var_export } from "../compat/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

/** Classes both PHP sides know (a reader without them would see __PHP_Incomplete_Class). */
const CLASSES = `class Foo { public $p = 1; protected $q = 2.0; private $r = "s"; public $list = [1, "two" => [3.5, null]]; public $o; }
  enum Suit { case Hearts; } enum U { case A; }`; // pure enums: a backed case's value is not in serialize()'s bytes
/** PHP expressions of values whose nesting and strings each printer has to get right. */
const VALUES = [
  "PHP_INT_MIN", "2 ** 60", "-0.0", "1e25", `"\\xff\\x00'\\\\x"`, `["k\\xfe" => "\\x80", 5 => "ok"]`,
  "(function () { $f = new Foo; $f->o = new Foo; $f->o->o = (object)['x' => [1]]; return $f; })()",
  "[Suit::Hearts, 'k' => U::A, 'n' => [U::A]]", "(object)['a' => (object)['b' => [1, (object)[]]]]",
  "[[[]], 'x' => (object)[]]",
];
const b64 = (s: string) => Buffer.from(s, "base64").toString("latin1");
const text = (t: string | Uint8Array) => Buffer.from(typeof t === "string" ? Buffer.from(t, "utf8") : t).toString("latin1");

describe("printR / varDump / varExport print what PHP prints", () => {
  test("values nested in objects and arrays, binary strings, PHP_INT_MIN", () => {
    const r = php(`${CLASSES}
      foreach ([${VALUES.join(", ")}] as $v) echo json_encode([base64_encode(serialize($v)), base64_encode(var_export($v, true)), base64_encode(print_r($v, true))]), "\\n";`);
    expect(r.stderr).toBe("");
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as [string, string, string]);
    expect(rows.length).toBe(VALUES.length);
    for (const [i, [payload, exported, printed]] of rows.entries()) {
      const value = unserialize(Buffer.from(payload, "base64"), { exact: true });
      expect({ value: VALUES[i], text: text(varExport(value)) }).toEqual({ value: VALUES[i], text: b64(exported) });
      expect({ value: VALUES[i], text: text(printR(value)) }).toEqual({ value: VALUES[i], text: b64(printed) });
      // var_dump's object #ids count from 1 in a fresh process, as in one varDump call.
      const dumped = Bun.spawnSync(["php", "-r", `${CLASSES} var_dump(unserialize(base64_decode($argv[1])));`, "--", payload]).stdout;
      expect({ value: VALUES[i], text: text(varDump(value)) }).toEqual({ value: VALUES[i], text: Buffer.from(dumped).toString("latin1") });
    }
  });

  test("an object of a class the reader lacks prints as __PHP_Incomplete_Class, naming its class", () => {
    const payload = serializedBy(`class Gone { public $a = 1; protected $b = [2]; } echo base64_encode(serialize(new Gone));`);
    const value = unserialize(payload, { exact: true, allowedClasses: false });
    const want = php(`$v = unserialize(base64_decode($argv[1])); echo var_export($v, true), "|", print_r($v, true), "|"; var_dump($v);`, [payload.toString("base64")]).stdout;
    expect(`${varExport(value)}|${printR(value)}|${varDump(value)}`).toBe(want);
    expect(want).toContain("'__PHP_Incomplete_Class_Name' => 'Gone'");
  });

  test("a value that contains itself: NULL in its place, onRecursion called (compat: PHP's warning line)", () => {
    const o = new PhpObject("stdClass", { a: 1 });
    o.set("self", o);
    let calls = 0;
    const want = php(`$o = new stdClass; $o->a = 1; $o->self = $o; var_export($o);`);
    expect(varExport(o, { onRecursion: () => calls++ })).toBe(want.stdout);
    expect(calls).toBe(1);
    expect(want.stderr).toContain("Warning:  var_export does not handle circular references");
    const seen: string[] = [];
    setDiagnosticHandler((d) => seen.push(d.text));
    try {
      expect(var_export(o, true)).toBe(want.stdout);
    } finally {
      setDiagnosticHandler(null);
    }
    expect(seen).toEqual(["Warning: var_export does not handle circular references"]);
    // print_r and var_dump mark the cycle instead of warning, as PHP does.
    const marked = php(`$o = new stdClass; $o->a = 1; $o->self = $o; print_r($o); var_dump($o);`).stdout;
    expect(`${printR(o)}${varDump(o)}`).toBe(marked);
  });
});

describe("bun-sysv show uses the same printer", () => {
  const keys = testKeys();
  test("a store with nested objects, enums and a binary string prints PHP's var_export bytes", () => {
    const key = keys.next();
    const put = php(`${CLASSES} $s = shm_attach((int)$argv[1], 8000, 0600);
      $f = new Foo; $f->o = (object)['x' => [Suit::Hearts]];
      shm_put_var($s, 1, $f); shm_put_var($s, 2, ["bin" => "\\xff'\\x00", 'n' => PHP_INT_MIN, 'e' => [U::A]]);`, [key]);
    expect(put.stderr).toBe("");
    const want = Bun.spawnSync(["php", "-r", `${CLASSES} $s = shm_attach((int)$argv[1]);
      foreach ([1, 2] as $k) echo $k, ' => ', var_export(shm_get_var($s, $k), true), "\\n";`, "--", String(key)]).stdout;
    const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "..", "src", "cli", "main.ts"), "show", String(key), "--shm"], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
    expect(Buffer.from(r.stdout).toString("latin1")).toContain(Buffer.from(want).toString("latin1"));
    expect(Buffer.from(want).toString("latin1")).toContain("\\Suit::Hearts"); // the case really went through
  });
});

function serializedBy(code: string): Buffer {
  const r = php(code);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return Buffer.from(r.stdout, "base64");
}
