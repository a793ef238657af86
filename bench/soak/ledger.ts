/**
 * The soak's accounting: reads every worker's log (see `config.ts` for the lines) and decides what was
 * sent, received, drained, lost and duplicated.
 *
 * **The loss rule.** Work-queue consumers are never killed (they are stopped by a stop message), so a
 * work message is lost when a producer logged it sent (after its send resolved) and no consumer logged it
 * received and the final drain did not find it. Lane consumers *are* killed with SIGKILL, and a kill can
 * land between the kernel handing over a message and the `g` line: so a lane consumer writes `c <seq>`
 * (a claim: "I am about to receive exactly this type") before it receives. A missing lane message claimed
 * by a process the driver killed is counted as `killedInFlight` (the kill took it, at most one or two
 * per kill), never as lost; a missing message claimed only by live processes, or by nobody, is lost.
 * A kill therefore cannot fake a loss, and a loss cannot hide behind a kill unless the kill hit the one
 * process that had claimed that very message.
 *
 * @example
 * ```ts
 * const work = workLedger(["/tmp/run/p1.log"], ["/tmp/run/c1.log"], drainedIds);
 * work.lost; // 0
 * ```
 * @module
 */
import { existsSync, readFileSync } from "node:fs";

/** Lines of a log file (missing file = none). */
export function lines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** Totals of one traffic kind. */
export interface Tally {
  sent: number;
  received: number;
  drained: number;
  lost: number;
  duplicated: number;
  /** Received ids nobody logged as sent (a send that rejected although the kernel took it). */
  phantom: number;
  /** First few lost / duplicated ids, for the report. */
  examples: string[];
}

function tally(sent: Set<string>, got: Map<string, number>, drained: Set<string>, lostAllowed = (_id: string) => false) {
  const t: Tally & { killedInFlight: number } = { sent: sent.size, received: 0, drained: 0, lost: 0, duplicated: 0, phantom: 0, killedInFlight: 0, examples: [] };
  for (const [id, n] of got) {
    t.received += n;
    if (n > 1) { t.duplicated += n - 1; if (t.examples.length < 10) t.examples.push(`dup ${id} x${n}`); }
    if (!sent.has(id)) { t.phantom += n; if (t.examples.length < 10) t.examples.push(`phantom ${id}`); }
  }
  for (const id of drained) {
    t.drained++;
    if (got.has(id)) { t.duplicated++; if (t.examples.length < 10) t.examples.push(`dup ${id} (received and drained)`); }
    if (!sent.has(id)) t.phantom++;
  }
  for (const id of sent) {
    if (got.has(id) || drained.has(id)) continue;
    if (lostAllowed(id)) { t.killedInFlight++; continue; }
    t.lost++;
    if (t.examples.length < 10) t.examples.push(`lost ${id}`);
  }
  return t;
}

function sentIds(producerLogs: string[], prefix = ""): Set<string> {
  const sent = new Set<string>();
  for (const log of producerLogs) for (const l of lines(log)) if (l.startsWith("s ") && l.startsWith(`s ${prefix}`)) sent.add(l.slice(2));
  return sent;
}

/** Work queue: ids `<producer>:<seq>`; `drained` = ids the driver found left in the queue. */
export function workLedger(producerLogs: string[], consumerLogs: string[], drained: string[]): Tally {
  const got = new Map<string, number>();
  for (const log of consumerLogs) for (const l of lines(log)) if (l.startsWith("g ")) got.set(l.slice(2), (got.get(l.slice(2)) ?? 0) + 1);
  const { killedInFlight: _, ...t } = tally(sentIds(producerLogs), got, new Set(drained));
  return t;
}

/** Lanes: ids `L<lane>:<seq>`; lane logs `lane-<L>.log`; `killedPids` = lane consumers the driver SIGKILLed. */
export function laneLedger(
  producerLogs: string[], laneLogs: Map<number, string>, drained: string[], killedPids: Set<number>,
): Tally & { killedInFlight: number; mismatched: number; skipped: number } {
  const got = new Map<string, number>();
  const claimedByKilled = new Set<string>();
  let mismatched = 0, skipped = 0;
  for (const [lane, log] of laneLogs) {
    for (const l of lines(log)) {
      const [kind, seq, pid] = l.split(" ");
      const id = `L${lane}:${seq}`;
      if (kind === "g") got.set(id, (got.get(id) ?? 0) + 1);
      else if (kind === "c" && killedPids.has(Number(pid))) claimedByKilled.add(id);
      else if (kind === "m") mismatched++;
      else if (kind === "x") skipped++;
    }
  }
  const t = tally(sentIds(producerLogs, "L"), got, new Set(drained), (id) => claimedByKilled.has(id));
  return { ...t, mismatched, skipped };
}

/** SharedVariables counter: `final` = `{ n, by }` read at the end; `logs` = name -> log; `killed` = names killed. */
export function varsLedger(final: { n: number; by: Record<string, number> } | undefined, logs: Map<string, string>, killed: Set<string>) {
  const n = final?.n ?? 0, by = final?.by ?? {};
  const sumBy = Object.values(by).reduce((a, b) => a + b, 0);
  let logged = 0, mismatches = 0, killedUnlogged = 0;
  const examples: string[] = [];
  for (const [name, log] of logs) {
    const count = lines(log).filter((l) => l === "v").length;
    logged += count;
    const stored = by[name] ?? 0;
    // A process killed between its store and its log line has one increment more stored than logged.
    if (stored === count) continue;
    if (killed.has(name) && stored === count + 1) { killedUnlogged++; continue; }
    mismatches++;
    if (examples.length < 10) examples.push(`${name}: stored ${stored}, logged ${count}`);
  }
  return { counter: n, sumBy, logged, killedUnlogged, exact: n === sumBy && mismatches === 0, mismatches, examples };
}

/** Semaphore users' logs: acquired (`a`), timeouts (`t`), aborts (`b`), permits left on closed handles (`k`). */
export function semLedger(logs: string[]) {
  const c = { acquired: 0, timeouts: 0, aborts: 0, closedHolding: 0 };
  for (const log of logs) for (const l of lines(log)) {
    if (l === "a") c.acquired++;
    else if (l === "t") c.timeouts++;
    else if (l === "b") c.aborts++;
    else if (l === "k") c.closedHolding++;
  }
  return c;
}

/** The `# {...}` counter lines Bun workers write at exit, summed. */
export function workerCounters(logs: string[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const log of logs) for (const l of lines(log)) {
    if (!l.startsWith("# ")) continue;
    for (const [k, v] of Object.entries(JSON.parse(l.slice(2)) as Record<string, number>)) sum[k] = (sum[k] ?? 0) + v;
  }
  return sum;
}
