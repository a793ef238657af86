/**
 * A long-running queue consumer, the daemon of the PHP articles done the Bun way:
 *
 * - waits with the awaitable `MessageQueue.receive()` (a waiter thread blocks, the event loop stays free);
 * - a `Timer` prints stats every `--stats-ms` (default 10 s), at a fixed rate; SIGHUP prints them at once;
 * - SIGTERM / SIGINT: the message in hand is finished, the wait is cancelled (nothing consumed), the
 *   process exits 0 and the queue stays for the next run;
 * - the queue removed under it (`ipcrm -q`, `msg_remove_queue`): a clear message on stderr, exit 2.
 *
 * Any sender on the key feeds it, PHP or Bun: `msg_send(msg_get_queue(ftok($file, "D")), $type, $value)`.
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "D")`.
 *
 * Usage: bun examples/daemon.ts [--stats-ms 10000] [--work-ms 0]
 *   --work-ms: pretend each message takes this long to handle (to see SIGTERM wait for it)
 * @module
 */
import { parseArgs } from "node:util";
import { ftok, keyHex, MessageQueue, RemovedError, SignalHandler, Timer, type UndecodableMessageError } from "../src/index.ts";

const USAGE = `Usage: bun examples/daemon.ts [--stats-ms 10000] [--work-ms 0]
  --stats-ms N  print stats every N ms (also on SIGHUP)
  --work-ms N   pretend each message takes N ms to handle
Key: ftok(SYSV_KEY_FILE || examples/daemon.ts, "D"). SIGTERM/SIGINT stop it (exit 0, queue kept).`;

function usage(problem: string): never {
  console.error(`daemon: ${problem}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      "stats-ms": { type: "string", default: "10000" }, "work-ms": { type: "string", default: "0" }, help: { type: "boolean", short: "h" },
    },
  });
} catch (e) {
  usage((e as Error).message);
}
const options = parsed.values;
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const statsMs = Number(options["stats-ms"]);
const workMs = Number(options["work-ms"]);
if (!(statsMs > 0) || !Number.isFinite(statsMs)) usage(`--stats-ms takes a number of milliseconds > 0, got '${options["stats-ms"]}'`);
if (!(workMs >= 0) || !Number.isFinite(workMs)) usage(`--work-ms takes a number of milliseconds >= 0, got '${options["work-ms"]}'`);

const keyFile = process.env.SYSV_KEY_FILE || import.meta.path;
const key = ftok(keyFile, "D");
const queue = MessageQueue.create(key, { mode: 0o666 });
const hex = keyHex(key);

const stats = { handled: 0, byType: new Map<string, number>(), started: performance.now() };
function printStats(why: string): void {
  const seconds = (performance.now() - stats.started) / 1000;
  const types = [...stats.byType].map(([t, n]) => `${t}:${n}`).join(" ") || "-";
  console.log(`stats (${why}): ${stats.handled} handled in ${seconds.toFixed(1)} s, by type ${types}`);
}

/** A received value as one line (PHP arrays come as arrays, objects or Maps; ints beyond 2^53 as bigints). */
function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}` : v instanceof Map ? Object.fromEntries(v) : v instanceof Uint8Array ? [...v] : v);
}

// The queue is 0666: any local user can send garbage. A message that does not unserialize is logged (type,
// size, first bytes) and skipped; the daemon goes on.
const onUndecodable = (error: UndecodableMessageError) => {
  const text = new TextDecoder().decode(error.raw.subarray(0, 200));
  console.error(`daemon: skipped a message of type ${error.messageType} (${error.raw.length} bytes) that does not unserialize: ${JSON.stringify(text)}`);
};

const stop = new AbortController();
const onStop = (name: string) => () => {
  if (!stop.signal.aborted) console.log(`${name}: finishing the message in hand, then stopping`);
  stop.abort(name);
};
const handlers = [
  new SignalHandler("SIGTERM").add(onStop("SIGTERM")),
  new SignalHandler("SIGINT").add(onStop("SIGINT")),
  new SignalHandler("SIGHUP").add(() => printStats("SIGHUP")),
];
const timer = new Timer(() => printStats("timer"), statsMs);

console.log(`daemon ready: pid ${process.pid}, queue key ${hex} (id ${queue.id})`);
try {
  while (!stop.signal.aborted) {
    let message;
    try {
      message = await queue.receive({ signal: stop.signal, onUndecodable });
    } catch (e) {
      if (stop.signal.aborted && !(e instanceof RemovedError)) break; // cancelled: nothing was taken
      throw e;
    }
    // The message is in hand: it is handled to the end even if a stop signal arrives meanwhile.
    console.log(`message type ${message.type}: ${show(message.value)}`);
    if (workMs > 0) await Bun.sleep(workMs);
    stats.handled++;
    const type = String(message.type);
    stats.byType.set(type, (stats.byType.get(type) ?? 0) + 1);
  }
  printStats(`stopped by ${String(stop.signal.reason)}`);
  console.log(`queue ${hex} kept with ${queue.stat().messages} message(s) waiting`);
} catch (e) {
  if (!(e instanceof RemovedError)) throw e;
  console.error(`daemon: the queue ${hex} was removed while waiting (${e.message}); exiting`);
  process.exitCode = 2;
} finally {
  timer.stop();
  for (const handler of handlers) handler.close();
  queue.close();
}
