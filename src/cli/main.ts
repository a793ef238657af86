#!/usr/bin/env bun
/**
 * `bun-sysv`: look inside the System V objects PHP and Bun processes share.
 *
 * ```sh
 * bunx bun-sysv ls
 * bunx bun-sysv show 0x5eed0001
 * ```
 * Exit status: 0 ok, 1 failure (no such key, permission denied, corrupt data), 2 usage error.
 * @module
 */
import { keyHex } from "../keys/key.ts";
import { IpcError } from "../errors.ts";
import { ftok } from "../keys/ftok.ts";
import { ls } from "./ls.ts";
import { rm } from "./rm.ts";
import { show } from "./show.ts";
import { watch } from "./watch.ts";
import { json } from "./format.ts";
import { CliFailure, HelpShown, parse, UsageError } from "./usage.ts";

const HELP = `Usage: bun-sysv <command> [options]

Commands:
  ls                  list System V objects, readable, with what each one is
  show <key|id>       decode a PHP store, dump a segment, peek a queue, read a semaphore set
  rm <key|id>...      remove objects (asks unless --yes); rm --stale removes abandoned ones
  ftok <path> <proj>  the key ftok() (and PHP) computes, hex and decimal
  watch <key|id>      redraw a queue, store or set every second

Run bun-sysv <command> --help for a command's options.
Exit status: 0 ok, 1 failure, 2 usage error.`;

const FTOK_HELP = `Usage: bun-sysv ftok <path> <proj> [--json]

Prints the key PHP's ftok($path, $proj) gives: hex and decimal. <proj> is one character.

Options:
  --json      { "key": ..., "hex": ... }
  -h, --help  this help`;

function ftokCommand(args: string[]): number {
  const { values, positionals } = parse(args, FTOK_HELP, { json: { type: "boolean" } });
  if (positionals.length !== 2) throw new UsageError(`ftok takes <path> <proj>, got ${positionals.length} argument(s)`);
  const [path, proj] = positionals as [string, string];
  if (proj.length !== 1) throw new UsageError(`<proj> must be one character, got '${proj}'`);
  let key: number;
  try {
    key = ftok(path, proj);
  } catch (e) {
    throw new CliFailure(e instanceof Error ? e.message : String(e));
  }
  const hex = keyHex(key);
  console.log(values.json ? json({ path, proj, key, hex }) : `${hex} ${key}`);
  return 0;
}

/** Runs the CLI on `argv` (without `bun` and the script); resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "ls": return ls(args);
      case "show": return show(args);
      case "rm": return rm(args);
      case "ftok": return ftokCommand(args);
      case "watch": return await watch(args);
      case undefined:
        console.error(HELP);
        return 2;
      case "-h": case "--help": case "help":
        console.log(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof HelpShown) return 0;
    if (e instanceof UsageError) {
      console.error(`bun-sysv: ${e.message}\nRun bun-sysv ${command && command !== "--help" && ["ls", "show", "rm", "ftok", "watch"].includes(command) ? `${command} ` : ""}--help for usage.`);
      return 2;
    }
    if (e instanceof CliFailure || e instanceof IpcError) {
      console.error(`bun-sysv: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
