/**
 * Idle-cost probe for bench/msg.bench.ts: CPU time (user + system, µs) of this process over windows of
 * ~1 s spent (a) waiting in an awaitable receive on an empty private queue and (b) in a plain
 * `await Bun.sleep(1000)`, the runtime's own baseline, three windows each after start-up has settled.
 * Prints the median window of each as JSON.
 */
import { MessageQueue } from "../../src/msg/index.ts";

type Window = { wallMs: number; userUs: number; systemUs: number };

async function median(wait: () => Promise<unknown>): Promise<Window> {
  const windows: Window[] = [];
  for (let i = 0; i < 3; i++) {
    const before = process.cpuUsage();
    const t0 = performance.now();
    await wait();
    const used = process.cpuUsage(before);
    windows.push({ wallMs: performance.now() - t0, userUs: used.user, systemUs: used.system });
  }
  windows.sort((a, b) => a.userUs + a.systemUs - (b.userUs + b.systemUs));
  return windows[1]!;
}

const queue = MessageQueue.create(0);
try {
  await queue.receiveBytes({ timeout: 50 }).catch(() => {}); // start the waiter thread first
  await Bun.sleep(300);
  const receive = await median(() => queue.receiveBytes({ timeout: 1000 }).catch(() => {}));
  const sleep = await median(() => Bun.sleep(1000));
  console.log(JSON.stringify({ receive, sleep }));
} finally {
  queue.remove();
}
