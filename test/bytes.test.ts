import { describe, expect, test } from "bun:test";
import { bytesToPhpString, phpStringToBytes } from "../src/index.ts";

const b = (...xs: number[]) => new Uint8Array(xs);

describe("the PHP string rule", () => {
  test("valid UTF-8 becomes a string, NUL bytes and 4-byte characters included", () => {
    expect(bytesToPhpString(b())).toBe("");
    expect(bytesToPhpString(b(0x61, 0, 0x62))).toBe("a\0b");
    expect(bytesToPhpString(phpStringToBytes("😀 €"))).toBe("😀 €");
    expect(bytesToPhpString(b(0xef, 0xbb, 0xbf, 0x41))).toBe("\ufeffA"); // the BOM is kept
  });

  test("anything else stays the exact bytes: invalid bytes, overlongs, surrogates, a character cut at the end", () => {
    const cases = [
      b(0xff), b(0x61, 0xfe), b(0xc0, 0x80), b(0xed, 0xa0, 0x80),
      phpStringToBytes("😀").subarray(0, 3), phpStringToBytes("a€").subarray(0, 2),
    ];
    for (const bytes of cases) {
      const v = bytesToPhpString(bytes);
      expect(v).toBeInstanceOf(Uint8Array);
      expect(v).toEqual(bytes);
    }
  });

  test("a string is written as UTF-8, a Uint8Array as is", () => {
    expect(phpStringToBytes("é")).toEqual(b(0xc3, 0xa9));
    expect(phpStringToBytes("\0")).toEqual(b(0));
    const raw = b(0xff, 0);
    expect(phpStringToBytes(raw)).toBe(raw);
    const text = "x😀\0y";
    expect(bytesToPhpString(phpStringToBytes(text))).toBe(text);
  });
});
