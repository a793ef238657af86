/**
 * One in-process message-queue benchmark of bench/msg.bench.ts, run in a fresh process so that no other
 * benchmark's garbage or JIT state skews it: `bun bench/msg/local.ts <op name>` warms the op up, measures
 * it with mitata and prints `RESULT {"<op>": ns}` as its last line.
 */
import { do_not_optimize } from "mitata";
import { libc } from "../../src/ffi/libc.ts";
import { MessageQueue } from "../../src/msg/index.ts";
import { measure } from "../lib/harness.ts";

/** The in-process operations, by the names the results table uses. */
export const LOCAL_OPS = {
  floor: "libc.msgsnd+msgrcv via bun:ffi (floor)",
  raw: "send+receive 64 B raw",
  rawInto: "send+receiveIntoSync 64 B raw (no allocation)",
  serialized: "send+receive small array serialized",
} as const;

/** The small array of the serialized benchmark, and the same array in PHP. */
export const SMALL_ARRAY = [1, "two", 3.5, true, null, { k: "v" }];
export const SMALL_ARRAY_PHP = `[1, "two", 3.5, true, null, ["k" => "v"]]`;

if (import.meta.main) {
  const op = process.argv[2]!;
  const queue = MessageQueue.create(0);
  try {
    const payload = new Uint8Array(64).fill(0x78);
    const target = new Uint8Array(8192);
    const floorBuffer = new Uint8Array(new BigInt64Array(1 + 8192 / 8).buffer);
    floorBuffer[0] = 1;
    floorBuffer.fill(0x78, 8, 72);
    const ops: Record<string, () => void> = {
      [LOCAL_OPS.floor]: () => {
        libc.msgsnd(queue.id, floorBuffer, 64, 0);
        do_not_optimize(libc.msgrcv(queue.id, floorBuffer, 8192, 0, 0));
      },
      [LOCAL_OPS.raw]: () => {
        queue.sendSync(1, payload, { serialize: false });
        do_not_optimize(queue.receiveBytesSync());
      },
      [LOCAL_OPS.rawInto]: () => {
        queue.sendSync(1, payload, { serialize: false });
        do_not_optimize(queue.receiveIntoSync(target));
      },
      [LOCAL_OPS.serialized]: () => {
        queue.sendSync(1, SMALL_ARRAY);
        do_not_optimize(queue.receiveSync());
      },
    };
    const fn = ops[op];
    if (!fn) throw new Error(`unknown op ${op}`);
    // Warm up first: a slow first call (buffer growth, JIT) makes mitata time single calls, adding its timer's noise.
    for (let i = 0; i < 20_000; i++) fn();
    Bun.gc(true);
    console.log(`RESULT ${JSON.stringify(await measure({ [op]: fn }))}`);
  } finally {
    queue.remove();
  }
}
