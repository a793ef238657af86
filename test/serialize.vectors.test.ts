/**
 * Spec §6.6 test vectors (PHP 8.2 `serialize()` output) in both directions, the unserialize
 * vectors below them, float formatting (§6.1), key rules (§6.2), references (§6.4) and the
 * acceptance rules and offsets of §6.5.
 */
import { describe, expect, test } from "bun:test";
import { UnserializeError } from "../src/errors.ts";
import {
  PhpCustom,
  PhpEnum,
  PhpFloat,
  PhpIncompleteObject,
  PhpObject,
  PhpRef,
  serialize,
  unserialize,
} from "../src/serialize/index.ts";
import type { UnserializeWarning } from "../src/serialize/index.ts";
import { latin1, show, utf8 } from "./fixtures/serialize/helpers.ts";

const text = (v: unknown) => show(serialize(v));

function objectWithSelfRef(): unknown[] {
  const r = new PhpRef<unknown>(null);
  const inner = [r];
  r.value = inner;
  return [r];
}

/** [description, JS value, exact PHP bytes (as UTF-8 text)] */
const VECTORS: [string, () => unknown, string][] = [
  ["null", () => null, "N;"],
  ["true", () => true, "b:1;"],
  ["false", () => false, "b:0;"],
  ["0", () => 0, "i:0;"],
  ["-17", () => -17, "i:-17;"],
  ["PHP_INT_MAX", () => 9223372036854775807n, "i:9223372036854775807;"],
  ["PHP_INT_MIN", () => -9223372036854775808n, "i:-9223372036854775808;"],
  ["0.0", () => new PhpFloat(0), "d:0;"],
  ["-0.0", () => -0, "d:-0;"],
  ["1.0", () => new PhpFloat(1), "d:1;"],
  ["1.5", () => 1.5, "d:1.5;"],
  ["100.0", () => new PhpFloat(100), "d:100;"],
  ["0.1", () => 0.1, "d:0.1;"],
  ["0.1+0.2", () => 0.1 + 0.2, "d:0.30000000000000004;"],
  ["1/3", () => 1 / 3, "d:0.3333333333333333;"],
  ["1e15", () => new PhpFloat(1e15), "d:1000000000000000;"],
  ["1e16", () => 1e16, "d:10000000000000000;"],
  ["1e17", () => 1e17, "d:1.0E+17;"],
  ["1e21", () => 1e21, "d:1.0E+21;"],
  ["1e22", () => 1e22, "d:1.0E+22;"],
  ["1.0E+25", () => 1e25, "d:1.0E+25;"],
  ["1.5e300", () => 1.5e300, "d:1.5E+300;"],
  ["123456789012345678.0", () => 123456789012345678, "d:1.2345678901234568E+17;"],
  ["0.0001", () => 0.0001, "d:0.0001;"],
  ["0.00001", () => 0.00001, "d:1.0E-5;"],
  ["1e-7", () => 1e-7, "d:1.0E-7;"],
  ["-1.5e-10", () => -1.5e-10, "d:-1.5E-10;"],
  ["PHP_FLOAT_MAX", () => Number.MAX_VALUE, "d:1.7976931348623157E+308;"],
  ["PHP_FLOAT_MIN", () => 2.2250738585072014e-308, "d:2.2250738585072014E-308;"],
  ["5e-324", () => 5e-324, "d:5.0E-324;"],
  ["PHP_FLOAT_EPSILON", () => Number.EPSILON, "d:2.220446049250313E-16;"],
  ["2.0**53", () => 2 ** 53, "d:9007199254740992;"],
  ["2.0**63", () => 2 ** 63, "d:9.223372036854776E+18;"],
  ["-(2.0**63)", () => -(2 ** 63), "d:-9.223372036854776E+18;"],
  ["INF", () => Infinity, "d:INF;"],
  ["-INF", () => -Infinity, "d:-INF;"],
  ["NAN", () => NaN, "d:NAN;"],
  ["''", () => "", 's:0:"";'],
  ["'hello'", () => "hello", 's:5:"hello";'],
  ["UTF-8", () => "héllo €", 's:10:"héllo €";'],
  ["NUL", () => "a\0b", 's:3:"a\0b";'],
  ["quotes", () => 'say "hi";', 's:9:"say "hi";";'],
  ["newline", () => "line1\nline2", 's:11:"line1\nline2";'],
  ["[]", () => [], "a:0:{}"],
  ["[1,'two',3.0]", () => [1, "two", new PhpFloat(3)], 'a:3:{i:0;i:1;i:1;s:3:"two";i:2;d:3;}'],
  [
    "numeric string keys",
    () => new Map<unknown, unknown>([["a", 1], ["5", "five"], ["05", "ofive"], ["-3", "neg"], ["-0", "negzero"]]),
    'a:5:{s:1:"a";i:1;i:5;s:4:"five";s:2:"05";s:5:"ofive";i:-3;s:3:"neg";s:2:"-0";s:7:"negzero";}',
  ],
  [
    "keys beyond int64 and odd strings",
    () => new Map([["9223372036854775808", "over"], ["", "e"], [" 1", "s"]]),
    'a:3:{s:19:"9223372036854775808";s:4:"over";s:0:"";s:1:"e";s:2:" 1";s:1:"s";}',
  ],
  ["negative int keys", () => new Map<unknown, unknown>([[-5, "a"], [-9223372036854775808n, "b"]]), 'a:2:{i:-5;s:1:"a";i:-9223372036854775808;s:1:"b";}'],
  ["nested", () => ({ x: { y: { z: null } } }), 'a:1:{s:1:"x";a:1:{s:1:"y";a:1:{s:1:"z";N;}}}'],
  [
    "stdClass with numeric property names",
    () => new PhpObject("stdClass").set("x", 1).set("0", "zero").set("12", "twelve"),
    'O:8:"stdClass":3:{s:1:"x";i:1;s:1:"0";s:4:"zero";s:2:"12";s:6:"twelve";}',
  ],
  [
    "Foo: public, protected, private, typed",
    () => new PhpObject("Foo").set("a", 1).set("b", 2, "protected").set("c", 3, "private").set("typed", null),
    'O:3:"Foo":4:{s:1:"a";i:1;s:4:"\0*\0b";i:2;s:6:"\0Foo\0c";i:3;s:5:"typed";N;}',
  ],
  [
    "Bar redeclaring a private property",
    () =>
      new PhpObject("Bar").set("a", 1).set("b", 2, "protected").set("c", 3, "private", "Foo").set("typed", null).set("c", "bar", "private").set("d", null),
    'O:3:"Bar":6:{s:1:"a";i:1;s:4:"\0*\0b";i:2;s:6:"\0Foo\0c";i:3;s:5:"typed";N;s:6:"\0Bar\0c";s:3:"bar";s:1:"d";N;}',
  ],
  ["backed enum", () => new PhpEnum("Suit", "Hearts"), 'E:11:"Suit:Hearts";'],
  ["pure enum", () => new PhpEnum("Pure", "Two"), 'E:8:"Pure:Two";'],
  ["enum twice", () => [new PhpEnum("Suit", "Spades"), new PhpEnum("Suit", "Spades")], 'a:2:{i:0;E:11:"Suit:Spades";i:1;r:2;}'],
  ["__sleep", () => new PhpObject("WithSleep").set("x", 1).set("z", 3, "private"), 'O:9:"WithSleep":2:{s:1:"x";i:1;s:12:"\0WithSleep\0z";i:3;}'],
  ["Serializable", () => new PhpCustom("OldSer", utf8("abc")), 'C:6:"OldSer":3:{abc}'],
  [
    "object twice",
    () => {
      const o = new PhpObject("stdClass", { n: 1 });
      return [o, o];
    },
    'a:2:{i:0;O:8:"stdClass":1:{s:1:"n";i:1;}i:1;r:2;}',
  ],
  [
    "reference twice",
    () => {
      const r = new PhpRef(5);
      return [r, r];
    },
    "a:2:{i:0;i:5;i:1;R:2;}",
  ],
  ["array referencing itself", objectWithSelfRef, "a:1:{i:0;a:1:{i:0;R:2;}}"],
  [
    "reference to an object, then the object",
    () => {
      const o = new PhpObject("stdClass");
      const r = new PhpRef(o);
      return [r, r, o];
    },
    'a:3:{i:0;O:8:"stdClass":0:{}i:1;R:2;i:2;r:2;}',
  ],
  [
    "reference to an array",
    () => {
      const r = new PhpRef([1]);
      return [r, r];
    },
    "a:2:{i:0;a:1:{i:0;i:1;}i:1;R:2;}",
  ],
  [
    "ArrayObject (__serialize with int keys)",
    () =>
      new PhpObject("ArrayObject", [
        { name: 0, value: 0, visibility: "public", declaringClass: undefined },
        { name: 1, value: [1, 2], visibility: "public", declaringClass: undefined },
        { name: 2, value: [], visibility: "public", declaringClass: undefined },
        { name: 3, value: null, visibility: "public", declaringClass: undefined },
      ]),
    'O:11:"ArrayObject":4:{i:0;i:0;i:1;a:2:{i:0;i:1;i:1;i:2;}i:2;a:0:{}i:3;N;}',
  ],
  [
    "DateTimeImmutable",
    () => new PhpObject("DateTimeImmutable").set("date", "2020-01-02 03:04:05.678000").set("timezone_type", 3).set("timezone", "UTC"),
    'O:17:"DateTimeImmutable":3:{s:4:"date";s:26:"2020-01-02 03:04:05.678000";s:13:"timezone_type";i:3;s:8:"timezone";s:3:"UTC";}',
  ],
  [
    "spec §6.4 slots",
    () => {
      const o = new PhpObject("stdClass", { p: "x" });
      const x = new PhpRef(5);
      return [o, 1, o, x, x, o, [o, x]];
    },
    'a:7:{i:0;O:8:"stdClass":1:{s:1:"p";s:1:"x";}i:1;i:1;i:2;r:2;i:3;i:5;i:4;R:6;i:5;r:2;i:6;a:2:{i:0;r:2;i:1;R:6;}}',
  ],
];

