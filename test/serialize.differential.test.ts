/**
 * Differential tests against the real PHP 8.2 `unserialize()`: thousands of mutated PHP
 * serializations and generated near-valid inputs go through both. For every input we must agree
 * on success, on the byte offset of a failure, on the warnings and notices in order, and on the
 * value (compared as PHP's re-serialization of it).
 *
 * Known, documented differences are normalised before comparing: PHP instantiates the classes it
 * knows (stdClass's canonical case, int property names become strings, enum names resolve case-
 * insensitively) and drops a `C:` payload of an unknown class; a value whose top level is an `R:`
 * target cannot be re-serialized by PHP at all. Inputs naming enums PHP does not have are skipped.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { PhpCustom, PhpEnum, PhpIncompleteObject, PhpObject, PhpRef, serialize } from "../src/serialize/index.ts";
import type { UnserializeOptions } from "../src/serialize/index.ts";
import { bunUnserialize, latin1, phpFixture, phpUnserialize, random, show } from "./fixtures/serialize/helpers.ts";
import { generate, mutate } from "./fixtures/serialize/inputs.ts";

const PHP = Bun.which("php");
const ENUMS = { PROBE_ENUMS: "1" };

/** Turns our exact tree into what PHP's re-serialization of the same input shows. */
function asPhpWouldReserialize(root: unknown): unknown {
  const done = new Map<unknown, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (done.has(v)) return done.get(v);
    if (v instanceof PhpCustom || (v instanceof PhpIncompleteObject && v.customData)) {
      const name = v instanceof PhpCustom ? v.className : v.originalClassName;
      const replaced = new PhpIncompleteObject(name);
      done.set(v, replaced);
      return replaced;
    }
    done.set(v, v);
    if (v instanceof PhpEnum) {
      v.className = ["Suit", "Pure"].find((known) => known.toLowerCase() === v.className.toLowerCase()) ?? v.className;
    } else if (v instanceof PhpObject) {
      if (v.className.toLowerCase() === "stdclass") v.className = "stdClass";
      for (const p of v.properties) {
        if (typeof p.name === "number" || typeof p.name === "bigint") p.name = String(p.name);
        p.value = walk(p.value);
      }
    } else if (v instanceof PhpRef) {
      v.value = walk(v.value);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    } else if (v instanceof Map) {
      for (const [k, x] of v) v.set(k, walk(x));
    }
    return v;
  };
  return walk(root);
}

/** PHP's diagnostics minus the ones we deliberately do not produce; stray bytes rendered alike. */
function comparableDiagnostics(diags: string[]): string[] {
  return diags.filter((d) => !d.includes("has no unserializer")).map((d) => d.replace(/[\udc80-\udcff\ufffd]/g, "?"));
}

function compare(inputs: Uint8Array[], phpOptions?: Record<string, unknown>, ourOptions: UnserializeOptions = {}) {
  const verdicts = phpUnserialize(inputs, phpOptions, ENUMS);
  const mismatches: string[] = [];
  let accepted = 0;
  let compared = 0;
  inputs.forEach((input, i) => {
    const php = verdicts[i]!;
    if (php.thrown || php.diags.some((d) => /not found|Undefined constant|not an enum|Cannot instantiate|Erroneous/.test(d))) return;
    compared++;
    const ours = bunUnserialize(input, { ...ourOptions, exact: true });
    if (ours.ok) accepted++;
    let same = ours.ok === php.ok && JSON.stringify(comparableDiagnostics(ours.diags)) === JSON.stringify(comparableDiagnostics(php.diags));
    if (same && ours.ok && !(ours.value instanceof PhpRef)) same = show(serialize(asPhpWouldReserialize(ours.value))) === show(php.out!);
    if (!same) {
      mismatches.push(`${JSON.stringify(show(input))}\n  php: ${php.ok} ${php.diags.join(" | ")} ${php.out ? show(php.out) : ""}\n  bun: ${ours.ok} ${ours.diags.join(" | ")}`);
    }
  });
  return { mismatches: mismatches.slice(0, 10), mismatchCount: mismatches.length, accepted, compared };
}

describe.skipIf(!PHP)("differential against PHP 8.2 unserialize()", () => {
  let seeds: Uint8Array[];
  beforeAll(() => {
    const corpus = phpFixture<Record<string, string>>("corpus.php");
    seeds = Object.entries(corpus)
      .filter(([name]) => name !== "arrayobject" && name !== "datetime") // PHP validates these classes' contents
      .map(([, hex]) => Uint8Array.from(Buffer.from(hex, "hex")))
      .filter((b) => b.length < 3000);
    for (const extra of ["a:3:{i:0;i:1;i:0;i:2;i:1;R:2;}", 'O:1:"A":3:{s:1:"a";i:1;s:1:"b";i:2;s:1:"a";R:2;}', 'a:1:{S:1:"\\61";i:1;}', 'C:1:"A":1:{x}', "d:-.5e+2;", "i:+5;"]) {
      seeds.push(latin1(extra));
    }
  });

  test("4,000 mutations of PHP-made serializations", () => {
    const next = random(1);
    const inputs = Array.from({ length: 4000 }, () => mutate(seeds[Math.floor(next() * seeds.length)]!, next));
    const result = compare(inputs);
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(3900);
    expect(result.accepted).toBeGreaterThan(300);
  });

  test("4,000 generated near-valid inputs (half of them mutated)", () => {
    const next = random(2);
    const inputs = Array.from({ length: 4000 }, () => {
      const bytes = latin1(generate(next));
      return next() < 0.5 ? mutate(bytes, next) : bytes;
    });
    const result = compare(inputs);
    expect(result.mismatches).toEqual([]);
    expect(result.accepted).toBeGreaterThan(1000);
  });

  test("with max_depth 1 and 2", () => {
    const next = random(3);
    const inputs = Array.from({ length: 1500 }, () => latin1(generate(next)));
    for (const depth of [1, 2]) {
      const result = compare(inputs, { max_depth: depth }, { maxDepth: depth });
      expect(result.mismatches).toEqual([]);
    }
  });

  test("with allowed_classes false and a list", () => {
    const next = random(4);
    const inputs = Array.from({ length: 1500 }, () => latin1(generate(next)));
    expect(compare(inputs, { allowed_classes: false }, { allowedClasses: false }).mismatches).toEqual([]);
    expect(compare(inputs, { allowed_classes: ["a", "FOO\\bar"] }, { allowedClasses: ["A", "foo\\BAR"] }).mismatches).toEqual([]);
  });
});
