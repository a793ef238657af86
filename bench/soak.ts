/**
 * Long-running soak (not in CI): mixed PHP/Bun traffic over System V queues, a SharedVariables counter
 * and a counting semaphore, with random timeouts, aborts, handle closes and SIGKILLs, for N minutes.
 * At the end it drains everything and checks that no message was lost or duplicated, that the counter
 * is exact and the semaphore whole, and that the long-lived Bun processes' RSS and thread counts did not
 * keep growing after warm-up. Everything it creates (queues, segment, semaphore sets, temp files) is
 * removed at the end and on SIGINT/SIGTERM/SIGHUP; if the driver itself is SIGKILLed, the kernel kills its
 * workers (`setpriv --pdeathsig`) and the four keys it printed at the start are left for `ipcrm`.
 *
 * ```sh
 * bun bench/soak.ts                  # 10 minutes
 * bun bench/soak.ts --minutes 2      # or --seconds 30
 * bun bench/soak.ts --help
 * ```
 *
 * Traffic (see `bench/soak/config.ts` for the log lines and `bench/soak/ledger.ts` for the loss rule):
 * - work queue: Bun and PHP producers send `{ id, pad }` (type 1); Bun consumers (awaitable receives
 *   with timeouts, aborts, bursts of concurrent receives, `for await` loops, handles closed with waits in
 *   flight) and PHP consumers (blocking and non-blocking `msg_receive`) take them. Never killed.
 * - lane queue: per lane one producer (Bun or PHP) sends types (lane+1)*2^56+seq in order; one consumer
 *   per lane (Bun or PHP) receives exactly the next type. Lane consumers are SIGKILLed at random and
 *   restarted in a random language; they claim before they receive, so a kill cannot fake a loss.
 * - SharedVariables: Bun `update()`/`updateSync()` (timeouts, aborts) and PHP `sem_acquire` +
 *   `shm_get_var` + `shm_put_var` increment one counter `{ n, by }`; killed and restarted at random.
 * - Semaphore (max 2, three users): Bun `acquire()` with timeouts/aborts/closes, PHP `sem_acquire`; killed at random.
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ExistsError, ftok, listIpc, MessageQueue, Mutex, removeIpc, Semaphore, SharedVariables, type IpcKind,
} from "../src/index.ts";
import { random, STOP_TYPE, type WorkerConfig } from "./soak/config.ts";
import { laneLedger, semLedger, varsLedger, workerCounters, workLedger } from "./soak/ledger.ts";
import { ProcSeries } from "./soak/procfs.ts";

const HELP = `bun bench/soak.ts [options]
  --minutes N            run time (default 10)
  --seconds N            run time in seconds (overrides --minutes)
  --rate N               messages per second per producer and per lane (default 300)
  --burst N              largest burst of concurrent receives in a Bun consumer (default 16)
  --seed N               random seed (default: time)
  --max-thread-growth N  fail if a long-lived Bun process ends with more than N threads over its
                         post-warm-up count (default 8)
  --max-rss-growth-mb N  fail if its RSS ends more than N MB over its post-warm-up value (default 64)
  --self-kill P          probability that a lane consumer SIGKILLs itself between taking a message and
                         logging it (default 0.3; 0 = never), after 20 to --die-within messages (default 3000)
  --drop-log P           testing the soak itself: Bun work consumers skip the log line of a received
                         message with probability P, so the run must report losses and fail
  --keep                 keep the run folder (logs) instead of removing it
  --write-results        also write the summary to bench/results/soak.md (bun run bench puts it in RESULTS.md)
  --quiet                only the summary and the JSON line`;

// ---------- options ----------
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) { console.error(`--${name} needs a number >= 0`); process.exit(2); }
  return v;
};
if (flag("help")) { console.log(HELP); process.exit(0); }
const seconds = argv.includes("--seconds") ? opt("seconds", 0) : opt("minutes", 10) * 60;
const rate = opt("rate", 300), burst = Math.max(2, opt("burst", 16)), seed = opt("seed", Date.now() % 1e9);
const maxThreadGrowth = opt("max-thread-growth", 8), maxRssGrowthMb = opt("max-rss-growth-mb", 64);
const quiet = flag("quiet"), selfKill = opt("self-kill", 0.3), dieWithin = Math.max(21, opt("die-within", 3000));
const dropLog = opt("drop-log", 0);
const say = (line: string) => { if (!quiet) console.log(line); };
const rnd = random(seed);

// ---------- IPC objects, and their removal whatever happens ----------
const dir = mkdtempSync(join(tmpdir(), "bun-sysv-soak-"));
const keyFile = join(dir, "soak.key");
writeFileSync(keyFile, "");
const created: Array<[IpcKind, number]> = [];
const keys: number[] = [];
/** (kind, key) of every object created, for the final sweep. */
const owned: Array<[IpcKind, number]> = [];
let project = 1;

