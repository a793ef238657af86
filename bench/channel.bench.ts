/**
 * Channels between processes: round trip of a small PHP array Bun<->Bun over a channel (socket pair on
 * fd 3, PHP serialize frames, and JSON frames), Bun<->PHP over the same frames, against Bun.spawn's own
 * IPC (`process.send`); start-up of a role child to its first answer; a master's throughput with 4
 * client processes (MultiStreamChannel).
 *
 * @example
 * ```sh
 * bun run bench channel
 * ```
 */
import { join } from "node:path";
import { MultiStreamChannel } from "../compat/index.ts";
import { spawnChild, spawnProcess, type Channel } from "../src/index.ts";
import { table, writeSection } from "./lib/harness.ts";

const CHILD = join(import.meta.dir, "channel/child.ts");
const PHP_PEER = join(import.meta.dir, "../test/fixtures/process/channel-peer.php");
const SAMPLES = 20_000;
const SMALL = { id: 42, name: "task", tags: ["a", "b"], score: 1.5 };

function stats(samples: number[]): { avg: number; p50: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { avg: samples.reduce((s, x) => s + x, 0) / samples.length, p50: sorted[Math.floor(sorted.length / 2)]! };
}

async function roundTrips(n: number, once: () => Promise<unknown>): Promise<{ avg: number; p50: number }> {
  for (let i = 0; i < 500; i++) await once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = Bun.nanoseconds();
    await once();
    times.push(Bun.nanoseconds() - t0);
  }
  return stats(times);
}

async function channelPingPong(format: "php" | "json"): Promise<{ avg: number; p50: number }> {
  const child = spawnChild(CHILD, { role: "echo", args: [format], channel: true, channelOptions: { format } });
  const ch = child.channel!;
  const r = await roundTrips(SAMPLES, () => (ch.send(SMALL), ch.receive()));
  ch.close();
  await child.exited;
  return r;
}

async function phpPingPong(): Promise<{ avg: number; p50: number }> {
  const child = spawnProcess(["php", PHP_PEER, "fd"], { channel: true });
  const ch: Channel = child.channel!;
  const r = await roundTrips(SAMPLES / 4, () => (ch.send(SMALL), ch.receive()));
  ch.send("bye");
  await ch.receive();
  ch.close();
  await child.exited;
  return r;
}

async function ipcPingPong(): Promise<{ avg: number; p50: number }> {
  let resolveNext: ((m: unknown) => void) | null = null;
  const child = Bun.spawn([process.execPath, CHILD, "ipc"], { ipc: (m) => resolveNext?.(m), stdio: ["ignore", "inherit", "inherit"] });
  const r = await roundTrips(SAMPLES, () => new Promise((resolve) => { resolveNext = resolve; child.send(SMALL); }));
  child.send("stop");
  await child.exited;
  return r;
}

async function startUp(): Promise<{ avg: number; p50: number }> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = Bun.nanoseconds();
    const child = spawnChild(CHILD, { role: "echo", channel: true });
    child.channel!.send(1);
    await child.channel!.receive();
    times.push(Bun.nanoseconds() - t0);
    child.channel!.close();
    await child.exited;
  }
  return stats(times);
}

async function masterThroughput(perClient: number): Promise<number> {
  const master = new MultiStreamChannel();
  const t0 = Bun.nanoseconds();
  const children = [0, 1, 2, 3].map(() => spawnChild(CHILD, { role: "client", args: [perClient], channel: master.createClient().channel }));
  for (let i = 0; i < 4 * perClient; i++) await master.receive();
  const ns = Bun.nanoseconds() - t0;
  master.broadcast("done");
  await Promise.all(children.map((c) => c.exited));
  master.close();
  return ns / (4 * perClient);
}

const php = await channelPingPong("php");
const json = await channelPingPong("json");
const ipc = await ipcPingPong();
const withPhp = await phpPingPong();
const start = await startUp();
const perMessage = await masterThroughput(25_000);

writeSection("channel", "Channels between processes", [
  table([
    { op: "round trip Bun<->Bun, channel, PHP serialize frames (p50)", ours: php.p50, vs: { "Bun.spawn IPC": ipc.p50 } },
    { op: "round trip Bun<->Bun, channel, JSON frames (p50)", ours: json.p50, vs: { "Bun.spawn IPC": ipc.p50 } },
    { op: "round trip Bun<->PHP 8.2, channel, PHP serialize frames (p50)", ours: withPhp.p50, vs: { "Bun.spawn IPC": ipc.p50 } },
    { op: "spawnChild to first answer on its channel (median of 20)", ours: start.p50, vs: {} },
    { op: "master receiving from 4 client processes, per message (incl. start-up)", ours: perMessage, vs: {} },
  ]),
  "",
  `Round trips: ${SAMPLES} (PHP: ${SAMPLES / 4}) of a small array ${JSON.stringify(SMALL)}; means: php ${(php.avg / 1e3).toFixed(2)} µs, ` +
    `json ${(json.avg / 1e3).toFixed(2)} µs, Bun.spawn IPC ${(ipc.avg / 1e3).toFixed(2)} µs, PHP peer ${(withPhp.avg / 1e3).toFixed(2)} µs.`,
].join("\n"));
