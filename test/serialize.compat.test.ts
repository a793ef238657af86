/**
 * compat `serialize()` / `unserialize()`: PHP's return values (`false`), notices and warnings in
 * PHP's words, and the TypeError/ValueError texts for bad options, each checked against what the
 * real PHP 8.2 binary prints for the same call.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { PhpException, serialize, setDiagnosticHandler, unserialize, ValueError } from "../compat/index.ts";
import { PhpIncompleteObject, PhpObject } from "../src/serialize/index.ts";
import { php } from "./helpers/php.ts";
import { latin1 } from "./fixtures/serialize/helpers.ts";

const PHP = Bun.which("php");

function capture<T>(fn: () => T): { result: T; lines: string[] } {
  const lines: string[] = [];
  setDiagnosticHandler((d) => lines.push(d.text));
  try {
    return { result: fn(), lines };
  } finally {
    setDiagnosticHandler(null);
  }
}

afterEach(() => setDiagnosticHandler(null));

describe("compat unserialize()", () => {
  const inputs = [
    "i:5;",
    "b:2;",
    's:5:"hell";',
    "a:2:{i:0;i:1;}",
    "a:100:{i:0;i:1;}",
    "i:99999999999999999999;",
    'O:8:"stdClass":',
    'C:1:"A":-1:{}',
    'E:4:"Suit";',
    "i:5;garbage",
    " i:5;",
    "",
    "b:0;",
    "a:1:{i:0;a:1:{i:0;a:1:{i:0;i:1;}}}",
  ];

  test.skipIf(!PHP)("notices, warnings and false exactly like PHP", () => {
    const script = [
      "$lines = [];",
      "set_error_handler(function ($no, $str) use (&$lines) { $lines[] = ($no === E_NOTICE ? 'Notice' : 'Warning') . ': ' . $str; return true; });",
      "$results = [];",
      "foreach (json_decode($argv[1]) as $hex) { $r = unserialize(hex2bin($hex)); $results[] = $r === false ? false : serialize($r); }",
      "echo json_encode(['lines' => $lines, 'results' => $results]);",
    ].join("\n");
    const run = php(script, [JSON.stringify(inputs.map((s) => Buffer.from(s, "latin1").toString("hex")))]);
    const expected = JSON.parse(run.stdout) as { lines: string[]; results: (string | false)[] };
    const phpLines = expected.lines;
    const phpResults = expected.results;
    const ours = capture(() => inputs.map((s) => unserialize(latin1(s))));
    expect(ours.lines).toEqual(phpLines);
    expect(ours.result.map((r) => (r === false ? false : Buffer.from(serialize(r) as string).toString("latin1")))).toEqual(phpResults);
  });

  test("max_depth and allowed_classes", () => {
    const { result, lines } = capture(() => unserialize("a:1:{i:0;a:1:{i:0;a:1:{i:0;i:1;}}}", { max_depth: 2 }));
    expect(result).toBe(false);
    expect(lines).toEqual([
      "Warning: unserialize(): Maximum depth of 2 exceeded. The depth limit can be changed using the max_depth unserialize() option or the unserialize_max_depth ini setting",
      "Notice: unserialize(): Error at offset 23 of 34 bytes",
    ]);
    expect(unserialize('O:3:"Foo":0:{}', { allowed_classes: false })).toBeInstanceOf(PhpIncompleteObject);
    expect(unserialize('O:3:"Foo":0:{}', { allowed_classes: ["foo"] })).toBeInstanceOf(PhpObject);
    expect(unserialize('O:3:"Foo":0:{}', { allowed_classes: ["Bar"] })).toBeInstanceOf(PhpIncompleteObject);
  });

  test.skipIf(!PHP)("option errors carry PHP's messages", () => {
    const cases: [string, Record<string, unknown>][] = [
      ['["allowed_classes" => "x"]', { allowed_classes: "x" }],
      ['["allowed_classes" => 1.5]', { allowed_classes: 1.5 }],
      ['["allowed_classes" => null]', { allowed_classes: null }],
      ['["allowed_classes" => new stdClass]', { allowed_classes: new PhpObject("stdClass") }],
      ['["max_depth" => "3"]', { max_depth: "3" }],
      ['["max_depth" => 1.5]', { max_depth: 1.5 }],
      ['["max_depth" => true]', { max_depth: true }],
      ['["max_depth" => []]', { max_depth: [] }],
      ['["max_depth" => -1]', { max_depth: -1 }],
    ];
    for (const [phpOptions, jsOptions] of cases) {
      const expected = php(`try { unserialize("i:1;", ${phpOptions}); } catch (Throwable $e) { echo get_class($e), ": ", $e->getMessage(); }`).stdout;
      let got = "";
      try {
        unserialize("i:1;", jsOptions);
      } catch (e) {
        got = `${(e as Error).name}: ${(e as Error).message}`;
      }
      expect(got).toBe(expected);
    }
    expect(() => unserialize("i:1;", { max_depth: -1 })).toThrow(ValueError);
    expect(unserialize("", { max_depth: -1 })).toBe(false); // PHP returns before looking at options
  });
});

describe("compat serialize()", () => {
  test("returns a PHP string: text when UTF-8, bytes otherwise", () => {
    expect(serialize({ a: 1 })).toBe('a:1:{s:1:"a";i:1;}');
    expect(serialize(latin1("\xff"))).toEqual(latin1('s:1:"\xff";'));
  });

  test.skipIf(!PHP)("closures throw PHP's Exception", () => {
    const expected = php('try { serialize([1, function () {}]); } catch (Throwable $e) { echo get_class($e), ": ", $e->getMessage(); }').stdout;
    let got = "";
    try {
      serialize([1, () => 1]);
    } catch (e) {
      expect(e).toBeInstanceOf(PhpException);
      got = `${(e as Error).name}: ${(e as Error).message}`;
    }
    expect(got).toBe(expected);
  });
});
