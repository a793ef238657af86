/**
 * `bun-sysv show`: what one object holds. A PHP store: each variable decoded (var_export style or
 * JSON); a raw segment: a hex dump; a queue: its stat and, with `--peek N`, its first messages copied
 * with MSG_COPY (nothing is consumed); a semaphore set: each semaphore's value, waiters and last pid.
 *
 * @example
 * ```ts
 * show(["0x5eed0001", "--json"]);
 * ```
 * @module
 */
import { formatKey, IpcError } from "../errors.ts";
import { IPC_NOWAIT, MSG_COPY } from "../ffi/constants.ts";
import { ERRNO, errnoName } from "../ffi/errno.ts";
import { listIpc, type IpcObject } from "../inspect/sysvipc.ts";
import { QueueIo } from "../msg/io.ts";
import { toQueueStat, tryStatQueue, type QueueStat } from "../msg/stat.ts";
import { parseJson } from "../pool/json.ts";
import { readSemaphores, type SemaphoreState } from "../sem/stat.ts";
import { unserialize } from "../serialize/decode.ts";
import { SharedMemory } from "../shm/segment.ts";
import { SharedVariables } from "../vars/variables.ts";
import { hexDump, json, printLine, table, toJsonValue, varExport } from "./format.ts";
import { pidText } from "./ls.ts";
import { describe, localTime, queueKeysOf, rwx, userName, type ObjectInfo } from "./objects.ts";
import { CliFailure, count, KIND_OPTIONS, kindOf, parse, resolveTargets, UsageError } from "./usage.ts";

export const SHOW_HELP = `Usage: bun-sysv show <key|id> [--shm|--queues|--sems] [--json] [--peek N] [--bytes N]

Shows what an object holds:
  PHP shm_attach store  each variable key and its decoded value (PHP var_export style)
  other segment         a hex dump of its first bytes (--bytes, default 256)
  message queue         its stat; with --peek N its first N messages, decoded (PHP serialize or JSON), copied
                        with MSG_COPY (nothing is taken off the queue)
  semaphore set         each semaphore's value, waiters (GETNCNT/GETZCNT) and last pid

<key|id>: 0x5eed0001 or key:N is a key, id:N an id; a plain number is a key if an
object has it, else an id. A key used by several kinds shows each (or pick one).
Exit status 1 when a store is corrupt (reported, with what could be read).

Options:
  --shm, --queues, --sems   only that kind
  --peek N                  queues: decode the first N messages
  --bytes N                 raw segments: bytes to dump (default 256)
  --json                    JSON
  -h, --help                this help`;

/** The readable description of one row (as `ls` gives it; segments are classified by reading them here). */
function info(o: IpcObject): ObjectInfo {
  return describe(o, { queueKeys: queueKeysOf(listIpc("msg")), classify: false });
}

/** A clear "permission denied" naming the mode and the owner, for an EACCES/EPERM. */
export function denied(o: IpcObject, action: string): CliFailure {
  const me = process.getuid?.() ?? -1;
  const mode = `${rwx(o.mode)} (${o.mode.toString(8).padStart(4, "0")})`;
  return new CliFailure(`permission denied: cannot ${action} ${o.kind} ${formatKey(o.key)} (id ${o.id}): mode ${mode}, owner ${userName(o.uid)} (uid ${o.uid}); you are ${userName(me)} (uid ${me})`);
}

function isDenied(e: unknown): boolean {
  return e instanceof IpcError && (e.code === "EACCES" || e.code === "EPERM");
}

/** One variable of a store: its value, or why it could not be decoded. */
export interface VariableReport {
  key: number | bigint;
  value?: unknown;
  error?: string;
}

/** What `show` found in a segment. */
export interface SegmentReport {
  store: boolean;
  stat?: { size: number; total: number; used: number; free: number; count: number };
  variables?: VariableReport[];
  corrupt?: string;
  hex?: string;
}

