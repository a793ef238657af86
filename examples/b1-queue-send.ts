/**
 * Port of `b1-queue-send.php`: sends four messages of three types (a type is a group inside the queue)
 * to the queue that `b2-queue-receive.ts` drains and `b3-queue-daemon.ts` waits on.
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "A")`. To talk with the PHP originals, point SYSV_KEY_FILE at
 * `b1-queue-send.php` (the file their ftok uses), e.g.
 * `SYSV_KEY_FILE=/path/to/b1-queue-send.php bun examples/b1-queue-send.ts` then `php b2-queue-receive.php`.
 *
 * Usage: bun examples/b1-queue-send.ts
 * @module
 */
import { ftok, msg_get_queue, msg_send } from "../compat/index.ts";

// Convert a path name and a project identifier to a System V IPC key
const key = ftok(process.env.SYSV_KEY_FILE || import.meta.path, "A");

// Creating a message queue with a key
const queue = msg_get_queue(key);
if (queue === false) process.exit(1);

// Send messages of different types (a type is a group inside the queue)
msg_send(queue, 1, "message, type 1");
msg_send(queue, 2, "message, type 2");
msg_send(queue, 3, "message, type 3");
msg_send(queue, 1, "message, type 1");

console.log("send 4 messages");