/** Creates an object on the next free ftok key of our key file (createNew: never someone else's). */
function createOn<T>(make: (key: number) => T): { key: number; value: T } {
  for (; project < 256; project++) {
    const key = ftok(keyFile, project);
    try {
      const value = make(key);
      project++;
      keys.push(key);
      return { key, value };
    } catch (error) {
      if (!(error instanceof ExistsError)) throw error;
    }
  }
  throw new Error("no free key on the soak's key file");
}

// ---------- workers ----------
type Lang = "bun" | "php";
interface Child {
  name: string;
  role: WorkerConfig["role"];
  lang: Lang;
  lanes: number[];
  pid: number;
  log: string;
  proc: ReturnType<typeof Bun.spawn>;
  killed: boolean;
  /** Killed by the driver at the end for not finishing (reported as hung, not as crashed). */
  hung?: boolean;
  exitCode?: number | null;
  series?: ProcSeries;
}
const children = new Map<string, Child>();
let cleaned = false;
function cleanup(): number {
  if (cleaned) return 0;
  cleaned = true;
  for (const c of children.values()) if (c.exitCode === undefined) try { process.kill(c.pid, "SIGKILL"); } catch { /* gone */ }
  for (const [kind, id] of created) try { removeIpc(kind, id); } catch { /* already gone */ }
  // A set recreated under one of our keys (a PHP sem_get racing the removal) goes too.
  const ours = (o: { kind: IpcKind; key: number }) => owned.some(([kind, key]) => kind === o.kind && key === (o.key | 0));
  for (const o of listIpc()) if (ours(o)) try { removeIpc(o.kind, o.id); } catch { /* gone */ }
  const left = listIpc().filter(ours).length;
  if (!flag("keep")) rmSync(dir, { recursive: true, force: true });
  return left;
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    console.error(`soak: ${signal}, removing what it created`);
    cleanup();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
  });
}

const work = createOn((k) => MessageQueue.createNew(k));
created.push(["msg", work.value.id]);
owned.push(["msg", work.key]);
const lane = createOn((k) => MessageQueue.createNew(k));
created.push(["msg", lane.value.id]);
owned.push(["msg", lane.key]);
const vars = createOn((k) => {
  const lock = Mutex.createNew(k); // the update lock first: its key must be free as a semaphore key too
  try {
    const store = SharedVariables.createNew(k, { size: 65536 });
    created.push(["shm", store.id], ["sem", lock.id]);
    return store;
  } catch (error) {
    lock.remove();
    throw error;
  } finally {
    lock.close();
  }
});
owned.push(["shm", vars.key], ["sem", vars.key]);
const SEM_MAX = 2;
const sem = createOn((k) => Semaphore.createNew(k, { maxCount: SEM_MAX }));
created.push(["sem", sem.value.id]);
owned.push(["sem", sem.key]);

