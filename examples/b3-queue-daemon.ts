/**
 * Port of `b3-queue-daemon.php`: a background process that waits on the queue of `b1-queue-send.ts` for
 * messages of any type and prints each. Where the original forks and lets the parent exit, this file
 * starts itself again as a detached process (`daemon` role) and exits.
 *
 * Differs from the original, which never stops: the daemon stops on SIGTERM, SIGINT or SIGHUP or when the queue
 * is removed (`ipcrm -q <id>`, or `msg_remove_queue` anywhere), and says why. For that it waits with the
 * awaitable `MessageQueue.messages()` instead of a blocking `msg_receive`: a signal that arrives between
 * two blocking calls would be handled only after the next message, so the daemon could not be stopped
 * reliably; the awaitable wait is cancelled at once and loses no message.
 *
 * The queue outlives the daemon (as in the original): it is shared with b1 and b2, and messages queued
 * for a later daemon must not be lost, so stopping the daemon does not remove it.
 *
 * A message that does not unserialize (the queue is 0666, anyone can write garbage to it) is logged as
 * `skipped msgtype: <type>, <n> bytes ...` and the daemon goes on.
 *
 * Keys: `ftok(SYSV_KEY_FILE || b1-queue-send.ts, "A")`: the same queue as b1 (see b1 for meeting PHP).
 *
 * Usage: bun examples/b3-queue-daemon.ts   (prints the daemon's pid; then run b1-queue-send.ts)
 * @module
 */
import { join } from "node:path";
import { ftok } from "../compat/index.ts";
import { currentRole, MessageQueue, spawnChild, type UndecodableMessageError } from "../src/index.ts";

if (currentRole() !== "daemon") {
  // parent: start the daemon in a session of its own and leave it running in the background
  const daemon = spawnChild(import.meta.path, { role: "daemon", detached: true });
  daemon.unref();
  console.log(`daemon started: pid ${daemon.pid} (stop it with: kill ${daemon.pid})`);
  process.exit(0);
}

const key = ftok(process.env.SYSV_KEY_FILE || join(import.meta.dir, "b1-queue-send.ts"), "A");
const queue = MessageQueue.create(key, { mode: 0o666 }); // msg_get_queue($key)

// SIGTERM/SIGINT/SIGHUP end the wait at once (a blocking msg_receive would only see a signal that lands while
// it waits); a message taken meanwhile goes back on the queue.
const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => stop.abort(signal));

// The queue is 0666: anyone may put garbage in it. A message that does not unserialize is logged with
// its type and bytes and skipped, instead of ending the daemon (and the message with it).
const onUndecodable = (error: UndecodableMessageError) => {
  const text = new TextDecoder().decode(error.raw.subarray(0, 200));
  console.log(`skipped msgtype: ${error.messageType}, ${error.raw.length} bytes that do not unserialize: ${JSON.stringify(text)}`);
};

// type 0 = any type; waits until a message arrives (ends when the queue is removed or on a signal)
for await (const { type: msgtype, value: message } of queue.messages({ type: 0, maxSize: 4096, signal: stop.signal, onUndecodable })) {
  console.log(`msgtype: ${msgtype}, message: ${message}`);
}

console.log(`daemon stopped: ${stop.signal.aborted ? `signal ${stop.signal.reason}` : "the queue was removed"}`);
process.exit(0); // the signal listeners would keep the process alive
