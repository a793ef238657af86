/**
 * JSON batches between the pool and its Bun workers (`src/pool/json.ts`, message type 4): a value goes in
 * JSON only when JSON gives back exactly what PHP serialize + unserialize give, checked against our codec on
 * generated values; the worker's hello is PHP serialize without the codec; and, with real worker processes,
 * a handler gets each task exactly as PHP serialize would have delivered it, whichever way its batch went.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MessageQueue, PhpObject, serialize, unserialize, WorkerPool, type PoolReport, type TaskOutcome } from "../src/index.ts";
import { isRun, jsonExact, readJson } from "../src/pool/json.ts";
import { helloPayload, POOL_STOP, POOL_STOP_PAYLOAD } from "../src/pool/protocol.ts";
import { cleanupKeyFile, liveObjects } from "./fixtures/examples/run.ts";
import { tempFile } from "./helpers/ipc.ts";

const keyFiles: string[] = [];
afterEach(() => {
  for (const file of keyFiles.splice(0)) cleanupKeyFile(file);
});

/** What a value becomes through PHP serialize and back. */
const viaPhp = (value: unknown) => unserialize(serialize(value));
/** What a value becomes through JSON and back. */
const viaJson = (value: unknown) => JSON.parse(JSON.stringify(value));

/** A small seeded generator (mulberry32): the same values every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEAVES: unknown[] = [
  0, 1, -1, 42, 1.5, -0.25, 1e21, 2 ** 53, -0, NaN, Infinity, -Infinity, 1n, undefined, null, true, false,
  "", "a", "é", "日本", "\u{1F600}", "\ud800", "a\u0000b", "0", "-1", "01", new Uint8Array([1, 2]), new Map([["a", 1]]),
  new PhpObject("Foo", { a: 1 }), // one instance met again in a value: a back-reference (r:)
];
const KEYS = ["a", "value", "0", "1", "-3", "01", "1.5", "", "__proto__x", "é", "10"];

function generate(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth <= 0 || pick < 0.5) return LEAVES[Math.floor(next() * LEAVES.length)];
  const size = Math.floor(next() * 4);
  if (pick < 0.75) return Array.from({ length: size }, () => generate(next, depth - 1));
  const record: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) record[KEYS[Math.floor(next() * KEYS.length)]!] = generate(next, depth - 1);
  return record;
}

describe("jsonExact", () => {
  test("every generated value it accepts comes out of JSON exactly as out of PHP serialize", () => {
    const next = random(20261126);
    let accepted = 0, rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = generate(next, 4);
      if (!jsonExact(value)) {
        rejected++;
        continue;
      }
      accepted++;
      expect(Bun.deepEquals(viaJson(value), viaPhp(value), true)).toBe(true);
    }
    // Both kinds are met plenty: the check above is not vacuous.
    expect(accepted).toBeGreaterThan(2000);
    expect(rejected).toBeGreaterThan(2000);
  });

  test("refuses what JSON and PHP disagree on", () => {
    const differ: unknown[] = [
      {}, { 0: "a" }, { 5: "x", a: 1 }, -0, NaN, Infinity, undefined, 1n, "\ud800", [undefined], [1, , 3],
      new Map([["a", 1]]), new Uint8Array([1]), new PhpObject("Foo"), { a: { b: {} } }, Object.create(null),
    ];
    for (const value of differ) expect(jsonExact(value)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(jsonExact(deep)).toBe(false); // past the depth bound: PHP serialize carries it
    const cycle: unknown[] = [1];
    cycle.push(cycle);
    expect(jsonExact(cycle)).toBe(false);
  });

  test("accepts the usual task and result shapes", () => {
    for (const value of [[], [1, "two", null], { id: 7, name: "ann", tags: ["a"], score: 1.5 }, "text", 12, true, null]) {
      expect(jsonExact(value)).toBe(true);
      expect(Bun.deepEquals(viaJson(value), viaPhp(value), true)).toBe(true);
    }
  });
});

describe("JSON batch payloads", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  test("a run of ids travels as first: readJson fills ids in", () => {
    expect(readJson(bytes('{"first":5,"tasks":["a","b"]}'), 0, 29)).toEqual({ first: 5, tasks: ["a", "b"], ids: [5, 6] });
    expect(readJson(bytes('{"worker":1,"first":0,"results":[2]}'), 0, 36)).toEqual({ worker: 1, first: 0, results: [2], ids: [0] });
    expect(isRun([3, 4, 5])).toBe(true);
    expect(isRun([3, 5])).toBe(false);
    expect(isRun([])).toBe(false);
  });

  test("garbage is undefined, never a throw", () => {
    for (const text of ["{", '{"first":-1,"tasks":[]}', '{"first":1.5,"tasks":[]}', '{"first":1}', "\xff"]) {
      const b = text === "\xff" ? new Uint8Array([0xff, 0xfe]) : bytes(text);
      expect(readJson(b, 0, b.length)).toBeUndefined();
    }
  });

  test("the hello and the STOP written without the codec are PHP serialize's bytes", () => {
    const decoder = new TextDecoder();
    expect(decoder.decode(POOL_STOP_PAYLOAD)).toBe(decoder.decode(serialize(POOL_STOP)));
    for (const [worker, json] of [[0, true], [7, false], [123456, true]] as const) {
      const expected = json ? { worker, batches: true, json: true } : { worker, batches: true };
      expect(decoder.decode(helloPayload(worker, json))).toBe(decoder.decode(serialize(expected)));
    }
  });
});

describe("WorkerPool with JSON batches", () => {
  const WORKER = [process.execPath, join(import.meta.dir, "fixtures/examples/pool-worker.ts")];

  test("a handler gets each task as PHP serialize delivers it, whether its batch went in JSON or not", async () => {
    const file = tempFile("pool-json");
    keyFiles.push(file);
    const next = random(7);
    // Mostly plain records (JSON batches), with values JSON cannot carry mixed in (PHP serialize batches).
    const payloads = Array.from({ length: 3000 }, (_, i) => (i % 97 === 5 ? generate(next, 3) : { n: i, s: `task ${i}`, f: i / 4 }));
    const pool = WorkerPool.start<{ op: "echo"; payload: unknown }, unknown>({ workers: [{ command: WORKER, count: 2 }], keyFile: file });
    const outcomes: TaskOutcome<unknown>[] = [];
    let report: PoolReport;
    try {
      for (const payload of payloads) pool.submit({ op: "echo", payload });
      pool.finish();
      for await (const outcome of pool.results()) outcomes.push(outcome);
    } finally {
      report = await pool.close({ timeoutMs: 15_000 });
    }
    expect(liveObjects(file)).toEqual([]);
    expect(report).toMatchObject({ done: payloads.length, failed: 0, lost: [], duplicates: 0, garbage: 0 });
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("done");
      // There and back: the task's trip and the result's, each as PHP serialize would make it.
      const expected = viaPhp(viaPhp(payloads[outcome.id]));
      expect(Bun.deepEquals((outcome as { result: unknown }).result, expected, true)).toBe(true);
    }
    expect(report.batches.json).toBeGreaterThan(0);
    expect(report.batches.json).toBeLessThan(report.batches.messages); // the others went in PHP serialize
  });

  test("a task with back-references (one PHP object twice) arrives whole, alone or among a batch's tasks", async () => {
    const file = tempFile("pool-refs");
    keyFiles.push(file);
    const shared = new PhpObject("Point", { x: 1, y: 2 });
    const twice = { first: shared, second: shared, list: [shared] }; // serialize writes r: for the 2nd and 3rd
    const pool = WorkerPool.start<{ op: "echo"; payload: unknown }, unknown>({ workers: [{ command: WORKER, count: 1 }], keyFile: file });
    const outcomes: TaskOutcome<unknown>[] = [];
    let report: PoolReport;
    try {
      const results = pool.results()[Symbol.asyncIterator]();
      pool.submit({ op: "echo", payload: twice }); // a lone task
      outcomes.push((await results.next()).value!);
      for (let i = 0; i < 500; i++) pool.submit({ op: "echo", payload: i % 50 === 7 ? twice : { i } }); // among batches
      pool.finish();
      for (let r = await results.next(); !r.done; r = await results.next()) outcomes.push(r.value);
    } finally {
      report = await pool.close({ timeoutMs: 15_000 });
    }
    expect(report).toMatchObject({ done: 501, failed: 0, lost: [], garbage: 0 });
    const expected = viaPhp(viaPhp(twice));
    expect((expected as { first: unknown }).first).toBeInstanceOf(PhpObject);
    for (const outcome of outcomes.filter((o) => o.id === 0 || (o.id - 1) % 50 === 7)) {
      expect(Bun.deepEquals((outcome as { result: unknown }).result, expected, true)).toBe(true);
    }
    expect(outcomes.filter((o) => o.id === 0 || (o.id - 1) % 50 === 7)).toHaveLength(11);
  });
});

describe("JSON result runs", () => {
  const WORKER = [process.execPath, join(import.meta.dir, "fixtures/examples/pool-worker.ts")];
  type Task = { op: "double"; value: number } | { op: "throw" };

  test("handler errors inside JSON batches fail those tasks only; the rest are done once", async () => {
    const file = tempFile("pool-json-errors");
    keyFiles.push(file);
    const tasks = 4000;
    const pool = WorkerPool.start<Task, number>({ workers: [{ command: WORKER, count: 2 }], keyFile: file });
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    try {
      for (let i = 0; i < tasks; i++) pool.submit(i % 13 === 4 ? { op: "throw" } : { op: "double", value: i });
      pool.finish();
      for await (const batch of pool.resultBatches()) outcomes.push(...batch);
    } finally {
      report = await pool.close({ timeoutMs: 15_000 });
    }
    const failing = Array.from({ length: tasks }, (_, i) => i).filter((i) => i % 13 === 4);
    expect(report).toMatchObject({ done: tasks - failing.length, failed: failing.length, lost: [], duplicates: 0, garbage: 0 });
    expect(report.batches.json).toBeGreaterThan(0);
    expect(outcomes.map((o) => o.id).sort((a, b) => a - b)).toEqual(Array.from({ length: tasks }, (_, i) => i));
    for (const outcome of outcomes) {
      if (outcome.id % 13 === 4) expect(outcome).toMatchObject({ status: "failed", error: "RangeError: asked to fail" });
      else expect(outcome).toMatchObject({ status: "done", result: outcome.id * 2 });
    }
    expect(report.workers.reduce((sum, w) => sum + w.answered, 0)).toBe(tasks);
  });

  test("a forged JSON result run: ids already settled are duplicates, ids never handed out garbage, no second outcome", async () => {
    const file = tempFile("pool-json-forged");
    keyFiles.push(file);
    const pool = WorkerPool.start<Task, number>({ workers: [{ command: WORKER, count: 1 }], keyFile: file });
    const outcomes: TaskOutcome<number>[] = [];
    let report: PoolReport;
    try {
      for (let i = 0; i < 10; i++) pool.submit({ op: "double", value: i });
      const it = pool.results()[Symbol.asyncIterator]();
      for (let i = 0; i < 10; i++) outcomes.push((await it.next()).value as TaskOutcome<number>);
      const intruder = MessageQueue.open(pool.keys.results);
      const forge = (text: string) => intruder.sendSync(4, new TextEncoder().encode(text), { serialize: false });
      forge('{"worker":0,"first":3,"results":[0,0,0]}'); // 3, 4, 5: answered already
      forge('{"worker":0,"first":8,"results":[0,0,0,0]}'); // 8, 9 answered; 10, 11 never handed out
      forge('{"worker":0,"first":-1,"results":[0]}'); // not a run: not ours
      pool.finish(); // the pool reads its result queue to the end before it ends
      for (let r = await it.next(); !r.done; r = await it.next()) outcomes.push(r.value);
    } finally {
      report = await pool.close({ timeoutMs: 10_000 });
    }
    expect(report).toMatchObject({ done: 10, failed: 0, duplicates: 5, garbage: 3 });
    expect(outcomes.map((o) => o.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(outcomes.every((o) => o.status === "done" && o.result === o.id * 2)).toBe(true);
    expect(report.workers[0]!.answered).toBe(10);
  });

  test("ftl: true runs the same pool (the tiers are a speed choice, never a behaviour)", async () => {
    const file = tempFile("pool-json-ftl");
    keyFiles.push(file);
    const pool = WorkerPool.start<Task, number>({ workers: [{ command: WORKER, count: 1 }], keyFile: file, ftl: true });
    let sum = 0;
    try {
      for (let i = 0; i < 2000; i++) pool.submit({ op: "double", value: i });
      pool.finish();
      for await (const outcome of pool.results()) if (outcome.status === "done") sum += outcome.result;
    } finally {
      const report = await pool.close({ timeoutMs: 10_000 });
      expect(report).toMatchObject({ done: 2000, failed: 0, lost: [], duplicates: 0, garbage: 0 });
    }
    expect(sum).toBe(1999 * 2000);
  });
});
