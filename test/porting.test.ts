/**
 * Porting helpers (compat strlen, print_r, var_dump, var_export) against real PHP 8.2 output for the same
 * values: PHP serializes each value and prints it; Bun unserializes the bytes and prints the result.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { serialize, unserialize } from "../src/index.ts";
import { print_r, setDiagnosticHandler, strlen, var_export, varDumpText } from "../compat/index.ts";
import { php } from "./helpers/php.ts";

const FIXTURE = join(import.meta.dir, "fixtures/porting/values.php");
const run = Bun.spawnSync(["php", FIXTURE], { stdout: "pipe", stderr: "pipe" });
if (run.exitCode !== 0) throw new Error(`php ${FIXTURE} failed: ${run.stderr}`);
const rows = run.stdout.toString().trim().split("\n").map((line) => JSON.parse(line) as [string, string, string, string | null, number]);
const b64 = (s: string) => Buffer.from(s, "base64");
const asBytes = (t: string | Uint8Array) => Buffer.from(typeof t === "string" ? Buffer.from(t, "utf8") : t);

describe("print_r / var_export / var_dump print what PHP prints for the values unserialize gives", () => {
  test(`${rows.length} values, from ints and floats to binary strings, nested arrays and objects`, () => {
    expect(rows.length).toBeGreaterThan(25);
    for (const [payload, printR, varExport, varDump] of rows) {
      const value = unserialize(b64(payload), { exact: true });
      const label = b64(payload).toString("latin1");
      expect({ label, text: asBytes(print_r(value, true)).toString("latin1") }).toEqual({ label, text: b64(printR).toString("latin1") });
      expect({ label, text: asBytes(var_export(value, true)).toString("latin1") }).toEqual({ label, text: b64(varExport).toString("latin1") });
      const dump = varDump ?? Bun.spawnSync(["php", FIXTURE, "dump", payload]).stdout.toString("base64");
      expect({ label, text: asBytes(varDumpText(value)).toString("latin1") }).toEqual({ label, text: b64(dump).toString("latin1") });
    }
  });

  test("print_r and var_export print when not asked to return; var_dump takes several values", () => {
    const out = Bun.spawnSync([process.execPath, "-e", `
      import { print_r, var_dump, var_export } from ${JSON.stringify(join(import.meta.dir, "../compat/index.ts"))};
      print_r({ count: 100 }); var_export([1, "a"]); var_dump(1, "é", null);`]);
    expect(out.stdout.toString()).toBe(php(`print_r(["count" => 100]); var_export([1, "a"]); var_dump(1, "é", null);`).stdout);
  });
});

describe("strlen counts bytes as PHP does", () => {
  test("strings, and the serialization of every value, have PHP's byte lengths", () => {
    for (const [payload, , , , phpLength] of rows) {
      const value = unserialize(b64(payload), { exact: true });
      const measured = typeof value === "string" || value instanceof Uint8Array ? strlen(value) : strlen(serialize(value));
      expect({ payload, measured }).toEqual({ payload, measured: phpLength });
    }
    expect("é".length).toBe(1); // the trap: UTF-16 units
    expect(strlen("é")).toBe(2);
    expect(strlen("😀")).toBe(4);
  });

  test("non-strings are converted as PHP's non-strict mode does; arrays are a TypeError", () => {
    const fromPhp = php('echo json_encode([strlen(123), strlen(-1.5), strlen(0.1 + 0.2), strlen(1e100), strlen(true), strlen(false)]);').stdout;
    expect(JSON.stringify([strlen(123), strlen(-1.5), strlen(0.1 + 0.2), strlen(1e100), strlen(true), strlen(false)])).toBe(fromPhp);
    expect(() => strlen([1])).toThrow("strlen(): Argument #1 ($string) must be of type string, array given");
    const seen: string[] = [];
    setDiagnosticHandler((d) => seen.push(d.text));
    try {
      expect(strlen(null)).toBe(0);
    } finally {
      setDiagnosticHandler(null);
    }
    const message = "strlen(): Passing null to parameter #1 ($string) of type string is deprecated";
    expect(php("strlen(null);").stderr).toContain(`Deprecated:  ${message}`); // PHP's own line (two spaces, "in ... on line")
    expect(seen).toEqual([`Deprecated: ${message}`]);
  });
});
