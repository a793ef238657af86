/**
 * What the CLI knows about one System V object: the `/proc/sysvipc` row ({@link listIpc}) made readable
 * (owner name, rwx mode, local times, whether the pids it names are alive) and classified: a PHP
 * `shm_attach` store, a PHP `sem_get` set, a bun-sysv pool queue, or raw.
 *
 * @example
 * ```ts
 * for (const o of describeAll()) console.log(o.kind, o.keyHex, o.what);
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { IpcError, formatKey } from "../errors.ts";
import { listIpc, type IpcKind, type IpcObject } from "../inspect/sysvipc.ts";
import { RESULTS_PROJ, TASKS_PROJ } from "../pool/queues.ts";
import { processAlive } from "../process/alive.ts";
import { SEM_COUNTER, SEM_INIT_LOCK, SEM_USAGE, SET_SIZE } from "../sem/protocol.ts";
import { readSemaphores, type SemaphoreState } from "../sem/stat.ts";
import { SharedMemory } from "../shm/segment.ts";
import { SharedVariables } from "../vars/variables.ts";

/** What an object holds, as far as its bytes and shape tell. */
export type ObjectType = "php-store" | "php-store-corrupt" | "php-sem" | "pool-tasks" | "pool-results" | "raw" | "unreadable";

/** A process id the object names, and whether it still runs. */
export interface PidInfo {
  pid: number;
  alive: boolean;
}

/** One object, readable. */
export interface ObjectInfo {
  kind: IpcKind;
  key: number;
  keyHex: string;
  id: number;
  uid: number;
  owner: string;
  /** Permission bits as `rw-r-----`, and in octal. */
  mode: string;
  modeOctal: string;
  /** shm: segment size; msg: bytes queued; sem: number of semaphores. */
  size: number;
  /** msg: messages queued. */
  messages?: number;
  /** shm: attach count. */
  attached?: number;
  /** shm: creator pid; msg, sem: none (the kernel keeps none). */
  creator?: PidInfo;
  /** shm: last attach/detach; msg: last send and last receive; sem: last operation on each semaphore. */
  lastUsers: PidInfo[];
  /** Local times of last use (absent when never). */
  times: Record<string, string>;
  type: ObjectType;
  /** One line saying what it is. */
  what: string;
}

let users: Map<number, string> | undefined;

/** The user name of `uid` from /etc/passwd (the number when it has none). */
export function userName(uid: number): string {
  if (!users) {
    users = new Map();
    try {
      for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
        const [name, , id] = line.split(":");
        if (name && id) users.set(Number(id), name);
      }
    } catch { /* no passwd: numbers */ }
  }
  return users.get(uid) ?? String(uid);
}

/** The uid of a user name or number, or undefined if unknown. */
export function userId(user: string): number | undefined {
  if (/^\d+$/.test(user)) return Number(user);
  userName(0);
  for (const [uid, name] of users!) if (name === user) return uid;
  return undefined;
}

/** Permission bits in `ls -l` form: `rw-r-----`. */
export function rwx(mode: number): string {
  let out = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    out += (bits & 4 ? "r" : "-") + (bits & 2 ? "w" : "-") + (bits & 1 ? "x" : "-");
  }
  return out;
}

/** A unix time in seconds as local `YYYY-MM-DD HH:MM:SS`. */
export function localTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function pid(pid: number): PidInfo {
  return { pid, alive: processAlive(pid) };
}

/** Whether a set's values follow PHP's sem_get protocol (3 semaphores, init lock 0/1, usage >= 0). */
function isPhpSet(sems: SemaphoreState[]): boolean {
  return sems.length === SET_SIZE && sems[SEM_INIT_LOCK]!.value <= 1;
}

/** Classifies a segment by attaching it read-only: a PHP store if its header and chunk chain check out. */
function classifySegment(id: number): { type: ObjectType; what: string } {
  let shm: SharedMemory;
  try {
    shm = SharedMemory.openId(id, { readOnly: true });
  } catch (e) {
    return { type: "unreadable", what: `cannot attach (${e instanceof IpcError ? e.code : String(e)})` };
  }
  try {
    const vars = SharedVariables.fromSegment(shm, {}, false);
    try {
      const stat = vars.stat();
      return { type: "php-store", what: `PHP shm_attach store: ${stat.count} variable(s), ${stat.used} of ${stat.total - 40} bytes used` };
    } catch (e) {
      return { type: "php-store-corrupt", what: `PHP shm_attach store, CORRUPT: ${e instanceof Error ? e.message : String(e)}` };
    }
  } catch {
    return { type: "raw", what: "raw segment" };
  } finally {
    shm.detach();
  }
}

