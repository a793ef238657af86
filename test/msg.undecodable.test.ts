/**
 * Payloads that do not unserialize (issue 8, defect 3): the error carries the message's type and bytes,
 * `onUndecodable` lets a consumer skip garbage and go on, compat `msg_receive` keeps PHP's "Message
 * corrupted" for exactly that case and nothing else. The garbage is sent by the real PHP binary.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setDiagnosticHandler, type Diagnostic } from "../compat/diagnostics.ts";
import { msg_get_queue, msg_receive, SysvMessageQueue } from "../compat/msg.ts";
import { ref, type Ref } from "../compat/ref.ts";
import { BusyError, UnserializeError } from "../src/errors.ts";
import { MessageQueue, UndecodableMessageError } from "../src/msg/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php, phpSpawn } from "./helpers/php.ts";

const keys = testKeys();
const GARBAGE = "a:1:{i:0;";

/** PHP sends `[type, payload, serialize]` triples, in order, to the queue of `key`. */
function phpSends(key: number, messages: Array<[number, string, boolean]>): void {
  const r = php(
    `$q = msg_get_queue((int)$argv[1]); foreach (json_decode($argv[2]) as [$t, $m, $s]) msg_send($q, $t, $m, $s);`,
    [key, JSON.stringify(messages)],
  );
  expect(r.stderr).toBe("");
  expect(r.exitCode).toBe(0);
}

function fresh(): { queue: MessageQueue; key: number } {
  const key = keys.next();
  return { queue: MessageQueue.createNew(key, { mode: 0o666 }), key };
}

