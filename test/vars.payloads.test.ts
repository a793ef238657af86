/**
 * SharedVariables.set copies the serialized value from the encoder's scratch buffer into the segment
 * (a word at a time when small, natively when large) and get decodes it in place: every payload
 * length (each tail of 0-3 bytes, both copy paths, values bigger than the scratch buffer) gives
 * exactly serialize()'s bytes at PHP's offsets, and the chunk's padding keeps its stale bytes, as PHP leaves them.
 */
import { describe, expect, test } from "bun:test";
import { SharedVariables } from "../src/index.ts";
import { serialize } from "../src/serialize/index.ts";
import { testKeys } from "./helpers/ipc.ts";

const keys = testKeys();

describe("SharedVariables: payload copies", () => {
  test("payloads of 4 to 700 bytes: exact bytes, stale padding kept, decoded back", () => {
    using vars = SharedVariables.createNew(keys.next(), { size: 4096 });
    for (let n = 0; n < 690; n++) {
      const value = "x".repeat(n); // s:<n>:"...";  payload length n + 6 + digits
      vars.delete(1);
      vars.segment.write(new Uint8Array(1024).fill(0xa5), 40); // stale bytes where the chunk goes
      vars.set(1, value);
      const expected = serialize(value);
      const chunk = vars.segment.read(40, 24 + expected.length + 8);
      expect(new DataView(chunk.buffer).getBigInt64(8, true)).toBe(BigInt(expected.length));
      expect(chunk.subarray(24, 24 + expected.length)).toEqual(expected);
      const size = Number(new DataView(chunk.buffer).getBigInt64(16, true));
      const padding = vars.segment.read(40 + 24 + expected.length, size - 24 - expected.length);
      expect(padding).toEqual(new Uint8Array(padding.length).fill(0xa5));
      expect(vars.get(1)).toBe(value);
    }
  });

  test("values larger than the scratch buffer, also after it was trimmed back from a huge one", () => {
    using vars = SharedVariables.createNew(keys.next(), { size: 1 << 20 });
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `user${i}`, tags: ["a", "b"] }));
    for (const n of [1500, 3000]) {
      vars.set(n, rows(n));
      expect(vars.get(n)).toEqual(rows(n));
    }
    serialize(rows(120000)); // grows the shared encoder past its 8 MB limit: trimmed afterwards
    vars.set(7, rows(3000));
    const expected = serialize(rows(3000));
    expect(expected.length).toBeGreaterThan(65536);
    expect(vars.get(7)).toEqual(rows(3000));
    const last = vars.segment.read(vars.stat().used - ((expected.length + 31) & ~7) - 8 + 24, expected.length);
    expect(last).toEqual(expected); // the last chunk's payload
  });
});
