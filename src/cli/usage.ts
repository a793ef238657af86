/**
 * The CLI's argument handling on `node:util`'s `parseArgs`: usage errors (exit 2), `--help`, and
 * `<key|id>` targets resolved to objects.
 *
 * @example
 * ```ts
 * const { values, positionals } = parse(argv, LS_HELP, { json: { type: "boolean" } });
 * const [target] = resolveTargets(["0x5eed0001"], undefined);
 * ```
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatKey } from "../errors.ts";
import { listIpc, type IpcKind, type IpcObject } from "../inspect/sysvipc.ts";
import { toKey } from "../keys/key.ts";

/** Bad command line: printed with a hint, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An expected failure (no such key, permission denied, corrupt data): printed as is, exit status 1. */
export class CliFailure extends Error {
  override name = "CliFailure";
}

/** Printed by `--help`: thrown so that main exits 0 after printing it. */
export class HelpShown extends Error {
  override name = "HelpShown";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `--shm`, `--queues`/`--queue`, `--sems`/`--sem`: which kind of object a command looks at. */
export const KIND_OPTIONS = {
  shm: { type: "boolean" },
  queues: { type: "boolean" },
  queue: { type: "boolean" },
  sems: { type: "boolean" },
  sem: { type: "boolean" },
} as const satisfies Options;

/** Parses `args` for one command (`--help` added); UsageError on anything unknown or malformed. */
export function parse<O extends Options>(args: string[], help: string, options: O) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    throw new HelpShown();
  }
  return parsed as unknown as { values: { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string }; positionals: string[] };
}

/** The kind the kind flags select (UsageError if more than one). */
export function kindOf(values: Record<string, unknown>): IpcKind | undefined {
  const kinds: IpcKind[] = [];
  if (values.shm) kinds.push("shm");
  if (values.queues || values.queue) kinds.push("msg");
  if (values.sems || values.sem) kinds.push("sem");
  if (kinds.length > 1) throw new UsageError("choose at most one of --shm, --queues, --sems");
  return kinds[0];
}

/** A non-negative integer option (UsageError otherwise). */
export function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a non-negative integer, got '${value}'`);
  return Number(value);
}

/**
 * The objects `target` names: `0x...` or `key:N` a key, `id:N` an id, a plain number a key if some
 * object has it, else an id. CliFailure when nothing matches, UsageError when the text is no number.
 */
export function resolveTarget(target: string, kind: IpcKind | undefined): IpcObject[] {
  const m = /^(?:(key|id):)?(-?(?:0x[0-9a-f]+|\d+))$/i.exec(target.trim());
  if (!m) throw new UsageError(`'${target}' is not a key or id (use 0x5eed0001, 1592590337, key:N or id:N)`);
  const [, prefix, digits] = m;
  const negative = digits!.startsWith("-");
  const n = Number(negative ? `-${digits!.slice(1)}` : digits);
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n > 0xffffffff) throw new UsageError(`'${target}' is outside the 32-bit key range`);
  const all = listIpc(kind);
  const asKey = toKey(n); // the library's one key rule: low 32 bits, signed, as PHP passes it to key_t
  // Keys compared as unsigned 32-bit, however the listing or the user wrote them.
  const byKey = all.filter((o) => (o.key >>> 0) === (asKey >>> 0) && o.key !== 0);
  const byId = all.filter((o) => o.id === n);
  const isHex = /0x/i.test(digits!);
  const found = prefix?.toLowerCase() === "id" ? byId : prefix?.toLowerCase() === "key" || isHex ? byKey : byKey.length ? byKey : byId;
  if (found.length === 0) {
    const what = kind ? { shm: "segment", msg: "queue", sem: "semaphore set" }[kind] : "System V object";
    const by = prefix?.toLowerCase() === "id" ? `id ${n}` : isHex || prefix ? `key ${formatKey(asKey)} (${asKey})` : `key ${formatKey(asKey)} (${asKey}) or id ${n}`;
    throw new CliFailure(`no ${what} with ${by}`);
  }
  return found;
}

/** Every object the targets name, each once. */
export function resolveTargets(targets: string[], kind: IpcKind | undefined): IpcObject[] {
  const seen = new Set<string>();
  return targets.flatMap((t) => resolveTarget(t, kind)).filter((o) => {
    const id = `${o.kind}:${o.id}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