function caught(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("MessageQueue: a payload that does not unserialize", () => {
  test("the error is an UnserializeError carrying the message's type and bytes, and names the call and queue", () => {
    const { queue, key } = fresh();
    phpSends(key, [[5, GARBAGE, false]]);
    const error = caught(() => queue.receiveSync({ timeout: 0 }));
    expect(error).toBeInstanceOf(UndecodableMessageError);
    expect(error).toBeInstanceOf(UnserializeError);
    const e = error as UndecodableMessageError;
    expect(e.messageType).toBe(5);
    expect(new TextDecoder().decode(e.raw)).toBe(GARBAGE);
    expect(e.code).toBe("EBADMSG");
    expect(e.key).toBe(key);
    expect(e.id).toBe(queue.id);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.length).toBe(GARBAGE.length);
    expect(e.message).toContain("MessageQueue.receiveSync(");
    expect(e.message).toContain("message of type 5 (9 bytes)");
    queue.remove();
  });

  test("a bigint type past 2^53 is carried as a bigint", () => {
    const { queue, key } = fresh();
    php(`msg_send(msg_get_queue((int)$argv[1]), PHP_INT_MAX, "x:", false);`, [key]);
    const e = caught(() => queue.receiveSync({ timeout: 0 })) as UndecodableMessageError;
    expect(e.messageType).toBe(2n ** 63n - 1n);
    queue.remove();
  });

  test("receive (async) and for await throw it by default; tryReceiveSync too", async () => {
    const { queue, key } = fresh();
    phpSends(key, [[1, GARBAGE, false], [2, GARBAGE, false], [3, "\x00\x01", false]]);
    const first = await queue.receive({ timeout: 1000 }).catch((e) => e);
    expect(first).toBeInstanceOf(UndecodableMessageError);
    expect((first as UndecodableMessageError).messageType).toBe(1);
    expect(caught(() => queue.tryReceiveSync())).toBeInstanceOf(UndecodableMessageError);
    let loopError: unknown;
    try {
      for await (const _ of queue) throw new Error("nothing decodable was queued");
    } catch (error) {
      loopError = error;
    }
    expect(loopError).toBeInstanceOf(UndecodableMessageError);
    expect([...(loopError as UndecodableMessageError).raw]).toEqual([0, 1]);
    queue.remove();
  });

  test("receiveSync with onUndecodable reports the garbage and returns the next good message", () => {
    const { queue, key } = fresh();
    phpSends(key, [[2, GARBAGE, false], [3, "ok", true], [4, "s:1:", false]]);
    const reported: UndecodableMessageError[] = [];
    const onUndecodable = (e: UndecodableMessageError) => reported.push(e);
    expect(queue.receiveSync({ timeout: 0, onUndecodable })).toEqual({ type: 3, value: "ok" });
    expect(reported.map((e) => e.messageType)).toEqual([2]);
    // Only garbage left: reported, then the usual BusyError of an empty queue.
    expect(caught(() => queue.receiveSync({ timeout: 0, onUndecodable }))).toBeInstanceOf(BusyError);
    expect(reported.map((e) => [e.messageType, new TextDecoder().decode(e.raw)])).toEqual([[2, GARBAGE], [4, "s:1:"]]);
    expect(queue.stat().messages).toBe(0);
    queue.remove();
  });

  test("tryReceiveSync with onUndecodable skips garbage and returns null when nothing decodable is left", () => {
    const { queue, key } = fresh();
    phpSends(key, [[1, GARBAGE, false], [1, "first", true], [1, GARBAGE, false]]);
    const reported: unknown[] = [];
    const onUndecodable = (e: UndecodableMessageError) => reported.push(e.messageType);
    expect(queue.tryReceiveSync({ onUndecodable })).toEqual({ type: 1, value: "first" });
    expect(queue.tryReceiveSync({ onUndecodable })).toBeNull();
    expect(reported).toEqual([1, 1]);
    queue.remove();
  });

  test("receive with onUndecodable keeps waiting, within its timeout, after garbage that arrives while it waits", async () => {
    const { queue, key } = fresh();
    const reported: number[] = [];
    const pending = queue.receive({ timeout: 10_000, onUndecodable: (e) => reported.push(Number(e.messageType)) });
    await Bun.sleep(50);
    phpSends(key, [[7, GARBAGE, false]]);
    await Bun.sleep(50);
    phpSends(key, [[8, "good", true]]);
    expect(await pending).toEqual({ type: 8, value: "good" });
    expect(reported).toEqual([7]);
    // A timeout still holds when only garbage comes.
    phpSends(key, [[9, GARBAGE, false]]);
    const started = performance.now();
    const late = await queue.receive({ timeout: 200, onUndecodable: (e) => reported.push(Number(e.messageType)) }).catch((e) => e);
    expect(late).toBeInstanceOf(BusyError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(reported).toEqual([7, 9]);
    queue.remove();
  });

  test("for await with onUndecodable survives garbage between good messages, in order", async () => {
    const { queue, key } = fresh();
    const { done } = phpSpawn(
      `$q = msg_get_queue((int)$argv[1]);
       foreach ([1, 2, 3] as $i) { msg_send($q, 1, "a:1:{i:0;", false); msg_send($q, 2, ["n" => $i]); usleep(20000); }
       msg_send($q, 3, "stop");`,
      [key],
    );
    const got: unknown[] = [], skipped: number[] = [];
    for await (const { type, value } of queue.messages({ onUndecodable: (e) => skipped.push(Number(e.messageType)) })) {
      if (value === "stop") break;
      got.push([type, value]);
    }
    expect((await done).exitCode).toBe(0);
    expect(got).toEqual([[2, { n: 1 }], [2, { n: 2 }], [2, { n: 3 }]]);
    expect(skipped).toEqual([1, 1, 1]);
    queue.remove();
  });

  test("an error thrown by onUndecodable propagates (the message stays in the error it was given)", () => {
    const { queue, key } = fresh();
    phpSends(key, [[1, GARBAGE, false]]);
    let seen: UndecodableMessageError | undefined;
    const error = caught(() => queue.receiveSync({ timeout: 0, onUndecodable: (e) => { seen = e; throw new Error("stop here"); } }));
    expect((error as Error).message).toBe("stop here");
    expect(new TextDecoder().decode(seen!.raw)).toBe(GARBAGE);
    queue.remove();
  });
});

describe("compat msg_receive: 'Message corrupted' only for a payload that does not unserialize", () => {
  let diagnostics: Diagnostic[] = [];
  let previous: ReturnType<typeof setDiagnosticHandler> = null;
  afterEach(() => {
    setDiagnosticHandler(previous);
    diagnostics = [];
  });
  const capture = () => {
    previous = setDiagnosticHandler((d) => diagnostics.push(d));
  };

  test("garbage from PHP: warning, false, type kept, error code 0; the next message is intact", () => {
    const key = keys.next();
    const queue = msg_get_queue(key) as SysvMessageQueue;
    phpSends(key, [[4, GARBAGE, false], [5, "fine", true]]);
    capture();
    const type = ref<number | bigint>(), message = ref<unknown>(), code = ref<number>();
    expect(msg_receive(queue, 0, type, 100, message, true, 0, code)).toBe(false);
    expect([type.value, message.value, code.value]).toEqual([4, false, 0]);
    expect(diagnostics.map((d) => d.text)).toEqual(["Warning: msg_receive(): Message corrupted"]);
    expect(msg_receive(queue, 0, type, 100, message, true, 0, code)).toBe(true);
    expect([type.value, message.value]).toEqual([5, "fine"]);
    MessageQueue.open(key).remove();
  });

  test("any other exception is not reported as 'Message corrupted': it propagates unchanged", () => {
    const key = keys.next();
    const queue = msg_get_queue(key) as SysvMessageQueue;
    phpSends(key, [[1, "fine", true]]);
    capture();
    // A by-reference box whose setter fails: an error of the caller's, not a corrupted message.
    const box = { set value(_: unknown) { throw new Error("box refused the value"); }, get value() { return undefined; } } as Ref<unknown>;
    expect(() => msg_receive(queue, 0, ref<number | bigint>(), 100, box)).toThrow("box refused the value");
    expect(diagnostics).toEqual([]);
    MessageQueue.open(key).remove();
  });
});
