/**
 * The CLI's JSON form of decoded values (`show --json`): property and array keys kept as PHP has them,
 * checked against the real `php`'s json_encode of the same serialized bytes.
 */
import { describe, expect, test } from "bun:test";
import { toJsonValue } from "../src/cli/format.ts";
import { unserialize } from "../src/index.ts";
import { php } from "./helpers/php.ts";

describe("toJsonValue", () => {
  test("an object's int property names and an array's huge string keys keep their text", () => {
    for (const payload of ['O:8:"stdClass":2:{i:7;s:1:"a";s:1:"b";i:2;}', 'a:2:{s:20:"12345678901234567890";i:1;i:-3;i:2;}']) {
      const json = toJsonValue(unserialize(payload, { exact: true }));
      const fromPhp = JSON.parse(php(`echo json_encode(unserialize($argv[1]), JSON_FORCE_OBJECT);`, [payload]).stdout);
      const mine = (json as { properties?: object }).properties ?? json;
      expect(Object.keys(mine as object)).toEqual(Object.keys(fromPhp));
    }
    // a plain JS object with a numeric key beyond 2^53 is not rounded on its way to JSON
    expect(Object.keys(toJsonValue({ "12345678901234567890": 1 }) as object)).toEqual(["12345678901234567890"]);
  });
});
