/**
 * `bun-sysv ls`: every System V object like `ipcs`, readable and classified.
 *
 * @example
 * ```ts
 * ls(["--queues", "--json"]);
 * ```
 * @module
 */
import { describeAll, userId, type ObjectInfo, type PidInfo } from "./objects.ts";
import { json, table } from "./format.ts";
import { KIND_OPTIONS, kindOf, parse, UsageError } from "./usage.ts";

export const LS_HELP = `Usage: bun-sysv ls [--shm|--queues|--sems] [--owner USER] [--json]

Lists System V objects: key (hex and decimal), id, owner, mode, size, messages,
attach count, creator and last pids (alive or dead), last use, and what the
object is (PHP shm_attach store, PHP sem_get set, bun-sysv pool queue, raw).

Classifying a segment attaches it read-only for a moment.

Options:
  --shm, --queues, --sems   only that kind
  --owner USER              only objects owned by USER (name or uid)
  --json                    JSON array
  -h, --help                this help`;

/** `1234` or `1234(dead)`. */
export function pidText(p: PidInfo | undefined): string {
  return p ? `${p.pid}${p.alive ? "" : "(dead)"}` : "-";
}

function lastUse(o: ObjectInfo): string {
  const times = Object.entries(o.times).filter(([name]) => name !== "changed").map(([, t]) => t).sort();
  return times.at(-1) ?? o.times.changed ?? "-";
}

/** Runs `ls`; returns the exit status. */
export function ls(args: string[]): number {
  const { values, positionals } = parse(args, LS_HELP, { ...KIND_OPTIONS, owner: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length) throw new UsageError(`ls takes no arguments, got '${positionals[0]}'`);
  let objects = describeAll(kindOf(values));
  if (values.owner !== undefined) {
    const uid = userId(values.owner);
    if (uid === undefined) throw new UsageError(`no user '${values.owner}'`);
    objects = objects.filter((o) => o.uid === uid);
  }
  if (values.json) {
    console.log(json(objects));
    return 0;
  }
  if (objects.length === 0) {
    console.log("no System V objects");
    return 0;
  }
  const rows = objects.map((o) => [
    o.kind, o.keyHex, String(o.key), String(o.id), o.owner, o.mode, String(o.size),
    o.messages === undefined ? "-" : String(o.messages), o.attached === undefined ? "-" : String(o.attached),
    pidText(o.creator), o.lastUsers.map(pidText).join(",") || "-", lastUse(o), o.what,
  ]);
  console.log(table(["KIND", "KEY", "DECIMAL", "ID", "OWNER", "MODE", "SIZE", "MSGS", "ATT", "CREATOR", "LAST PIDS", "LAST USE", "WHAT"], rows));
  return 0;
}
