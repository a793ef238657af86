/**
 * Port of `b2-queue-receive.php`: drains the queue of `b1-queue-send.ts` type by type, without waiting
 * (`MSG_IPC_NOWAIT`). It reads raw (`$unserialize = false`), so it shows the `serialize()` bytes b1 sent,
 * e.g. `s:15:"message, type 1";`.
 *
 * Keys: `ftok(SYSV_KEY_FILE || b1-queue-send.ts, "A")`: the same queue as b1 (see b1 for meeting PHP).
 *
 * Usage: bun examples/b2-queue-receive.ts
 * @module
 */
import { join } from "node:path";
import { ftok, msg_get_queue, msg_receive, MSG_IPC_NOWAIT, ref } from "../compat/index.ts";

const key = ftok(process.env.SYSV_KEY_FILE || join(import.meta.dir, "b1-queue-send.ts"), "A");
const queue = msg_get_queue(key);
if (queue === false) process.exit(1);

// Loop through all types of messages; read messages are removed from the queue.
// Without MSG_IPC_NOWAIT the loop would wait forever.
const msgtype = ref<number | bigint>(), message = ref<unknown>();
for (let i = 1; i <= 3; i++) {
  console.log(`type: ${i}`);
  while (msg_receive(queue, i, msgtype, 4096, message, false, MSG_IPC_NOWAIT)) {
    console.log(`type: ${i}, msgtype: ${msgtype.value}, message: ${message.value}`);
  }
}