const WORKER_TS = join(import.meta.dir, "soak", "worker.ts");
const WORKER_PHP = join(import.meta.dir, "soak", "worker.php");
const LANES = [0, 1, 2, 3];
/** Workers get SIGKILL from the kernel if the driver dies (even by SIGKILL): util-linux `setpriv --pdeathsig`. */
const SETPRIV = Bun.which("setpriv");
const ORPHAN_GUARD = SETPRIV ? [SETPRIV, "--pdeathsig", "KILL", "--"] : [];
const laneLog = (l: number) => join(dir, `lane-${l}.log`);
const startedAt = Date.now();
const deadline = startedAt + seconds * 1000;
const elapsed = () => (Date.now() - startedAt) / 1000;
let serial = 0, ending = false;
const killedPids = new Set<number>(), killedNames = new Set<string>();
const kills: Record<string, number> = { "lane-consumer": 0, vars: 0, sem: 0, self: 0 };
const crashed: string[] = [];

function spawnWorker(role: WorkerConfig["role"], lang: Lang, lanes: number[] = []): Child {
  const name = `${lang === "bun" ? "b" : "p"}${++serial}`;
  const log = role === "lane-consumer" ? laneLog(lanes[0]!) : join(dir, `${name}.log`);
  const cfg: WorkerConfig = {
    role, name, log, workKey: work.key, laneKey: lane.key, varsKey: vars.key, semKey: sem.key,
    deadline, rate, lanes, burst, seed: Math.floor(rnd() * 2 ** 31),
    dieAfter: role === "lane-consumer" && rnd() < selfKill ? 20 + Math.floor(rnd() * (dieWithin - 19)) : 0,
    dropLog,
  };
  const cmd = [
    ...ORPHAN_GUARD,
    ...(lang === "bun"
      ? [process.execPath, WORKER_TS, JSON.stringify(cfg)]
      : ["php", "-d", "display_errors=stderr", "-d", "error_reporting=-1", WORKER_PHP, JSON.stringify(cfg)]),
  ];
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: Bun.file(join(dir, `${name}.err`)) });
  const child: Child = { name, role, lang, lanes, pid: proc.pid, log, proc, killed: false };
  if (lang === "bun") child.series = new ProcSeries(name, role, proc.pid);
  children.set(name, child);
  void proc.exited.then((code) => {
    child.exitCode = code;
    if (!child.killed && cfg.dieAfter > 0 && proc.signalCode === "SIGKILL") { // it killed itself, as armed
      child.killed = true;
      killedPids.add(child.pid);
      kills.self!++;
    }
    if (child.killed) {
      // A lane consumer that killed itself after the deadline is replaced too: its lane still has to reach its end marker.
      if (!ending || role === "lane-consumer") spawnWorker(role, rnd() < 0.5 ? "bun" : "php", lanes);
    } else if (code !== 0 && !child.hung) {
      crashed.push(`${name} (${lang} ${role}) exited ${code}: ${tail(join(dir, `${name}.err`))}`);
    }
  });
  return child;
}

function tail(path: string): string {
  try { return readFileSync(path, "utf8").trim().split("\n").slice(-3).join(" | "); } catch { return ""; }
}

const live = (role?: string) => [...children.values()].filter((c) => c.exitCode === undefined && (!role || c.role === role));

spawnWorker("producer", "bun");
spawnWorker("producer", "php");
spawnWorker("consumer", "bun");
spawnWorker("consumer", "bun");
spawnWorker("consumer", "php");
spawnWorker("lane-producer", "bun", [0, 1]);
spawnWorker("lane-producer", "php", [2, 3]);
for (const l of LANES) spawnWorker("lane-consumer", l % 2 === 0 ? "bun" : "php", [l]);
spawnWorker("vars", "bun");
spawnWorker("vars", "php");
spawnWorker("sem", "bun");
spawnWorker("sem", "bun");
spawnWorker("sem", "php");

