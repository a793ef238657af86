/**
 * Ping-pong partner for bench/msg.bench.ts: answers every type-1 message on the queue with the same
 * payload as type 2, using the synchronous API; an empty payload ends it.
 * Usage: bun bench/msg/pong.ts <key>
 */
import { MessageQueue } from "../../src/msg/index.ts";

const queue = MessageQueue.open(Number(process.argv[2]));
for (;;) {
  const { bytes } = queue.receiveBytesSync({ type: 1 });
  if (bytes.length === 0) break;
  queue.sendSync(2, bytes, { serialize: false });
}
