/**
 * Robustness of `unserialize`: well over 100,000 mutated, generated and random inputs must each
 * end quickly in a value or an `UnserializeError` (never another error, never a hang); huge
 * declared lengths and counts fail without allocating; depth bombs stop at `maxDepth` (or at the
 * JS stack, still as an `UnserializeError`); keys never reach a prototype.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { UnserializeError } from "../src/errors.ts";
import { serialize, unserialize } from "../src/serialize/index.ts";
import type { UnserializeOptions } from "../src/serialize/index.ts";
import { latin1, phpFixture, random } from "./fixtures/serialize/helpers.ts";
import { generate, mutate } from "./fixtures/serialize/inputs.ts";

/** Decodes `input`; anything thrown other than UnserializeError is returned as a failure report. */
function survive(input: Uint8Array, options?: UnserializeOptions): string | null {
  const started = performance.now();
  try {
    const value = unserialize(input, options);
    serialize(value); // whatever we decode, we can write back
  } catch (e) {
    if (!(e instanceof UnserializeError)) return `${(e as Error)?.name}: ${(e as Error)?.message} for ${JSON.stringify(Buffer.from(input).toString("latin1").slice(0, 200))}`;
  }
  const elapsed = performance.now() - started;
  return elapsed > 250 ? `took ${elapsed.toFixed(0)} ms for ${input.length} bytes` : null;
}

describe("fuzz: only UnserializeError, always quick", () => {
  let seeds: Uint8Array[];
  beforeAll(() => {
    seeds = Object.values(phpFixture<Record<string, string>>("corpus.php")).map((hex) => Uint8Array.from(Buffer.from(hex, "hex")));
  });

  test("60,000 mutations of PHP serializations, in every mode", () => {
    const next = random(11);
    const modes: UnserializeOptions[] = [{}, { exact: true }, { mapArrays: true }, { maxDepth: 2, allowedClasses: false }];
    const failures: string[] = [];
    for (let i = 0; i < 60000; i++) {
      const failure = survive(mutate(seeds[i % seeds.length]!, next), modes[i % modes.length]);
      if (failure) failures.push(failure);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  test("30,000 generated near-valid inputs", () => {
    const next = random(12);
    const failures: string[] = [];
    for (let i = 0; i < 30000; i++) {
      const bytes = latin1(generate(next));
      const failure = survive(i % 2 ? mutate(bytes, next) : bytes, i % 3 === 0 ? { exact: true } : {});
      if (failure) failures.push(failure);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  test("20,000 random byte strings (grammar-heavy and uniform)", () => {
    const next = random(13);
    const grammar = latin1('aisdbNOCERrS:;{}"0123456789-+.eE\\\0');
    const failures: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const length = Math.floor(next() * 64);
      const bytes = new Uint8Array(length);
      for (let j = 0; j < length; j++) bytes[j] = i % 2 ? grammar[Math.floor(next() * grammar.length)]! : Math.floor(next() * 256);
      const failure = survive(bytes);
      if (failure) failures.push(failure);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});

describe("resource limits", () => {
  test("huge declared lengths and counts fail at once, without allocating them", () => {
    const inputs = [
      's:999999999999:"x";',
      "s:18446744073709551615:\"x\";",
      'S:99999999999:"x";',
      "a:999999999:{i:0;i:1;}",
      "a:99999999999999999999999:{}",
      'O:8:"stdClass":999999999:{}',
      'C:1:"A":999999999999:{x}',
      'E:999999999:"A:B";',
      'O:999999999:"A":0:{}',
      "R:999999999999;",
    ];
    const before = process.memoryUsage().rss;
    for (const input of inputs) {
      const started = performance.now();
      expect(() => unserialize(input)).toThrow(UnserializeError);
      expect(performance.now() - started).toBeLessThan(20);
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  test("a count may not exceed half the bytes left (PHP's check), so a:N:{ cannot reserve N", () => {
    expect(() => unserialize("a:5:{i:0;i:1;}")).toThrow(expect.objectContaining({ offset: 5 })); // 5 > 9 bytes left / 2
  });

  test("depth bombs stop at maxDepth (default 4096) with PHP's offset", () => {
    const bomb = "a:1:{i:0;".repeat(100000) + "N;" + "}".repeat(100000);
    const warnings: string[] = [];
    const started = performance.now();
    expect(() => unserialize(bomb, { onWarning: (w) => warnings.push(w.message) })).toThrow(expect.objectContaining({ offset: 4097 * 9 - 4 }));
    expect(performance.now() - started).toBeLessThan(200);
    expect(warnings[0]).toStartWith("Maximum depth of 4096 exceeded");
    const objects = 'O:8:"stdClass":1:{s:1:"a";'.repeat(5000) + "N;" + "}".repeat(5000);
    expect(() => unserialize(objects)).toThrow(UnserializeError);
  });

  test("with maxDepth 0 (unlimited) the JS stack is the limit, still an UnserializeError", () => {
    const bomb = "a:1:{i:0;".repeat(300000) + "N;" + "}".repeat(300000);
    expect(() => unserialize(bomb, { maxDepth: 0 })).toThrow(UnserializeError);
    const refs = "a:1:{i:0;".repeat(300000) + "R:2;" + "}".repeat(300000);
    expect(() => unserialize(refs, { maxDepth: 0 })).toThrow(UnserializeError);
  });

  test("keys never touch prototypes", () => {
    const inputs = [
      'a:1:{s:9:"__proto__";a:1:{s:8:"polluted";b:1;}}',
      'a:2:{i:1;i:1;s:9:"__proto__";a:1:{s:8:"polluted";b:1;}}',
      'a:2:{s:11:"constructor";a:1:{s:9:"prototype";a:1:{s:8:"polluted";b:1;}}s:1:"x";R:2;}',
      'O:8:"stdClass":1:{s:9:"__proto__";a:1:{s:8:"polluted";b:1;}}',
    ];
    for (const input of inputs) {
      for (const options of [{}, { exact: true }, { mapArrays: true }]) {
        const value = unserialize(input, options);
        if (value && typeof value === "object" && !(value instanceof Map)) expect(Object.getPrototypeOf(value)).not.toBeNull();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});
