/**
 * Port of `b3-queue-daemon.php`: a background process that waits on the queue of `b1-queue-send.ts` for
 * messages of any type and prints each. Where the original forks and lets the parent exit, this file
 * starts itself again as a detached process (`--daemon`) and exits.
 *
 * Differs from the original, which never stops: the daemon stops on SIGTERM or SIGINT (the signal
 * interrupts its waiting `msg_receive`, which then returns false) or when the queue is removed
 * (`ipcrm -q <id>`, or `msg_remove_queue` anywhere), and says why.
 *
 * Keys: `ftok(SYSV_KEY_FILE || b1-queue-send.ts, "A")`: the same queue as b1 (see b1 for meeting PHP).
 *
 * Usage: bun examples/b3-queue-daemon.ts   (prints the daemon's pid; then run b1-queue-send.ts)
 * @module
 */
import { join } from "node:path";
import { ftok, msg_get_queue, msg_receive, ref } from "../compat/index.ts";
import { role } from "./lib/process.ts";

if (role() !== "--daemon") {
  // parent: start the daemon in a session of its own and leave it running in the background
  const daemon = Bun.spawn([process.execPath, import.meta.path, "--daemon"], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: process.env,
  });
  daemon.unref();
  console.log(`daemon started: pid ${daemon.pid} (stop it with: kill ${daemon.pid})`);
  process.exit(0);
}

const key = ftok(process.env.SYSV_KEY_FILE || join(import.meta.dir, "b1-queue-send.ts"), "A");
const queue = msg_get_queue(key);
if (queue === false) process.exit(1);

// A listener makes SIGTERM/SIGINT interrupt the waiting msg_receive (EINTR) instead of killing the process.
let stopSignal: string | undefined;
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => { stopSignal = signal; });

// type 0 = any type; blocks until a message arrives
const msgtype = ref<number | bigint>(), message = ref<unknown>(), errorCode = ref<number>(0);
while (msg_receive(queue, 0, msgtype, 4096, message, true, 0, errorCode)) {
  console.log(`msgtype: ${msgtype.value}, message: ${message.value}`);
}

// EINTR (4): a signal; EIDRM (43) / EINVAL (22): the queue was removed.
await Bun.sleep(0); // let the signal listener run
const why = errorCode.value === 4 ? `signal ${stopSignal ?? "?"}` : errorCode.value === 43 || errorCode.value === 22
  ? "the queue was removed" : `msg_receive error ${errorCode.value}`;
console.log(`daemon stopped: ${why}`);
