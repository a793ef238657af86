/**
 * The decoder's note of a whole-float token (`d:<digits>;`), which `src/vars` reads instead of scanning a
 * payload's bytes after a get: it must be set exactly when the decoded value held such a token, so that
 * the float memory (test/vars.floats.test.ts) keeps PHP's floats as the byte scan did.
 */
import { describe, expect, test } from "bun:test";
import { lastDecodeHadWholeFloatToken, unserializeWith } from "../src/serialize/decode.ts";
import { decodeSettings } from "../src/serialize/options.ts";
import { mayHoldWholeFloat } from "../src/vars/floats.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const settings = decodeSettings({});

describe("lastDecodeHadWholeFloatToken", () => {
  const cases: [string, boolean][] = [
    ["d:10;", true],
    ["d:-3;", true],
    ["d:-0;", true],
    ["a:2:{s:1:\"a\";i:1;s:1:\"b\";d:7;}", true],
    ["a:1:{i:0;a:1:{i:0;d:12345678901234567;}}", true],
    ["d:1.5;", false],
    ["d:1.0E+25;", false],
    ["d:INF;", false],
    ["d:NAN;", false],
    ["a:2:{i:0;i:5;i:1;s:4:\"d:5;\";}", false], // in a string: not a float (the byte scan's false positive)
    ["i:5;", false],
    ["a:0:{}", false],
  ];
  for (const [text, expected] of cases) {
    test(`${text} -> ${expected}`, () => {
      unserializeWith(bytes(text), settings);
      expect(lastDecodeHadWholeFloatToken()).toBe(expected);
      // Wherever the decoder says yes, the byte scan it replaces said yes too.
      if (expected) expect(mayHoldWholeFloat(bytes(text), 0, text.length)).toBe(true);
    });
  }

  test("each call replaces the note; a slice of a larger buffer is read alone", () => {
    const b = bytes("d:4;i:1;");
    unserializeWith(b, settings, 0, 4);
    expect(lastDecodeHadWholeFloatToken()).toBe(true);
    unserializeWith(b, settings, 4, 8);
    expect(lastDecodeHadWholeFloatToken()).toBe(false);
  });
});
