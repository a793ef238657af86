/**
 * Port of `a5-message-queue-fork.php`: the child sends 5 tasks with `msg_send`, the parent waits for
 * it, then drains the queue with `MSG_IPC_NOWAIT` and removes it. Where the original forks, this file
 * starts itself again in the `child` role (`spawnChild`).
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "q")`. Set SYSV_KEY_FILE to meet a PHP program on the same queue.
 *
 * Ctrl-C, `kill` or a closed terminal (SIGINT/SIGTERM/SIGHUP): the child is stopped and the queue removed, then exit 128 + signal
 * (`cleanupOnTerminate`).
 *
 * Usage: bun examples/a5-message-queue-fork.ts
 * @module
 */
import {
  ftok, msg_get_queue, msg_receive, msg_remove_queue, msg_send, msg_stat_queue, MSG_ENOMSG, MSG_IPC_NOWAIT, ref,
} from "../compat/index.ts";
import { cleanupOnTerminate, currentRole, spawnChild } from "../src/index.ts";

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
const cleanup = cleanupOnTerminate(() => {
  child.kill("SIGKILL");
  msg_remove_queue(queue);
});
await child.exited;

// Parent: receive messages
while ((msg_stat_queue(queue) || { msg_qnum: 0 }).msg_qnum > 0) {
  const msgType = ref<number | bigint>(0);
  const message = ref<unknown>(null);

  const errorCode = ref<number>(0);

  if (msg_receive(queue, 0, msgType, 1024, message, true, MSG_IPC_NOWAIT, errorCode)) {
    console.log(`Received: ${JSON.stringify(message.value)}`);
  } else if (errorCode.value !== 0 && errorCode.value !== MSG_ENOMSG) {
    // e.g. E2BIG: someone queued a message over 1024 bytes, which stays queued: retrying would spin forever.
    // (errorCode 0 is "Message corrupted", already warned: that message is gone, go on with the next.)
    console.log(`msg_receive failed with error ${errorCode.value}`);
    break;
  }
}

// Cleanup
msg_remove_queue(queue);
cleanup.cancel();