// ---------- chaos: SIGKILL a lane consumer, a counter incrementer or a semaphore user ----------
const chaosEvery = seconds < 60 ? [300, 1200] : [1000, 4000];
let chaosTimer: ReturnType<typeof setTimeout> | undefined;
function chaos(): void {
  if (ending || Date.now() > deadline - 1000) return;
  const r = rnd();
  const role = r < 0.6 ? "lane-consumer" : r < 0.8 ? "vars" : "sem";
  const candidates = live(role).filter((c) => !c.killed);
  const victim = candidates[Math.floor(rnd() * candidates.length)];
  if (victim) {
    victim.killed = true;
    killedPids.add(victim.pid);
    killedNames.add(victim.name);
    kills[role]!++;
    try { process.kill(victim.pid, "SIGKILL"); } catch { /* exited meanwhile */ }
  }
  chaosTimer = setTimeout(chaos, chaosEvery[0]! + rnd() * (chaosEvery[1]! - chaosEvery[0]!));
}
chaosTimer = setTimeout(chaos, chaosEvery[0]!);

// ---------- sampling RSS and threads of the Bun processes ----------
const driver = new ProcSeries("driver", "driver", process.pid);
const allSeries = () => [driver, ...[...children.values()].flatMap((c) => (c.series ? [c.series] : []))];
const timeline: Array<{ t: number; processes: number; rssMb: number; threads: number }> = [];
function sample(point?: "start" | "warm" | "end"): void {
  const t = elapsed();
  let rss = 0, threads = 0, n = 0;
  for (const s of allSeries()) {
    const child = [...children.values()].find((c) => c.series === s);
    if (child && child.exitCode !== undefined) continue;
    const x = s.take(t, point);
    if (x) { rss += x.rssKb; threads += x.threads; n++; }
  }
  timeline.push({ t: Math.round(t), processes: n, rssMb: Math.round(rss / 1024), threads });
  say(`[${t.toFixed(0).padStart(4)} s] ${point ?? "sample"}: ${n} Bun processes, RSS ${(rss / 1024).toFixed(0)} MB, ${threads} threads; ` +
    `kills so far ${Object.values(kills).reduce((a, b) => a + b, 0)}`);
}
const warmAt = Math.min(30, seconds * 0.25), sampleEvery = Math.max(1, Math.min(60, seconds / 10));
const timers: Array<ReturnType<typeof setTimeout>> = [];
timers.push(setTimeout(() => sample("start"), Math.min(1000, seconds * 100)));
timers.push(setTimeout(() => sample("warm"), warmAt * 1000));
const periodic = setInterval(() => sample(), sampleEvery * 1000);

say(`soak: ${seconds} s, seed ${seed}, rate ${rate}/s per producer and lane, burst ${burst}; run folder ${dir}`);
say(`keys: work 0x${(work.key >>> 0).toString(16)}, lanes 0x${(lane.key >>> 0).toString(16)}, vars 0x${(vars.key >>> 0).toString(16)}, sem 0x${(sem.key >>> 0).toString(16)}`);

await Bun.sleep(Math.max(0, deadline - 300 - Date.now()));
sample("end");
clearInterval(periodic);
for (const t of timers) clearTimeout(t);
clearTimeout(chaosTimer);
ending = true;

