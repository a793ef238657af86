/**
 * Message type ranges (issue 8, defect 7): one check for numbers and bigints on every send and receive
 * path. Numbers past 2^63 used to wrap like a C cast (2^64 + 4096 was sent as 4096, a receive of type
 * 2^64 took any message, 2^63 gave EINVAL); now they are a RangeError naming the call and the range, and
 * compat gives PHP 8.2's TypeError for what PHP holds as a float.
 */
import { describe, expect, test } from "bun:test";
import { msg_get_queue, msg_receive, msg_send, SysvMessageQueue } from "../compat/msg.ts";
import { ref } from "../compat/ref.ts";
import { MessageQueue, type MessageType } from "../src/msg/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();

function fresh(): { queue: MessageQueue; key: number } {
  const key = keys.next();
  return { queue: MessageQueue.createNew(key), key };
}

function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

async function rejected(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

const BAD_SEND: MessageType[] = [2 ** 64 + 4096, 2 ** 64, 2 ** 63, 2n ** 63n, 2n ** 64n + 4096n, 0, -1, 0n, 1.5, Number.NaN, Infinity];
const BAD_RECEIVE: MessageType[] = [2 ** 64, 2 ** 63, -(2 ** 64), 2n ** 63n, -(2n ** 63n) - 1n, 1.5, Number.NaN, -Infinity];

describe("MessageQueue: message types are checked, never wrapped", () => {
  test("sendSync and send: RangeError naming the call and 1..2^63-1; nothing is sent", async () => {
    const { queue } = fresh();
    for (const type of BAD_SEND) {
      const sync = thrown(() => queue.sendSync(type, "x"));
      expect(sync).toBeInstanceOf(RangeError);
      expect(sync.message).toStartWith("MessageQueue.sendSync: a message type must be an integer from 1 to 2^63-1");
      const async = await rejected(() => queue.send(type, "x"));
      expect(async).toBeInstanceOf(RangeError);
      expect(async.message).toStartWith("MessageQueue.send: a message type must be an integer from 1 to 2^63-1");
    }
    expect(thrown(() => queue.sendSync("1" as unknown as number, "x"))).toBeInstanceOf(TypeError);
    expect(queue.stat().messages).toBe(0);
    queue.remove();
  });

  test("2^64 + 4096 as a number is no longer received as type 4096", () => {
    const { queue } = fresh();
    expect(() => queue.sendSync(2 ** 64 + 4096, "x")).toThrow(RangeError);
    expect(() => queue.receiveSync({ type: 4096, timeout: 0 })).toThrow("ENOMSG");
    queue.remove();
  });

  test("the largest types go through, and PHP sees them: 2^63-1 as bigint, 2^63-1024 as number", () => {
    const { queue, key } = fresh();
    queue.sendSync(2n ** 63n - 1n, "big");
    queue.sendSync(2 ** 63 - 1024, "double");
    const r = php(
      `$q = msg_get_queue((int)$argv[1]); $out = [];
       while (msg_receive($q, 0, $t, 100, $m, true, MSG_IPC_NOWAIT)) $out[] = "$t=$m";
       echo implode(",", $out);`,
      [key],
    );
    expect(r.stdout).toBe("9223372036854775807=big,9223372036854774784=double");
    queue.remove();
  });

  test("every receive path: RangeError naming the call and -2^63..2^63-1; the message stays queued", async () => {
    const { queue } = fresh();
    queue.sendSync(1, "stay");
    for (const type of BAD_RECEIVE) {
      const calls: Array<[string, () => unknown]> = [
        ["receiveSync", () => queue.receiveSync({ type, timeout: 0 })],
        ["receiveBytesSync", () => queue.receiveBytesSync({ type, timeout: 0 })],
        ["tryReceiveSync", () => queue.tryReceiveSync({ type })],
        ["receiveIntoSync", () => queue.receiveIntoSync(new Uint8Array(64), { type, timeout: 0 })],
      ];
      for (const [name, call] of calls) {
        const error = thrown(call);
        expect(error).toBeInstanceOf(RangeError);
        expect(error.message).toStartWith(`MessageQueue.${name}: a receive type must be an integer from -2^63 to 2^63-1`);
      }
      for (const [name, call] of [
        ["receive", () => queue.receive({ type, timeout: 0 })],
        ["receiveBytes", () => queue.receiveBytes({ type, timeout: 0 })],
      ] as const) {
        const error = await rejected(call);
        expect(error).toBeInstanceOf(RangeError);
        expect(error.message).toStartWith(`MessageQueue.${name}: a receive type must be`);
      }
      const loop = await rejected(async () => {
        for await (const _ of queue.messages({ type })) break;
      });
      expect(loop).toBeInstanceOf(RangeError);
    }
    expect(queue.receiveSync({ timeout: 0 })).toEqual({ type: 1, value: "stay" });
    queue.remove();
  });

  test("receive selectors at the ends of the kernel's long", () => {
    const { queue, key } = fresh();
    php(`$q = msg_get_queue((int)$argv[1]); msg_send($q, PHP_INT_MAX, "max"); msg_send($q, 5, "five"); msg_send($q, PHP_INT_MAX, "max2");`, [key]);
    // -2^63 (number or bigint) selects like -(2^63-1): the lowest type of all.
    expect(queue.receiveSync({ type: -(2 ** 63), timeout: 0 })).toEqual({ type: 5, value: "five" });
    expect(queue.receiveSync({ type: 2n ** 63n - 1n, timeout: 0 })).toEqual({ type: 2n ** 63n - 1n, value: "max" });
    expect(queue.receiveSync({ type: -(2n ** 63n), timeout: 0 })).toEqual({ type: 2n ** 63n - 1n, value: "max2" });
    queue.remove();
  });
});

describe("compat: PHP 8.2's TypeError for a message type PHP holds as a float", () => {
  /** What PHP 8.2 says for `$call` (a PHP statement using `$q`), thrown error text or "ok". */
  function phpSays(call: string): string {
    const key = keys.next();
    const r = php(`$q = msg_get_queue((int)$argv[1]); try { ${call}; echo "ok"; } catch (Throwable $e) { echo get_class($e), ": ", $e->getMessage(); } msg_remove_queue($q);`, [key]);
    return r.stdout;
  }

  function oursSays(call: (q: SysvMessageQueue) => unknown): string {
    const key = keys.next();
    const q = msg_get_queue(key) as SysvMessageQueue;
    try {
      call(q);
      return "ok";
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    } finally {
      MessageQueue.open(key).remove();
    }
  }

  test("msg_send with 2**64 and 2**63: TypeError '... must be of type int, float given', as PHP", () => {
    const php64 = phpSays(`msg_send($q, 2**64, "x")`);
    expect(php64).toBe("TypeError: msg_send(): Argument #2 ($message_type) must be of type int, float given");
    expect(oursSays((q) => msg_send(q, 2 ** 64, "x"))).toBe(php64);
    expect(oursSays((q) => msg_send(q, 2 ** 64 + 4096, "x"))).toBe(php64);
    expect(oursSays((q) => msg_send(q, 2n ** 64n, "x"))).toBe(php64);
    expect(oursSays((q) => msg_send(q, 2 ** 63, "x"))).toBe(phpSays(`msg_send($q, 2**63, "x")`));
  });

  test("msg_receive with 2**64: the same TypeError, as PHP", () => {
    const expected = phpSays(`msg_receive($q, 2**64, $t, 100, $m)`);
    expect(expected).toBe("TypeError: msg_receive(): Argument #2 ($desired_message_type) must be of type int, float given");
    expect(oursSays((q) => msg_receive(q, 2 ** 64, ref(), 100, ref()))).toBe(expected);
    expect(oursSays((q) => msg_receive(q, -(2 ** 64), ref(), 100, ref()))).toBe(phpSays(`msg_receive($q, -2**64, $t, 100, $m)`));
  });

  test("PHP_INT_MAX and PHP_INT_MIN still work as in PHP", () => {
    const key = keys.next();
    const q = msg_get_queue(key) as SysvMessageQueue;
    expect(msg_send(q, 2n ** 63n - 1n, "max")).toBe(true);
    const type = ref<MessageType>(), message = ref<unknown>();
    expect(msg_receive(q, -(2n ** 63n), type, 100, message, true, 0)).toBe(true); // PHP_INT_MIN: any type
    expect([type.value, message.value]).toEqual([2n ** 63n - 1n, "max"]);
    MessageQueue.open(key).remove();
  });
});