/** Reads segment `o`: decoded variables if it is a PHP store, else the first `bytes` bytes. */
export function readSegment(o: IpcObject, bytes: number): SegmentReport {
  let shm: SharedMemory;
  try {
    shm = SharedMemory.openId(o.id, { readOnly: true });
  } catch (e) {
    if (isDenied(e)) throw denied(o, "attach");
    throw e;
  }
  try {
    let vars: SharedVariables;
    try {
      vars = SharedVariables.fromSegment(shm, { unserialize: { exact: true } }, false);
    } catch {
      return { store: false, hex: hexDump(shm.read(0, Math.min(bytes, shm.size))) };
    }
    const report: SegmentReport = { store: true, variables: [] };
    try {
      report.stat = vars.stat();
      for (const key of vars.keys()) {
        try {
          report.variables!.push({ key, value: vars.get(key) });
        } catch (e) {
          report.variables!.push({ key, error: e instanceof Error ? e.message : String(e) });
          report.corrupt ??= `variable ${key} cannot be decoded`;
        }
      }
    } catch (e) {
      report.corrupt = e instanceof Error ? e.message : String(e);
      report.hex = hexDump(shm.read(0, Math.min(bytes, shm.size)));
    }
    return report;
  } finally {
    shm.detach();
  }
}

/** One message copied off a queue. */
export interface PeekedMessage {
  index: number;
  type: number | bigint;
  bytes: number;
  value?: unknown;
  /** The message is JSON (a pool's batch, type 4), decoded into `value`; else `value` came from PHP unserialize. */
  json?: true;
  text?: string;
}


/** The first `n` messages of queue `o`, copied with MSG_COPY; `unsupported` when the kernel lacks it. */
export function peekQueue(o: IpcObject, n: number): { messages: PeekedMessage[]; unsupported?: string } {
  const io = new QueueIo(o.key, o.id);
  const messages: PeekedMessage[] = [];
  for (let index = 0; index < n; index++) {
    const length = io.receive(io.msgmax, index, MSG_COPY | IPC_NOWAIT);
    if (length === -ERRNO.ENOMSG) break;
    if (length === -ERRNO.ENOSYS) {
      return { messages, unsupported: "this kernel has no MSG_COPY (it needs CONFIG_CHECKPOINT_RESTORE): messages cannot be read without taking them" };
    }
    if (length === -ERRNO.EACCES || length === -ERRNO.EPERM) throw denied(o, "read");
    if (length < 0) throw new CliFailure(`msgrcv(MSG_COPY) on queue id ${o.id}: ${errnoName(-length)}`);
    const payload = io.payload(length);
    const message: PeekedMessage = { index, type: io.buffer.type, bytes: length };
    try {
      message.value = unserialize(payload, { exact: true });
    } catch {
      const json = parseJson(payload, 0, payload.length); // a pool's JSON batch is an object
      if (json !== null && typeof json === "object") Object.assign(message, { value: json, json: true });
      else message.text = new TextDecoder().decode(payload); // sent unserialized
    }
    messages.push(message);
  }
  return { messages };
}

function queueStat(o: IpcObject): QueueStat {
  const raw = tryStatQueue(o.id);
  if (typeof raw === "number") {
    if (raw === ERRNO.EACCES || raw === ERRNO.EPERM) throw denied(o, "stat");
    throw new CliFailure(`msgctl(IPC_STAT) on queue id ${o.id}: ${errnoName(raw)}`);
  }
  return toQueueStat(raw);
}

function semInfo(o: IpcObject): SemaphoreState[] {
  try {
    return readSemaphores(o.id, o.size);
  } catch (e) {
    if (isDenied(e)) throw denied(o, "read");
    throw e;
  }
}

function time(d: Date | null): string {
  return d ? localTime(d.getTime() / 1000) : "never";
}