/** Pool queues come in pairs: ftok(file, "t") and ftok(file, "r") (same low 24 bits). `queueKeys`: unsigned. */
function poolRole(key: number, queueKeys: Set<number>): ObjectType | undefined {
  const low = key & 0xffffff, proj = (key >>> 24) & 0xff;
  const t = TASKS_PROJ.charCodeAt(0), r = RESULTS_PROJ.charCodeAt(0);
  if (proj === t && queueKeys.has(((r << 24) | low) >>> 0)) return "pool-tasks";
  if (proj === r && queueKeys.has(((t << 24) | low) >>> 0)) return "pool-results";
  return undefined;
}

/** Makes one row readable and classifies it (`classify: false` skips attaching segments and reading sets). */
export function describe(o: IpcObject, context: { queueKeys: Set<number>; classify: boolean }): ObjectInfo {
  const r = o.raw;
  const info: ObjectInfo = {
    kind: o.kind, key: o.key, keyHex: formatKey(o.key), id: o.id, uid: o.uid, owner: userName(o.uid),
    mode: rwx(o.mode), modeOctal: o.mode.toString(8).padStart(4, "0"), size: o.size,
    lastUsers: [], times: {}, type: "raw", what: "",
  };
  const time = (name: string, seconds: number | undefined) => {
    if (seconds) info.times[name] = localTime(seconds);
  };
  if (o.kind === "shm") {
    info.attached = r.nattch;
    info.creator = pid(r.cpid!);
    if (r.lpid) info.lastUsers.push(pid(r.lpid));
    time("attached", r.atime); time("detached", r.dtime); time("changed", r.ctime);
    Object.assign(info, context.classify ? classifySegment(o.id) : { type: "raw", what: "segment" });
  } else if (o.kind === "msg") {
    info.messages = r.qnum;
    for (const p of [r.lspid, r.lrpid]) if (p) info.lastUsers.push(pid(p));
    time("sent", r.stime); time("received", r.rtime); time("changed", r.ctime);
    const role = poolRole(o.key, context.queueKeys);
    info.type = role ?? "raw";
    info.what = role === "pool-tasks" ? "bun-sysv pool task queue" : role === "pool-results" ? "bun-sysv pool result queue" : "message queue";
  } else {
    time("operated", r.otime); time("changed", r.ctime);
    try {
      const sems = readSemaphores(o.id, o.size);
      const seen = new Set<number>();
      for (const s of sems) if (s.pid && !seen.has(s.pid)) { seen.add(s.pid); info.lastUsers.push(pid(s.pid)); }
      if (isPhpSet(sems)) {
        info.type = "php-sem";
        info.what = `PHP sem_get set: ${sems[SEM_COUNTER]!.value} permit(s) free, ${sems[SEM_USAGE]!.value} handle(s), ${sems[SEM_COUNTER]!.ncnt} waiting`;
      } else {
        info.what = `semaphore set: values ${sems.map((s) => s.value).join(", ")}`;
      }
    } catch (e) {
      info.type = "unreadable";
      info.what = `cannot read (${e instanceof IpcError ? e.code : String(e)})`;
    }
  }
  return info;
}

/** The keys of the queues among `objects`, as unsigned numbers (for {@link describe}). */
export function queueKeysOf(objects: IpcObject[]): Set<number> {
  return new Set(objects.filter((o) => o.kind === "msg").map((o) => o.key >>> 0));
}

/** Every object (of one kind), described. */
export function describeAll(kind?: IpcKind, classify = true): ObjectInfo[] {
  const all = listIpc();
  const queueKeys = queueKeysOf(all);
  return all.filter((o) => !kind || o.kind === kind).map((o) => describe(o, { queueKeys, classify }));
}

/**
 * Whether an object is stale: every pid it names is dead, it names at least one, and nobody is attached
 * (shm) / holds a PHP handle (sem). Queues and sets that never saw a pid are not called stale.
 */
export function isStale(info: ObjectInfo, sems?: SemaphoreState[]): boolean {
  const pids = [...(info.creator ? [info.creator] : []), ...info.lastUsers].filter((p) => p.pid > 0);
  if (pids.length === 0 || pids.some((p) => p.alive)) return false;
  if (info.kind === "shm") return info.attached === 0;
  if (info.kind === "sem" && sems && sems.length === SET_SIZE) return sems[SEM_USAGE]!.value === 0;
  return true;
}
