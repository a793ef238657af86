/**
 * `bun-sysv rm`: removes objects by key or id after asking (or with `--yes`); `rm --stale` removes
 * the objects nobody uses any more: every pid they name is dead and nobody is attached.
 *
 * @example
 * ```ts
 * rm(["--stale", "--yes"]);
 * ```
 * @module
 */
import { keyHex } from "../keys/key.ts";
import { IpcError } from "../errors.ts";
import { removeIpc, type IpcObject } from "../inspect/sysvipc.ts";
import { json } from "./format.ts";
import { readSemaphores } from "../sem/stat.ts";
import { describeAll, isStale, type ObjectInfo } from "./objects.ts";
import { denied } from "./show.ts";
import { CliFailure, KIND_OPTIONS, kindOf, parse, resolveTargets, UsageError } from "./usage.ts";

export const RM_HELP = `Usage: bun-sysv rm <key|id>... [--shm|--queues|--sems] [--yes] [--json]
       bun-sysv rm --stale [<key|id>...] [--shm|--queues|--sems] [--dry-run] [--yes] [--json]

Removes System V objects (IPC_RMID). Asks first unless --yes; without a terminal
on stdin, --yes is required.

--stale removes every object whose creator and last users are all dead and that
nobody is attached to (a PHP sem_get set: no live handle). Queues and sets that
never saw a process are left alone. With <key|id>s, only those of them that are stale.

Options:
  --shm, --queues, --sems   only that kind
  --stale                   pick the stale objects instead of naming them
  --dry-run                 list what would be removed, remove nothing
  -y, --yes                 do not ask
  --json                    print what was removed as JSON
  -h, --help                this help`;

function label(o: { kind: string; key: number; id: number }): string {
  return `${o.kind} key ${keyHex(o.key)} id ${o.id}`;
}

function confirm(question: string, yes: boolean | undefined): boolean {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new UsageError("stdin is not a terminal: pass --yes to remove without asking");
  const answer = prompt(`${question} [y/N]`);
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}

/** Objects that {@link isStale} calls stale (sets read for their handle count). */
export function staleObjects(kind: IpcObject["kind"] | undefined): ObjectInfo[] {
  return describeAll(kind, false).filter((o) => {
    if (o.kind !== "sem") return isStale(o);
    try {
      return isStale(o, readSemaphores(o.id, o.size));
    } catch {
      return false;
    }
  });
}

/** Runs `rm`; returns the exit status. */
export function rm(args: string[]): number {
  const { values, positionals } = parse(args, RM_HELP, {
    ...KIND_OPTIONS, stale: { type: "boolean" }, "dry-run": { type: "boolean" }, yes: { type: "boolean", short: "y" }, json: { type: "boolean" },
  });
  const kind = kindOf(values);
  let targets: Array<{ kind: IpcObject["kind"]; key: number; id: number; uid: number; mode: number }>;
  if (values.stale) {
    const only = positionals.length ? new Set(resolveTargets(positionals, kind).map((o) => `${o.kind}:${o.id}`)) : undefined;
    targets = staleObjects(kind).filter((o) => !only || only.has(`${o.kind}:${o.id}`)).map((o) => ({ kind: o.kind, key: o.key, id: o.id, uid: o.uid, mode: parseInt(o.modeOctal, 8) }));
    if (targets.length === 0) {
      console.log(values.json ? "[]" : "nothing stale");
      return 0;
    }
  } else {
    if (positionals.length === 0) throw new UsageError("rm needs at least one <key|id> (or --stale)");
    targets = resolveTargets(positionals, kind);
  }
  if (!values.json) for (const t of targets) console.log(`${values.stale ? "stale: " : ""}${label(t)}`);
  if (values["dry-run"]) {
    if (values.json) console.log(json(targets.map(({ kind, key, id }) => ({ kind, key, id }))));
    return 0;
  }
  if (!confirm(`Remove ${targets.length} object(s)?`, values.yes)) {
    console.log("nothing removed");
    return 1;
  }
  const removed: typeof targets = [];
  const failures: string[] = [];
  for (const t of targets) {
    try {
      removeIpc(t.kind, t.id);
      removed.push(t);
    } catch (e) {
      if (e instanceof IpcError && (e.code === "EPERM" || e.code === "EACCES")) {
        failures.push(denied({ kind: t.kind, key: t.key, keyHex: keyHex(t.key), id: t.id, uid: t.uid, mode: t.mode, size: 0, count: 0, raw: {} }, "remove").message);
      } else if (e instanceof IpcError && (e.code === "EINVAL" || e.code === "EIDRM")) {
        failures.push(`${label(t)} is already gone`);
      } else {
        throw e;
      }
    }
  }
  if (values.json) console.log(json(removed.map(({ kind, key, id }) => ({ kind, key, id }))));
  else for (const t of removed) console.log(`removed ${label(t)}`);
  if (failures.length) throw new CliFailure(failures.join("\n"));
  return 0;
}