/** Runs `show`; returns the exit status. */
export function show(args: string[]): number {
  const { values, positionals } = parse(args, SHOW_HELP, {
    ...KIND_OPTIONS, json: { type: "boolean" }, peek: { type: "string" }, bytes: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError(`show takes one <key|id>, got ${positionals.length}`);
  const peek = count(values.peek, "peek", 0), bytes = count(values.bytes, "bytes", 256);
  let status = 0;
  const reports: unknown[] = [];
  for (const o of resolveTargets(positionals, kindOf(values))) {
    const head = info(o);
    const header = `${o.kind} ${head.keyHex} (${o.key}) id ${o.id}  owner ${head.owner}  mode ${head.mode}`;
    if (o.kind === "shm") {
      const seg = readSegment(o, bytes);
      if (seg.corrupt) status = 1;
      if (values.json) {
        reports.push({ ...head, type: seg.store ? (seg.corrupt ? "php-store-corrupt" : "php-store") : "raw", what: seg.store ? "PHP shm_attach store" : "raw segment", store: seg.store, stat: seg.stat, corrupt: seg.corrupt, hex: seg.hex,
          variables: seg.variables?.map((v) => ({ key: v.key, ...(v.error ? { error: v.error } : { value: toJsonValue(v.value) }) })) });
        continue;
      }
      console.log(`${header}  size ${o.size}  attached ${head.attached}  creator ${pidText(head.creator)}`);
      if (!seg.store) {
        console.log(`raw segment, first ${Math.min(bytes, o.size)} bytes:\n${seg.hex}`);
        continue;
      }
      if (seg.stat) console.log(`PHP shm_attach store: ${seg.stat.count} variable(s), ${seg.stat.used} bytes used, ${seg.stat.free} free`);
      for (const v of seg.variables ?? []) printLine(`${v.key} => `, v.error ? `CORRUPT: ${v.error}` : varExport(v.value));
      if (seg.corrupt) {
        console.log(`CORRUPT store: ${seg.corrupt}`);
        if (seg.hex) console.log(seg.hex);
      }
    } else if (o.kind === "msg") {
      const stat = queueStat(o);
      const peeked = peek > 0 ? peekQueue(o, peek) : undefined;
      if (peeked?.unsupported) status = 1;
      if (values.json) {
        reports.push({ ...head, stat, peek: peeked && {
          unsupported: peeked.unsupported,
          messages: peeked.messages.map((m) => ({ index: m.index, type: m.type, bytes: m.bytes, ...(m.text !== undefined ? { text: m.text } : m.json ? { json: true, value: m.value } : { value: toJsonValue(m.value) }) })),
        } });
        continue;
      }
      console.log(`${header}  ${head.what}`);
      console.log(table(["FIELD", "VALUE"], [
        ["messages", String(stat.messages)], ["bytes", String(stat.bytes)], ["capacity", String(stat.maxBytes)],
        ["last send", `${time(stat.lastSend)} by ${stat.lastSendPid || "-"}`],
        ["last receive", `${time(stat.lastReceive)} by ${stat.lastReceivePid || "-"}`],
        ["changed", time(stat.changed)],
      ]));
      if (peeked) {
        for (const m of peeked.messages) {
          printLine(`#${m.index} type ${m.type} (${m.bytes} bytes): `, m.text !== undefined ? `(not serialized) ${JSON.stringify(m.text)}` : m.json ? `(JSON) ${JSON.stringify(m.value)}` : varExport(m.value));
        }
        if (peeked.unsupported) console.log(peeked.unsupported);
        else if (peeked.messages.length === 0) console.log("(no messages)");
      }
    } else {
      const sems = semInfo(o);
      const full = describe(o, { queueKeys: new Set(), classify: true });
      if (values.json) {
        reports.push({ ...full, semaphores: sems });
        continue;
      }
      console.log(`${header}  ${full.what}`);
      const names = full.type === "php-sem" ? ["counter", "handles", "init lock"] : [];
      console.log(table(["SEM", "ROLE", "VALUE", "NCNT", "ZCNT", "LAST PID"], sems.map((s) => [
        String(s.index), names[s.index] ?? "-", String(s.value), String(s.ncnt), String(s.zcnt), s.pid ? pidText({ pid: s.pid, alive: full.lastUsers.find((p) => p.pid === s.pid)?.alive ?? false }) : "-",
      ])));
    }
  }
  if (values.json) console.log(json(reports.length === 1 ? reports[0] : reports));
  return status;
}