// ---------- shutdown: producers and counters stop at the deadline, consumers on stop / end markers ----------
const hung: string[] = [];
async function waitExit(list: Child[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (list.some((c) => c.exitCode === undefined) && Date.now() < until) await Bun.sleep(50);
}
function killHung(list: Child[]): void {
  for (const c of list) if (c.exitCode === undefined) {
    hung.push(`${c.name} (${c.lang} ${c.role}${c.lanes.length ? ` lane ${c.lanes}` : ""})`);
    c.hung = true;
    try { process.kill(c.pid, "SIGKILL"); } catch { /* gone */ }
  }
}
const stoppers = live().filter((c) => ["producer", "lane-producer", "vars", "sem"].includes(c.role));
await waitExit(stoppers, 30_000);
killHung(stoppers);
const consumers = live("consumer");
for (let round = 0; round < 40 && consumers.some((c) => c.exitCode === undefined); round++) {
  for (const _ of consumers.filter((c) => c.exitCode === undefined)) work.value.sendSync(STOP_TYPE, "stop", { wait: false });
  await waitExit(consumers, 500);
}
killHung(consumers);
const lanesUntil = Date.now() + 20_000; // replacements of self-killed consumers join meanwhile
while (live("lane-consumer").length > 0 && Date.now() < lanesUntil) await Bun.sleep(50);
killHung(live("lane-consumer"));
await waitExit([...children.values()], 5_000);

// ---------- drain and account ----------
const drainedWork: string[] = [], drainedLanes: string[] = [];
for (let m; (m = work.value.tryReceiveSync<{ id?: string }>()); ) if (m.type !== STOP_TYPE) drainedWork.push(String(m.value?.id));
for (let m; (m = lane.value.tryReceiveSync<{ id?: string; end?: boolean }>()); ) if (!m.value?.end) drainedLanes.push(String(m.value?.id));
const finalCounter = vars.value.get(1) as { n: number; by: Record<string, number> } | undefined;
const semValue = sem.value.value, semWaiters = sem.value.waiters;

const all = [...children.values()];
const logsOf = (role: string) => all.filter((c) => c.role === role).map((c) => c.log);
const workT = workLedger(logsOf("producer"), logsOf("consumer"), drainedWork);
const laneT = laneLedger(logsOf("lane-producer"), new Map(LANES.map((l) => [l, laneLog(l)])), drainedLanes, killedPids);
const varsT = varsLedger(finalCounter, new Map(all.filter((c) => c.role === "vars").map((c) => [c.name, c.log])), killedNames);
const semT = semLedger(logsOf("sem"));
const counters = workerCounters(all.filter((c) => c.lang === "bun" && c.role !== "lane-consumer").map((c) => c.log));

// ---------- resources: long-lived Bun processes, warm-up -> end ----------
const mb = (kb: number | undefined) => (kb === undefined ? undefined : Math.round(kb / 102.4) / 10);
const resources = allSeries().filter((s) => s.warm && s.end).map((s) => ({
  name: s.name, role: s.role,
  start: { rssMb: mb(s.start?.rssKb), threads: s.start?.threads },
  warm: { rssMb: mb(s.warm!.rssKb), threads: s.warm!.threads },
  end: { rssMb: mb(s.end!.rssKb), threads: s.end!.threads },
  peak: { rssMb: mb(s.peak?.rssKb), threads: s.peakThreads },
  threadGrowth: s.end!.threads - s.warm!.threads,
  rssGrowthMb: mb(s.end!.rssKb - s.warm!.rssKb)!,
}));
const grew = resources.filter((r) => r.threadGrowth > maxThreadGrowth || r.rssGrowthMb > maxRssGrowthMb);

work.value.close(); lane.value.close(); vars.value.detach(); sem.value.close();
const leftIpc = cleanup();

const failures = [
  workT.lost && `${workT.lost} work messages lost`, workT.duplicated && `${workT.duplicated} work messages duplicated`,
  workT.phantom && `${workT.phantom} work messages received that no producer sent`,
  laneT.lost && `${laneT.lost} lane messages lost`, laneT.duplicated && `${laneT.duplicated} lane messages duplicated`,
  laneT.phantom && `${laneT.phantom} lane messages never sent`, laneT.mismatched && `${laneT.mismatched} lane messages of the wrong type`,
  !varsT.exact && `shared counter not exact (n ${varsT.counter}, sum ${varsT.sumBy}, ${varsT.mismatches} mismatches)`,
  semValue !== SEM_MAX && `semaphore ends at ${semValue}, not ${SEM_MAX}`, semWaiters !== 0 && `${semWaiters} semaphore waiters left`,
  crashed.length && `${crashed.length} workers crashed`, hung.length && `${hung.length} workers hung`,
  grew.length && `${grew.length} Bun processes grew (threads > +${maxThreadGrowth} or RSS > +${maxRssGrowthMb} MB after warm-up)`,
  leftIpc && `${leftIpc} IPC objects left`,
].filter(Boolean) as string[];

// ---------- report ----------
const n = (x: number | undefined) => (x ?? 0).toLocaleString("en-US");
const report = [
  `soak: ${seconds} s, seed ${seed}, ${rate} messages/s per producer and lane, bursts up to ${burst}; ` +
    `${all.length} worker processes started; SIGKILLs: ${n(kills["lane-consumer"])} lane consumers, ${n(kills.vars)} counter, ${n(kills.sem)} semaphore users, ` +
    `and ${n(kills.self)} lane consumers that killed themselves between taking a message and logging it`,
  "",
  "| traffic | sent | received | drained | lost | duplicated | other |",
  "|---|---|---|---|---|---|---|",
  `| work queue (1 Bun + 1 PHP producer, 2 Bun + 1 PHP consumers) | ${n(workT.sent)} | ${n(workT.received)} | ${n(workT.drained)} | ${n(workT.lost)} | ${n(workT.duplicated)} | phantom ${workT.phantom} |`,
  `| 4 lanes (consumers SIGKILLed, restarted as Bun or PHP) | ${n(laneT.sent)} | ${n(laneT.received)} | ${n(laneT.drained)} | ${n(laneT.lost)} | ${n(laneT.duplicated)} | taken by a killed consumer ${laneT.killedInFlight}, wrong type ${laneT.mismatched}, phantom ${laneT.phantom} |`,
  `| shared counter (Bun update + PHP sem/shm) | ${n(varsT.logged)} increments | n = ${n(varsT.counter)} | | | | exact: ${varsT.exact ? "yes" : "NO"} (sum by process ${n(varsT.sumBy)}; ${varsT.killedUnlogged} stored by a process killed before its log line) |`,
  `| semaphore (max ${SEM_MAX}, 3 users) | ${n(semT.acquired)} acquires | | | | | ${n(semT.timeouts)} timeouts, ${n(semT.aborts)} aborts, ${semT.closedHolding} permits on a closed handle; ends at ${semValue}/${SEM_MAX}, ${semWaiters} waiters |`,
  "",
  `Bun-side waits that ended early: ${Object.entries(counters).map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
  "",
  "| Bun process | role | RSS MB start / after warm-up / end (peak) | threads start / after warm-up / end (peak) |",
  "|---|---|---|---|",
  ...resources.map((r) =>
    `| ${r.name} | ${r.role} | ${r.start.rssMb} / ${r.warm.rssMb} / ${r.end.rssMb} (${r.peak.rssMb}) | ${r.start.threads} / ${r.warm.threads} / ${r.end.threads} (${r.peak.threads}) |`),
  "",
  `Totals over the run (all live Bun processes, driver included): ${timeline.map((p) => `${p.t} s ${p.rssMb} MB/${p.threads} thr`).join(", ")}`,
  ...[...crashed, ...hung.map((h) => `hung: ${h}`), ...workT.examples, ...laneT.examples, ...varsT.examples].map((l) => `- ${l}`),
  "",
  failures.length ? `FAIL: ${failures.join("; ")}` : "OK: nothing lost, nothing duplicated, counter exact, semaphore whole, no growth after warm-up, nothing left in ipcs",
];
console.log(`\n${report.join("\n")}`);
if (flag("write-results")) {
  const section = ["## Soak", "", `\`bun bench/soak.ts\` (not in CI; see its header), ${new Date().toISOString()}, bun ${Bun.version}.`, "", ...report, ""];
  writeFileSync(join(import.meta.dir, "results", "soak.md"), section.join("\n"));
}
console.log(JSON.stringify({
  soak: "bun-sysv", ok: failures.length === 0, failures, seconds, seed, rate, burst,
  work: workT, lanes: laneT, vars: varsT, sem: { ...semT, value: semValue, max: SEM_MAX, waiters: semWaiters },
  kills, crashed, hung, counters, resources, timeline, limits: { maxThreadGrowth, maxRssGrowthMb },
  keys: { work: work.key, lanes: lane.key, vars: vars.key, sem: sem.key }, leftIpc,
}));
process.exit(failures.length ? 1 : 0);
