/**
 * The Elysia demo: a job API and a live dashboard in front of a worker pool of Bun and PHP processes
 * sharing System V message queues. Started by `bun run demo`.
 *
 * Usage:
 *   bun run demo [--port 3000] [--workers 2] [--php 1] [--keep 10000] [--max-queued 50000] [--drain-ms 5000]
 *
 * Ctrl-C / SIGTERM / SIGHUP: new jobs get 503, queued and running jobs get up to --drain-ms to finish, then
 * the workers stop, every IPC object the demo made is removed, and the process exits 0.
 *
 * @example
 * ```sh
 * bun run demo --port 8080
 * curl -s -X POST localhost:8080/jobs -H 'content-type: application/json' -d '{"value":21}'
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { createApp } from "./app.ts";
import { JobService } from "./jobs.ts";

const hasPhp = JobService.hasPhp();
const USAGE = `usage: bun run demo [options]
  --port N         port on 127.0.0.1 (default: $PORT or 3000)
  --workers N      Bun workers (default ${hasPhp ? 2 : 3})
  --php N          PHP workers (default ${hasPhp ? 1 : "0: php is not installed"})
  --keep N         finished jobs kept for GET /jobs/:id (default 10000)
  --max-queued N   unfinished jobs accepted before 503 (default 50000)
  --drain-ms N     on SIGINT/SIGTERM, time given to queued jobs (default 5000)`;

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" }, workers: { type: "string" }, php: { type: "string" }, keep: { type: "string" },
      "max-queued": { type: "string" }, "drain-ms": { type: "string" }, help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function int(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, got ${text}`);
  return n;
}

const port = int("port", values.port ?? process.env.PORT, 3000);
const phpWorkers = int("php", values.php, hasPhp ? 1 : 0);
const bunWorkers = int("workers", values.workers, hasPhp ? 2 : 3);
if (phpWorkers > 0 && !hasPhp) usage("--php needs the php binary (8.2 with sysvmsg and shmop) on the PATH");
if (bunWorkers + phpWorkers === 0) usage("--workers and --php are both 0: no worker to run jobs");
const drainMs = int("drain-ms", values["drain-ms"], 5000);

const service = JobService.start({
  bunWorkers, phpWorkers, keep: int("keep", values.keep, 10_000, 1), maxQueued: int("max-queued", values["max-queued"], 50_000, 1),
});
let app;
try {
  app = createApp(service).listen({ port, hostname: "127.0.0.1" });
} catch (error) {
  await service.shutdown(0);
  console.error(`cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
  process.exit(1);
}
console.log(`bun-sysv demo on http://127.0.0.1:${app.server!.port} (${bunWorkers} Bun + ${phpWorkers} PHP workers; Ctrl-C stops)`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: draining for up to ${drainMs} ms, then stopping the workers and removing the IPC objects`);
  await service.shutdown(drainMs);
  await app!.stop(true);
  console.log("stopped: every worker exited, every IPC object removed");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGHUP", () => void stop("SIGHUP"));
// A crash still stops the workers and removes the IPC objects (then exits 1).
process.on("uncaughtException", (error) => {
  console.error(error);
  void service.shutdown(0).finally(() => process.exit(1));
});
