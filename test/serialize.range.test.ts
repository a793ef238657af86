/**
 * Decoding a value inside a larger buffer (`unserializeWith(bytes, settings, start, end)`, what
 * SharedVariables.get does on the segment): the bytes around the range must never change the outcome.
 * Every input gives the same value, or the same UnserializeError (offset, length, reason), as when
 * decoded on its own, whatever sits before and after it (grammar bytes that would continue a token).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { UnserializeError } from "../src/errors.ts";
import { unserializeWith } from "../src/serialize/decode.ts";
import { decodeSettings } from "../src/serialize/options.ts";
import type { UnserializeOptions, UnserializeWarning } from "../src/serialize/index.ts";
import { serialize, unserialize } from "../src/serialize/index.ts";
import { latin1, phpFixture, random } from "./fixtures/serialize/helpers.ts";
import { generate, mutate } from "./fixtures/serialize/inputs.ts";

/** What a decode ended in, comparable with toEqual: the re-serialized value or the error, and the warnings. */
function outcome(decode: (options: UnserializeOptions) => unknown, options: UnserializeOptions): unknown {
  const warnings: UnserializeWarning[] = [];
  try {
    const value = decode({ ...options, onWarning: (w) => warnings.push(w) });
    return { value: Buffer.from(serialize(value)).toString("latin1"), warnings };
  } catch (e) {
    if (!(e instanceof UnserializeError)) throw e;
    return { offset: e.offset, length: e.length, message: e.message, warnings };
  }
}

const GRAMMAR = latin1('0123456789;:"{}-+.eEaisdbNR\\');

/** `input` with `before` random bytes in front and `after` grammar bytes behind. */
function embed(input: Uint8Array, next: () => number, before: number, after: number): Uint8Array {
  const out = new Uint8Array(before + input.length + after);
  for (let i = 0; i < before; i++) out[i] = Math.floor(next() * 256);
  out.set(input, before);
  for (let i = before + input.length; i < out.length; i++) out[i] = GRAMMAR[Math.floor(next() * GRAMMAR.length)]!;
  return out;
}

function check(input: Uint8Array, next: () => number, options: UnserializeOptions): string | null {
  const alone = outcome((o) => unserialize(input, o), options);
  const before = Math.floor(next() * 9), after = 1 + Math.floor(next() * 24);
  const buffer = embed(input, next, before, after);
  const inside = outcome((o) => unserializeWith(buffer, decodeSettings(o), before, before + input.length), options);
  return Bun.deepEquals(alone, inside) ? null : `${JSON.stringify(Buffer.from(input).toString("latin1"))}: ${JSON.stringify(alone)} vs ${JSON.stringify(inside)}`;
}

describe("unserializeWith on a range of a larger buffer", () => {
  let seeds: Uint8Array[];
  beforeAll(() => {
    seeds = Object.values(phpFixture<Record<string, string>>("corpus.php")).map((hex) => Uint8Array.from(Buffer.from(hex, "hex")));
  });

  test("PHP's serializations, truncated at every byte, decode as they do alone", () => {
    const next = random(21);
    const failures: string[] = [];
    for (const seed of seeds) {
      for (let end = 0; end <= Math.min(seed.length, 200); end++) {
        for (const options of [{}, { exact: true }] as UnserializeOptions[]) {
          const failure = check(seed.subarray(0, end), next, options);
          if (failure) failures.push(failure);
        }
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  test("20,000 mutated and generated inputs decode as they do alone", () => {
    const next = random(22);
    const failures: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const input = i % 2 ? mutate(seeds[i % seeds.length]!, next) : latin1(generate(next));
      const failure = check(input, next, i % 3 === 0 ? { exact: true } : i % 3 === 1 ? { mapArrays: true } : {});
      if (failure) failures.push(failure);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  test("hand-picked truncations whose next bytes would complete them", () => {
    const cases: [string, string][] = [
      ["b:1", ";"], ["N", ";"], ["i:5", ";"], ["d:1.5", ";"], ['s:1:"a', '";'], ["a:1:{i:0;i:1;", "}"],
      ['a:2:{s:2:"id";i:1;s:2:"id"', ";i:2;}"], ['O:8:"stdClass":0:', "{}"], ['C:1:"A":', "1:{x}"], ['C:1:"A":', "-"],
      ['E:5:"A:B"', ";"], ["a:1:{i:0;R:1", ";}"], ['S:1:"\\6', '1";'], ["d:NA", "N;"], ["d:-IN", "F;"],
      ['a:2:{i:0;a:1:{s:2:"id";i:1;}i:1;a:1:{s:2:"i', 'd";i:1;}}'], // a predicted key running past the end
    ];
    for (const [input, rest] of cases) {
      const alone = outcome((o) => unserialize(latin1(input), o), {});
      const buffer = latin1(`xx${input}${rest}`);
      const inside = outcome((o) => unserializeWith(buffer, decodeSettings(o), 2, 2 + input.length), {});
      expect({ input, outcome: inside }).toEqual({ input, outcome: alone });
    }
  });
});
