import { describe, expect, test } from "bun:test";
import { ftok as phpFtok } from "../compat/ftok.ts";
import { ValueError } from "../compat/diagnostics.ts";
import { FileKey, ftok, NotFoundError, toKey } from "../src/index.ts";
import { tempFile } from "./helpers/ipc.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { phpJson } from "./helpers/php.ts";

const files = [tempFile("ftok-a"), tempFile("ftok-b"), "/etc/passwd", `${import.meta.dir}/../package.json`];
const projects = ["A", "a", "\0", "\xff", "1", "~", "\x80"];

describe("ftok", () => {
  test("equals PHP's ftok for several files and project ids, \\0 and \\xff included", () => {
    const ords = projects.map((p) => p.charCodeAt(0));
    const expected = phpJson<number[][]>(
      `$out = []; foreach (array_slice($argv, 2) as $f) { $row = []; foreach (json_decode($argv[1]) as $o) $row[] = ftok($f, chr($o)); $out[] = $row; } echo json_encode($out);`,
      [JSON.stringify(ords), ...files],
    );
    const ours = files.map((f) => projects.map((p) => ftok(f, p)));
    const compat = files.map((f) => projects.map((p) => phpFtok(f, p)));
    expect(ours).toEqual(expected);
    expect(compat).toEqual(expected);
    expect(new Set(expected.flat()).size).toBe(files.length * projects.length);
  });

  test("project ids >= 0x80 give negative keys, with the id in the top byte", () => {
    const f = files[0];
    const key = ftok(f, "\xff");
    expect(key).toBeLessThan(0);
    expect(key >>> 24).toBe(0xff);
    expect(ftok(f, 255)).toBe(key);
    expect(phpFtok(f, new Uint8Array([0xff]))).toBe(key);
    expect(ftok(f, "\0") >>> 24).toBe(0);
    expect(ftok(f, "\0") & 0xffffff).toBe(key & 0xffffff);
  });

  test("a missing file is a NotFoundError in src", () => {
    expect(() => ftok("/nonexistent/bun-sysv", "A")).toThrow(NotFoundError);
    expect(() => ftok(files[0], "AB")).toThrow(RangeError);
  });

  test("compat ftok: PHP's ValueErrors, warning and -1, same texts as php", () => {
    const cases: Array<[php: string, ours: () => unknown]> = [
      [`return ftok("", "A");`, () => phpFtok("", "A")],
      [`return ftok("a\\0b", "A");`, () => phpFtok("a\0b", "A")],
      [`return ftok($argv[1], "AB");`, () => phpFtok(files[0], "AB")],
      [`return ftok($argv[1], "");`, () => phpFtok(files[0], "")],
      [`return ftok($argv[1], "€");`, () => phpFtok(files[0], "€")],
      [`return ftok($argv[1], 1);`, () => phpFtok(files[0], 1)],
      [`return ftok($argv[1], 12);`, () => phpFtok(files[0], 12)],
      [`return ftok("/nonexistent/bun-sysv", "A");`, () => phpFtok("/nonexistent/bun-sysv", "A")],
    ];
    for (const [php, ours] of cases) expect(compatOutcome(ours)).toEqual(phpOutcome(php, [files[0]]));
    expect(compatOutcome(() => phpFtok("/nonexistent/bun-sysv", "A"))).toEqual([
      "Warning: ftok(): ftok() failed - No such file or directory",
      "return: -1",
    ]);
    expect(() => phpFtok("", "A")).toThrow(ValueError);
  });
});

describe("FileKey", () => {
  test("starts at project id 0; next() and clone() step the project id", () => {
    const f = files[1];
    const k0 = new FileKey(f);
    expect(k0.projectId).toBe(0);
    expect(k0.key).toBe(ftok(f, 0));
    const k1 = k0.next();
    expect(k1.projectId).toBe(1);
    expect(k1.key).toBe(ftok(f, 1));
    expect(k1.clone().key).toBe(ftok(f, 2));
    expect(k0.key).toBe(ftok(f, 0)); // unchanged
    expect(toKey(k1)).toBe(k1.key);
    expect(() => new FileKey(f, 255).next()).toThrow(RangeError);
  });
});

describe("toKey", () => {
  test("keeps the low 32 bits as a signed int32, like PHP 8.2 passing an int to key_t", () => {
    expect(toKey(0x5eed0001)).toBe(0x5eed0001);
    expect(toKey(0x1_0000_0000 + 0x1234)).toBe(0x1234);
    expect(toKey(0x1_0000_0000n)).toBe(0);
    expect(toKey(0xffffffff)).toBe(-1);
    expect(toKey(-1n)).toBe(-1);
    expect(() => toKey(1.5)).toThrow(TypeError);
  });
});
