/**
 * `bun-sysv watch`: redraws one object every second: a queue's depth, bytes and rates, a store's
 * variables, a set's values. A table on a terminal; one plain line per tick when piped.
 *
 * @example
 * ```ts
 * await watch(["0x5eed0001", "--count", "3"]);
 * ```
 * @module
 */
import { listIpc, type IpcObject } from "../inspect/sysvipc.ts";
import { toQueueStat, tryStatQueue } from "../msg/stat.ts";
import { json, table, toJsonValue } from "./format.ts";
import { readSemaphores } from "../sem/stat.ts";
import { localTime } from "./objects.ts";
import { readSegment } from "./show.ts";
import { CliFailure, count, KIND_OPTIONS, kindOf, parse, resolveTargets, UsageError } from "./usage.ts";

export const WATCH_HELP = `Usage: bun-sysv watch <key|id> [--shm|--queues|--sems] [--count N] [--interval MS] [--json]

Redraws an object every second until Ctrl-C (or N times with --count):
  queue        depth, bytes, messages in/out per second (from the depth change
               and the last send/receive times)
  PHP store    each variable and its value
  semaphores   each value and its waiters
On a terminal the screen is redrawn as a table; piped, one line per tick.

Options:
  --shm, --queues, --sems   pick the kind when a key names several
  --count N                 stop after N ticks
  --interval MS             tick length (default 1000)
  --json                    one JSON object per tick
  -h, --help                this help`;

const HEADERS = { msg: ["FIELD", "VALUE"], shm: ["VARIABLE", "VALUE"], sem: ["SEMAPHORE", "STATE"] };

function compact(value: unknown): string {
  return JSON.stringify(toJsonValue(value), (_k, v) => (typeof v === "bigint" ? String(v) : v));
}

/** One tick: the rows of the table and the plain line, from the object's state now. */
function sample(o: IpcObject, previous: { depth: number; at: number } | undefined) {
  const now = performance.now();
  if (o.kind === "msg") {
    const raw = tryStatQueue(o.id);
    if (typeof raw === "number") throw new CliFailure(`queue id ${o.id} is gone`);
    const s = toQueueStat(raw);
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    const rate = previous && seconds > 0 ? (s.messages - previous.depth) / seconds : 0;
    const data = { depth: s.messages, bytes: s.bytes, capacity: s.maxBytes, depthChangePerSecond: Math.round(rate * 10) / 10,
      lastSend: s.lastSend?.toISOString() ?? null, lastReceive: s.lastReceive?.toISOString() ?? null };
    return {
      state: { depth: s.messages, at: now }, data,
      rows: [["depth", String(s.messages)], ["bytes", `${s.bytes} of ${s.maxBytes}`], ["change/s", data.depthChangePerSecond.toFixed(1)],
        ["last send", s.lastSend ? localTime(s.lastSend.getTime() / 1000) : "never"], ["last receive", s.lastReceive ? localTime(s.lastReceive.getTime() / 1000) : "never"]],
      line: `depth=${s.messages} bytes=${s.bytes} change/s=${data.depthChangePerSecond.toFixed(1)}`,
    };
  }
  if (o.kind === "shm") {
    const seg = readSegment(o, 64);
    if (!seg.store) throw new CliFailure(`segment id ${o.id} is not a PHP store: nothing to watch (try show)`);
    const vars = (seg.variables ?? []).map((v) => [String(v.key), v.error ? `CORRUPT: ${v.error}` : compact(v.value)]);
    if (seg.corrupt && vars.length === 0) vars.push(["!", `CORRUPT: ${seg.corrupt}`]);
    return {
      state: undefined, data: Object.fromEntries(vars), rows: vars,
      line: vars.map(([k, v]) => `${k}=${v}`).join(" ") || "(empty)",
    };
  }
  const sems = readSemaphores(o.id, o.size);
  return {
    state: undefined, data: sems,
    rows: sems.map((s) => [`sem ${s.index}`, `value ${s.value}, waiting ${s.ncnt} (zero ${s.zcnt}), last pid ${s.pid || "-"}`]),
    line: sems.map((s) => `sem${s.index}=${s.value}/${s.ncnt}`).join(" "),
  };
}

/** Runs `watch`; resolves with the exit status. */
export async function watch(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, WATCH_HELP, {
    ...KIND_OPTIONS, count: { type: "string" }, interval: { type: "string" }, json: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError(`watch takes one <key|id>, got ${positionals.length}`);
  const ticks = count(values.count, "count", Infinity), interval = Math.max(50, count(values.interval, "interval", 1000));
  const found = resolveTargets(positionals, kindOf(values));
  if (found.length > 1) throw new UsageError(`${positionals[0]} names ${found.map((o) => o.kind).join(" and ")}: pick one with --shm, --queues or --sems`);
  const o = found[0]!;
  const tty = process.stdout.isTTY && !values.json;
  let state: { depth: number; at: number } | undefined;
  for (let tick = 0; tick < ticks; tick++) {
    if (tick > 0) await Bun.sleep(interval);
    if (!listIpc(o.kind).some((x) => x.id === o.id)) throw new CliFailure(`${o.kind} id ${o.id} was removed`);
    const s = sample(o, state);
    state = s.state ?? state;
    const stamp = localTime(Date.now() / 1000);
    if (values.json) console.log(JSON.stringify(JSON.parse(json({ time: stamp, kind: o.kind, id: o.id, ...{ data: s.data } }))));
    else if (tty) process.stdout.write(`\x1b[H\x1b[2J${o.kind} id ${o.id}  ${stamp}  (Ctrl-C to stop)\n${table(HEADERS[o.kind], s.rows)}\n`);
    else console.log(`${stamp} ${s.line}`);
  }
  return 0;
}
