/**
 * Children of bench/channel.bench.ts: "echo" answers each channel message with itself; "ipc" does the same
 * over Bun.spawn's IPC (`process.send`); "client N" sends N messages to a MultiStreamChannel master.
 */
import { currentRole, parentChannel } from "../../src/index.ts";

const role = currentRole();
if (role === "echo") {
  const ch = parentChannel({ format: (process.argv[2] ?? "php") as "php" })!;
  for await (const message of ch) ch.send(message);
  ch.close();
} else if (role === "client") {
  const ch = parentChannel()!;
  const n = Number(process.argv[2]);
  for (let i = 0; i < n; i++) ch.send({ seq: i, text: "message" });
  await ch.flush();
  await ch.receive(); // "done"
  ch.close();
} else if (process.argv[2] === "ipc") {
  process.on("message", (message) => {
    if (message === "stop") process.exit(0);
    process.send!(message);
  });
}
