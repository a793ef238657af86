/**
 * Idle-cost probe for bench/msg.bench.ts: waits in an awaitable receive on an empty private queue for
 * three windows of ~1 s (after the waiter thread is up and start-up work has settled) and prints the
 * window with the median CPU time (user + system, µs) as JSON.
 */
import { MessageQueue } from "../../src/msg/index.ts";

const queue = MessageQueue.create(0);
try {
  await queue.receiveBytes({ timeout: 50 }).catch(() => {}); // start the waiter thread first
  await Bun.sleep(300);
  const windows: Array<{ wallMs: number; userUs: number; systemUs: number }> = [];
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage();
    const t0 = performance.now();
    await queue.receiveBytes({ timeout: 1000 }).catch(() => {});
    const used = process.cpuUsage(before);
    windows.push({ wallMs: performance.now() - t0, userUs: used.user, systemUs: used.system });
  }
  windows.sort((a, b) => a.userUs + a.systemUs - (b.userUs + b.systemUs));
  console.log(JSON.stringify(windows[1]));
} finally {
  queue.remove();
}
