/**
 * The encoder's reusable buffer: outputs larger than it (it grows while writing), outputs after it
 * was trimmed back from a huge one, and the library-internal `serializeToScratch` view, all give
 * exactly the bytes of a fresh encoding.
 */
import { describe, expect, test } from "bun:test";
import { serializeToScratch } from "../src/serialize/encode.ts";
import { serialize, unserialize } from "../src/serialize/index.ts";

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `user${i}`, tags: ["a", "b"], ok: i % 2 === 0 }));

/** The PHP bytes of `rows(n)`, built by hand. */
function expected(n: number): string {
  let out = `a:${n}:{`;
  for (let i = 0; i < n; i++) {
    out += `i:${i};a:4:{s:2:"id";i:${i};s:4:"name";s:${`user${i}`.length}:"user${i}";s:4:"tags";a:2:{i:0;s:1:"a";i:1;s:1:"b";}s:2:"ok";b:${i % 2 === 0 ? 1 : 0};}`;
  }
  return `${out}}`;
}

describe("the encoder's scratch buffer", () => {
  test("outputs that outgrow the buffer, before and after it is trimmed back from a huge one, are whole", () => {
    for (const n of [2000, 100000, 2000, 700]) { // ~190 KB, ~9.6 MB (trimmed afterwards), ~190 KB again
      const bytes = serialize(rows(n));
      expect(bytes.length).toBe(expected(n).length);
      expect(Buffer.from(bytes).toString("latin1")).toBe(expected(n));
    }
  });

  test("serializeToScratch leaves the same bytes in its buffer, and throws like serialize", () => {
    for (const n of [3, 2000, 100000, 2000]) {
      const { bytes, length } = serializeToScratch(rows(n));
      expect(Buffer.from(bytes.subarray(0, length)).toString("latin1")).toBe(expected(n));
    }
    const scratch = serializeToScratch({ id: 7 });
    expect(Buffer.from(scratch.bytes.subarray(0, scratch.length)).toString("latin1")).toBe('a:1:{s:2:"id";i:7;}');
    expect(new Uint8Array(scratch.words.buffer, 0, scratch.length)).toEqual(scratch.bytes.subarray(0, scratch.length));
    expect(() => serializeToScratch({ f() {} })).toThrow(TypeError);
    expect(unserialize(serialize({ after: "a throw" }))).toEqual({ after: "a throw" });
  });

  test("a getter that serializes while serializeToScratch runs gets its own buffer", () => {
    const inner = { id: 1 };
    const outer = { get nested() { return Buffer.from(serialize(inner)).toString("latin1"); } };
    const { bytes, length } = serializeToScratch(outer);
    expect(Buffer.from(bytes.subarray(0, length)).toString("latin1")).toBe('a:1:{s:6:"nested";s:19:"a:1:{s:2:"id";i:1;}";}');
  });
});
