/**
 * Port of `a5-message-queue-fork.php`: the child sends 5 tasks with `msg_send`, the parent waits for
 * it, then drains the queue with `MSG_IPC_NOWAIT` and removes it. Where the original forks, this file
 * starts itself again in the `child` role (`spawnChild`).
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "q")`. Set SYSV_KEY_FILE to meet a PHP program on the same queue.
 *
 * Usage: bun examples/a5-message-queue-fork.ts
 * @module
 */
import {
  ftok, msg_get_queue, msg_receive, msg_remove_queue, msg_send, msg_stat_queue, MSG_IPC_NOWAIT, ref,
} from "../compat/index.ts";
import { currentRole, spawnChild } from "../src/index.ts";

const KEY_FILE = process.env.SYSV_KEY_FILE || import.meta.path;

const key = ftok(KEY_FILE, "q");
const queue = msg_get_queue(key, 0o644);

if (queue === false) {
  console.log("Could not create message queue");
  process.exit(1);
}

if (currentRole() === "child") {
  // Child: send messages
  for (let i = 0; i < 5; i++) {
    const message = { task_id: i, data: `Task ${i}` };
    msg_send(queue, 1, message);
    console.log(`Sent task ${i}`);
  }
  process.exit(0);
}

const child = spawnChild(import.meta.path, { role: "child" }); // pcntl_fork(): the same file, child role
await child.exited;

// Parent: receive messages
while ((msg_stat_queue(queue) || { msg_qnum: 0 }).msg_qnum > 0) {
  const msgType = ref<number | bigint>(0);
  const message = ref<unknown>(null);

  if (msg_receive(queue, 0, msgType, 1024, message, true, MSG_IPC_NOWAIT)) {
    console.log(`Received: ${JSON.stringify(message.value)}`);
  }
}

// Cleanup
msg_remove_queue(queue);