describe("spec §6.6 vectors", () => {
  for (const [name, make, expected] of VECTORS) {
    test(`serialize: ${name}`, () => {
      expect(text(make())).toBe(show(utf8(expected)));
    });
    test(`exact round trip: ${name}`, () => {
      const bytes = utf8(expected);
      expect(show(serialize(unserialize(bytes, { exact: true })))).toBe(show(bytes));
    });
  }
});

describe("default mode values", () => {
  test("scalars", () => {
    expect(unserialize("N;")).toBeNull();
    expect(unserialize("b:1;")).toBe(true);
    expect(unserialize("i:-17;")).toBe(-17);
    expect(unserialize("i:9007199254740991;")).toBe(9007199254740991);
    expect(unserialize("i:9007199254740992;")).toBe(9007199254740992n);
    expect(unserialize("i:-9223372036854775808;")).toBe(-9223372036854775808n);
    expect(unserialize("d:1;")).toBe(1);
    expect(Object.is(unserialize("d:-0;"), -0)).toBe(true);
    expect(unserialize("d:NAN;")).toBeNaN();
    expect(unserialize("d:-INF;")).toBe(-Infinity);
    expect(unserialize("d:1.0E+25;")).toBe(1e25);
  });

  test("strings: UTF-8 text, otherwise the exact bytes", () => {
    expect(unserialize(utf8('s:10:"héllo €";'))).toBe("héllo €");
    expect(unserialize(utf8('s:3:"a\0b";'))).toBe("a\0b");
    expect(unserialize(latin1('s:2:"\xff\xfe";'))).toEqual(Uint8Array.from([0xff, 0xfe]));
    expect(unserialize(latin1('s:3:"\xed\xa0\x80";'))).toEqual(Uint8Array.from([0xed, 0xa0, 0x80])); // CESU surrogate
    expect(unserialize(latin1('s:1:"\xc3";'))).toEqual(Uint8Array.from([0xc3])); // truncated sequence
    expect(unserialize(utf8('s:6:"\uFEFFbom";'))).toBe("\uFEFFbom"); // BOM kept
    expect(unserialize(utf8('s:4:"😀";'))).toBe("😀");
    expect(serialize(Uint8Array.from([0xff, 0]))).toEqual(latin1('s:2:"\xff\0";'));
  });

  test("lists become arrays, other arrays plain objects", () => {
    expect(unserialize('a:3:{i:0;i:1;i:1;s:3:"two";i:2;d:3;}')).toEqual([1, "two", 3]);
    expect(unserialize('a:2:{s:2:"id";i:7;s:4:"tags";a:1:{i:0;s:1:"x";}}')).toEqual({ id: 7, tags: ["x"] });
    expect(unserialize('a:2:{i:1;s:1:"b";i:0;s:1:"a";}')).toEqual({ 0: "a", 1: "b" });
    expect(unserialize("a:0:{}")).toEqual([]);
    expect(unserialize('a:3:{i:0;s:1:"a";i:0;s:1:"b";i:1;s:1:"c";}')).toEqual(["b", "c"]);
    expect(unserialize("a:2:{i:00;i:1;i:+1;i:2;}")).toEqual([1, 2]);
    expect(unserialize('a:2:{i:0;i:1;s:1:"1";i:2;}')).toEqual([1, 2]);
    expect(unserialize("a:2:{i:0;i:1;i:2;i:2;}")).toEqual({ 0: 1, 2: 2 });
    const eleven = Array.from({ length: 11 }, (_, i) => i);
    expect(unserialize(`a:11:{${eleven.map((i) => `i:${i};i:${i};`).join("")}}`)).toEqual(eleven);
    const many = Array.from({ length: 1234 }, (_, i) => i);
    const listOf = (key: (i: number) => string) => unserialize(`a:1234:{${many.map((i) => `${key(i)}i:${i};`).join("")}}`);
    expect(listOf((i) => `i:${i};`)).toEqual(many);
    expect(listOf((i) => (i === 100 ? "i:0100;" : i === 7 ? "i:+7;" : `i:${i};`))).toEqual(many);
    const skipped = listOf((i) => (i === 100 ? "i:1000;" : `i:${i};`)) as Record<string, number | undefined>;
    expect(Object.keys(skipped)).toHaveLength(1233); // 1000 twice: the last value wins
    expect([skipped[99], skipped[100], skipped[101], skipped[1000], skipped[1233]]).toEqual([99, undefined, 101, 1000, 1233]);
  });

  test("mapArrays keeps int keys and order", () => {
    const m = unserialize('a:3:{i:1;s:1:"b";s:1:"k";i:2;i:0;s:1:"a";}', { mapArrays: true }) as Map<unknown, unknown>;
    expect([...m.entries()]).toEqual([[1, "b"], ["k", 2], [0, "a"]]);
  });

  test("a key that is not UTF-8 makes that array a Map in insertion order", () => {
    const m = unserialize(latin1('a:3:{i:1;i:1;s:1:"a";i:2;s:1:"\xff";i:3;}')) as Map<unknown, unknown>;
    expect(m).toBeInstanceOf(Map);
    expect([...m.keys()]).toEqual([1, "a", Uint8Array.from([0xff])]);
  });

  test("__proto__ keys stay data", () => {
    const v = unserialize('a:2:{s:9:"__proto__";a:1:{s:8:"polluted";b:1;}s:1:"x";i:1;}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__", "x"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(show(serialize(v))).toBe('a:2:{s:9:"__proto__";a:1:{s:8:"polluted";b:1;}s:1:"x";i:1;}');
  });

  test("arrays after one of the same keys decode as they do alone (remembered key shapes)", () => {
    const sKey = (k: string) => `s:${Buffer.byteLength(k, "latin1")}:"${k}";`;
    const array = (pairs: [string, string][]) => `a:${pairs.length}:{${pairs.map(([k, v]) => k + v).join("")}}`;
    const base: [string, string][] = [
      [sKey("id"), "i:1;"],
      [sKey("name"), 's:2:"ab";'],
      [sKey("tags"), 'a:2:{i:0;s:1:"a";i:1;s:1:"b";}'],
      [sKey("ok"), "b:1;"],
    ];
    const variants: [string, string][][] = [
      base,
      base.map(([k]) => [k, "d:2.5;"]),
      [...base.slice(0, 2), [sKey("name"), "i:9;"], base[3]!], // duplicate key: last value, first position
      [...base.slice(0, 2), [sKey("__proto__"), 'a:1:{s:8:"polluted";b:1;}'], base[3]!],
      [...base.slice(0, 2), ["i:5;", "i:5;"], base[3]!], // int key after string keys
      [...base.slice(0, 2), ["i:-1;", "i:5;"], ['s:1:"7";', "N;"]],
      [...base.slice(0, 3), [sKey("\xff"), "i:1;"]], // a key that is not UTF-8: a Map
      [...base.slice(0, 3), ['S:2:"\\6f\\6b";', "i:2;"]], // "ok" written with escapes
      [[sKey("id"), "i:1;"], [sKey("x"), "i:2;"], [sKey("name"), "i:3;"], [sKey("ok"), "i:4;"]],
      [...base, [sKey("extra"), "i:5;"]],
      base.slice(0, 3),
      [["i:0;", "i:1;"], ["i:1;", "i:2;"], ["i:2;", "i:3;"], ["i:3;", "i:4;"]],
      [[sKey("ok"), "b:0;"], [sKey("tags"), "a:0:{}"], [sKey("name"), "N;"], [sKey("id"), "i:0;"]],
    ];
    const rows = [0, 0, 1, 2, 0, 3, 0, 4, 5, 0, 6, 0, 7, 0, 8, 8, 0, 9, 9, 10, 10, 0, 11, 0, 12, 0, 0].map((i) => array(variants[i]!));
    const nested = rows.map((row, i) => `a:2:{s:1:"r";${row}s:1:"i";i:${i};}`);
    for (const list of [rows, nested]) {
      const whole = latin1(`a:${list.length}:{${list.map((row, i) => `i:${i};${row}`).join("")}}`);
      for (const options of [{}, { mapArrays: true }]) {
        const got = unserialize(whole, options) as unknown[];
        expect(got).toHaveLength(list.length);
        list.forEach((row, i) => {
          const alone = unserialize(latin1(row), options);
          expect(got[i]).toEqual(alone);
          const keys = (v: unknown) => (v instanceof Map ? [...v.keys()] : Object.keys(v as object));
          expect(keys(got[i])).toEqual(keys(alone));
          expect(got[i] instanceof Map).toBe(alone instanceof Map);
          if (!(alone instanceof Map) && !Array.isArray(alone)) expect(Object.getPrototypeOf(got[i])).toBe(Object.prototype);
        });
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("short ASCII strings come back exact through the intern cache (also on the second decode)", () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const strings = Array.from({ length: 6000 }, (_, i) => {
      const length = 1 + (i % 9);
      const alphabet = i % 3 === 0 ? "\0\x7fab" : "abcdefghijklmnopqrstuvwxyz0123456789";
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
    });
    const bytes = latin1(`a:${strings.length}:{${strings.map((t, i) => `i:${i};s:${t.length}:"${t}";`).join("")}}`);
    expect(unserialize(bytes)).toEqual(strings);
    expect(unserialize(bytes)).toEqual(strings);
  });

  test("references become shared identity", () => {
    const self = unserialize("a:1:{i:0;R:1;}") as unknown[];
    expect(self[0]).toBe(self);
    const objs = unserialize('a:2:{i:0;O:8:"stdClass":0:{}i:1;r:2;}') as unknown[];
    expect(objs[0]).toBe(objs[1]);
    const obj = unserialize('O:8:"stdClass":1:{s:2:"me";R:1;}') as PhpObject;
    expect(obj.get("me")).toBe(obj);
  });

  test("objects: visibility and declaring class from mangled names", () => {
    const o = unserialize(utf8('O:3:"Bar":3:{s:4:"\0*\0b";i:2;s:6:"\0Foo\0c";i:3;s:6:"\0Bar\0c";s:3:"bar";}')) as PhpObject;
    expect(o.className).toBe("Bar");
    expect(o.properties.map((p) => [p.name, p.visibility, p.declaringClass])).toEqual([
      ["b", "protected", undefined],
      ["c", "private", "Foo"],
      ["c", "private", "Bar"],
    ]);
    expect(o.get("c", "Bar")).toBe("bar");
    expect(o.toObject()).toEqual({ b: 2, c: 3 });
  });
});

describe("spec unserialize vectors", () => {
  test("lenient numbers", () => {
    expect(unserialize("i:+5;")).toBe(5);
    expect(unserialize("i:007;")).toBe(7);
    expect(Object.is(unserialize("i:-0;"), 0)).toBe(true);
    expect(unserialize("d:.5;")).toBe(0.5);
    expect(unserialize("d:5.;")).toBe(5);
    expect(unserialize("d:1e3;")).toBe(1000);
    expect(unserialize("d:+2.5;")).toBe(2.5);
    expect(unserialize("d:00012.5000;")).toBe(12.5);
    expect(unserialize("d:-.5e+2;")).toBe(-50);
    expect(unserialize("d:1e999;")).toBe(Infinity);
    expect(unserialize("d:1e-999;")).toBe(0);
  });

  test("S: escapes", () => {
    expect(unserialize('S:3:"\\41\\42\\43";')).toBe("ABC");
    expect(unserialize('S:1:"\\ff";')).toEqual(Uint8Array.from([0xff]));
  });

  test("duplicate keys: last wins, first position", () => {
    expect(unserialize("a:2:{i:0;i:1;i:0;i:2;}")).toEqual([2]);
    expect(unserialize('a:3:{s:1:"a";i:1;s:1:"b";i:2;s:1:"a";i:3;}')).toEqual({ a: 3, b: 2 });
  });

  test("int property names of objects stay ints in our tree", () => {
    const o = unserialize('O:8:"stdclass":1:{i:5;i:1;}') as PhpObject;
    expect(o.className).toBe("stdclass");
    expect(o.properties[0]!.name).toBe(5);
    expect(o.get(5)).toBe(1);
  });

  test("r: to a non-object fails", () => {
    expect(() => unserialize("a:2:{i:0;i:1;i:1;r:2;}")).toThrow(UnserializeError);
  });

  test("allowedClasses gives incomplete objects that re-serialize as they came", () => {
    const input = 'O:7:"Unknown":1:{s:1:"a";i:1;}';
    const o = unserialize(input, { allowedClasses: ["stdClass"] });
    expect(o).toBeInstanceOf(PhpIncompleteObject);
    expect((o as PhpIncompleteObject).className).toBe("__PHP_Incomplete_Class");
    expect((o as PhpIncompleteObject).originalClassName).toBe("Unknown");
    expect(text(o)).toBe(input);
    expect(unserialize(input, { allowedClasses: ["UNKNOWN"] })).not.toBeInstanceOf(PhpIncompleteObject);
    expect(text(unserialize('C:6:"OldSer":3:{abc}', { allowedClasses: false }))).toBe('C:6:"OldSer":3:{abc}');
  });

  test("trailing bytes: accepted like PHP 8.2, or rejected on request", () => {
    expect(unserialize("i:5;garbage")).toBe(5);
    expect(() => unserialize("i:5;garbage", { allowTrailingBytes: false })).toThrow(UnserializeError);
  });

  test("whitespace before a value fails at offset 0", () => {
    expect(() => unserialize(" i:5;")).toThrow(expect.objectContaining({ offset: 0, length: 5 }));
  });
});

describe("failures carry PHP's offsets", () => {
  const cases: [string, number, number, string[]][] = [
    ['s:5:"hell";', 10, 11, []],
    ["b:2;", 0, 4, []],
    ["a:2:{i:0;i:1;}", 13, 14, ["Notice: Unexpected end of serialized data"]],
    ["a:100:{i:0;i:1;}", 7, 16, []],
    ["R:1;", 4, 4, []],
    ["a:1:{d:1;i:1;}", 9, 14, []],
    ['O:8:"stdClass":', 13, 15, ["Warning: Bad unserialize data"]],
    ['E:4:"Suit";', 0, 11, ["Warning: Invalid enum name 'Suit' (missing colon)"]],
    ["i:99999999999999999999;", -1, 0, ["Warning: Numerical result out of range"]],
  ];
  for (const [input, offset, length, warnings] of cases) {
    test(JSON.stringify(input), () => {
      const seen: UnserializeWarning[] = [];
      let error: unknown;
      try {
        unserialize(input, { onWarning: (w) => seen.push(w) });
      } catch (e) {
        error = e;
      }
      expect(seen.map((w) => `${w.level}: ${w.message}`)).toEqual(warnings);
      if (offset < 0) {
        expect(error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(UnserializeError);
        expect((error as UnserializeError).offset).toBe(offset);
        expect((error as UnserializeError).length).toBe(length);
        expect((error as UnserializeError).message).toContain(`Error at offset ${offset} of ${length} bytes`);
      }
    });
  }

  test("out-of-range ints clamp like PHP", () => {
    expect(unserialize("i:9223372036854775808;")).toBe(9223372036854775807n);
    expect(unserialize("i:-9223372036854775809;")).toBe(-9223372036854775808n);
  });

  test("maxDepth counts non-empty arrays and objects (5 nested pass at 5, fail at 3)", () => {
    const five = "a:1:{i:0;".repeat(5) + "i:1;" + "}".repeat(5);
    expect(() => unserialize(five, { maxDepth: 5 })).not.toThrow();
    const warnings: string[] = [];
    expect(() => unserialize(five, { maxDepth: 3, onWarning: (w) => warnings.push(w.message) })).toThrow(UnserializeError);
    expect(warnings[0]).toStartWith("Maximum depth of 3 exceeded. The depth limit can be changed using the max_depth unserialize() option");
    // maxDepth 0 lifts PHP's default limit of 4096 (the JS stack, not maxDepth, bounds what is left: ~10,000 levels)
    expect(() => unserialize("a:1:{i:0;".repeat(5000) + "N;" + "}".repeat(5000), { maxDepth: 0 })).not.toThrow();
    expect(() => unserialize("a:1:{i:0;".repeat(5000) + "N;" + "}".repeat(5000))).toThrow(UnserializeError);
  });

  test("empty input", () => {
    expect(() => unserialize("")).toThrow(expect.objectContaining({ offset: 0, length: 0 }));
  });
});

describe("serialize mapping edges", () => {
  test("numbers", () => {
    expect(text(9007199254740991)).toBe("i:9007199254740991;");
    expect(text(9007199254740992)).toBe("d:9007199254740992;");
    expect(text(-0)).toBe("d:-0;");
    expect(() => serialize(2n ** 63n)).toThrow(RangeError);
    expect(() => serialize(-(2n ** 63n) - 1n)).toThrow(RangeError);
  });

  test("strings: UTF-8 bytes, lone surrogates as U+FFFD", () => {
    expect(serialize("é")).toEqual(utf8('s:2:"é";'));
    expect(serialize("\ud800")).toEqual(utf8('s:3:"\ufffd";'));
    const long = "ü".repeat(100) + "x";
    expect(serialize(long)).toEqual(utf8(`s:201:"${long}";`));
  });

  test("plain object keys follow PHP's key rules", () => {
    expect(text({ 5: "a", "05": "b", "-3": "c", "-0": "d", "9223372036854775807": "e", "9223372036854775808": "f" })).toBe(
      'a:6:{i:5;s:1:"a";s:2:"05";s:1:"b";i:-3;s:1:"c";s:2:"-0";s:1:"d";i:9223372036854775807;s:1:"e";s:19:"9223372036854775808";s:1:"f";}',
    );
  });

  test("Map keys PHP would merge are merged: last value, first position", () => {
    expect(text(new Map<unknown, unknown>([[5, "a"], ["x", 1], ["5", "b"], [true, "t"], [1.7, "f"], [null, "n"]]))).toBe(
      'a:4:{i:5;s:1:"b";s:1:"x";i:1;i:1;s:1:"f";s:0:"";s:1:"n";}',
    );
  });

  test("undefined and holes are N;", () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(text([undefined, , 1])).toBe("a:3:{i:0;N;i:1;N;i:2;i:1;}");
  });

  test("shared arrays are values; cycles are references", () => {
    const shared = [1];
    expect(text([shared, shared])).toBe("a:2:{i:0;a:1:{i:0;i:1;}i:1;a:1:{i:0;i:1;}}");
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(text(cycle)).toBe("a:1:{i:0;R:1;}");
  });

  test("unsupported values throw TypeError", () => {
    expect(() => serialize(() => 1)).toThrow(TypeError);
    expect(() => serialize(Symbol("x"))).toThrow(TypeError);
    expect(() => serialize(new Date())).toThrow(TypeError);
    expect(() => serialize(new Set())).toThrow(TypeError);
  });

  test("class and enum names that are not UTF-8 survive a round trip", () => {
    const bytes = latin1('a:2:{i:0;O:3:"\xe9t\xe9":0:{}i:1;E:5:"\xc9:One";}');
    const value = unserialize(bytes, { exact: true }) as [PhpObject, PhpEnum];
    expect(value[0].className).toBe("\udce9t\udce9");
    expect(serialize(value)).toEqual(bytes);
  });
});
