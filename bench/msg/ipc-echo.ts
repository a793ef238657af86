/**
 * Bun.spawn IPC partner for bench/msg.bench.ts: echoes every message back with `process.send`;
 * `"stop"` ends it.
 */
process.on("message", (message) => {
  if (message === "stop") process.exit(0);
  process.send!(message);
});
process.send!("ready");
