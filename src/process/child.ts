/**
 * Starting children the spawn way (Bun cannot fork): {@link spawnChild} runs a module, usually this very
 * file, again in another role; {@link spawnProcess} runs any command (a PHP script, ...). Each child has
 * its pid, `exited` (exit code or signal), `kill()`, optional stdio pipes read proc_open style without
 * deadlock ({@link ChildProcess.output}), and an optional channel to the parent on fd 3. Children are
 * stopped when this process ends unless `detached` (see registry.ts).
 *
 * @example
 * ```ts
 * import { currentRole, parentChannel, spawnChild } from "bun-sysv";
 * if (currentRole() === "doubler") {
 *   const ch = parentChannel<number>()!;
 *   ch.send((await ch.receive()) * 2);
 *   ch.close();
 * } else {
 *   await using child = spawnChild(import.meta.path, { role: "doubler", channel: true });
 *   child.channel!.send(21);
 *   console.log(await child.channel!.receive()); // 42
 *   console.log(await child.exited); // { code: 0, signal: null }
 * }
 * ```
 * @module
 */
import type { Subprocess } from "bun";
import { Channel, type ChannelOptions } from "../channel/channel.ts";
import { channelPair } from "../channel/socket.ts";
import { libc } from "../ffi/libc.ts";
import { ERRNO, errorFor } from "../ffi/errno.ts";
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { untrack, track } from "./registry.ts";
import { CHILD_ENV } from "./role.ts";
import { signalNumber } from "../signals/names.ts";
import { waitStatus, type ChildExit } from "./status.ts";

/** Where a child's stdin, stdout or stderr goes: a pipe to this process, this process's own, or nowhere. */
export type StdioMode = "pipe" | "inherit" | "ignore";

/** Options of {@link spawnProcess}. */
export interface ProcessOptions {
  /** Extra environment variables (on top of this process's environment; `undefined` removes one). */
  env?: Record<string, string | undefined>;
  /** Working directory. */
  cwd?: string;
  /** Child's stdin: default `"ignore"`. */
  stdin?: StdioMode;
  /** Child's stdout: default `"inherit"`. */
  stdout?: StdioMode;
  /** Child's stderr: default `"inherit"`. */
  stderr?: StdioMode;
  /**
   * A channel to the child on its fd 3: `true` makes a new socket pair (the parent's end is
   * `child.channel`), or pass one end of {@link channelPair} not yet used here (the child gets it).
   */
  channel?: boolean | Channel;
  /** Codec and frame limit of the channel made by `channel: true`. */
  channelOptions?: ChannelOptions;
  /** Not stopped when this process ends, and not told to die with it (default false). */
  detached?: boolean;
}

/** Options of {@link spawnChild}: those of {@link spawnProcess}, plus the role and its arguments. */
export interface ChildOptions extends ProcessOptions {
  /** The role the child sees in {@link currentRole} (default `"child"`). */
  role?: string;
  /** Arguments after the module path (`process.argv.slice(2)` in the child). */
  args?: readonly (string | number)[];
}

type AnySubprocess = Subprocess<"pipe" | "inherit" | "ignore", "pipe" | "inherit" | "ignore", "pipe" | "inherit" | "ignore">;

/** What {@link ChildProcess.output} collects. */
export interface ChildOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exit: ChildExit;
}

async function readAll(stream: ReadableStream<Uint8Array> | null | undefined): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A started child process. */
export class ChildProcess {
  /** Its process id. */
  readonly pid: number;
  /** The role it was started in (`undefined` for {@link spawnProcess}). */
  readonly role: string | undefined;
  /** The command line. */
  readonly command: readonly string[];
  /** Resolves once it has exited: its exit code, or the signal that ended it. */
  readonly exited: Promise<ChildExit>;
  /** The channel to it (fd 3 in the child), when started with `channel: true`. */
  readonly channel: Channel | null;
  /** Set once it has exited. */
  exit: ChildExit | undefined;
  readonly #proc: AnySubprocess;

  /** Internal: use {@link spawnChild} or {@link spawnProcess}. */
  constructor(command: readonly string[], role: string | undefined, options: ProcessOptions) {
    let childFd = -1;
    let channel: Channel | null = null;
    if (options.channel === true) {
      const [mine, theirs] = channelPair(options.channelOptions);
      channel = mine;
      childFd = theirs.transferFd();
    } else if (options.channel instanceof Channel) {
      childFd = options.channel.transferFd();
    }
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    for (const name of Object.values(CHILD_ENV)) delete env[name];
    // Only a module started in a role gets them (role.ts checks they come from its parent).
    if (role !== undefined) {
      env[CHILD_ENV.role] = role;
      env[CHILD_ENV.parent] = String(process.pid);
      if (options.detached) env[CHILD_ENV.detached] = "1";
    }
    if (childFd >= 0) env[CHILD_ENV.channel] = "3";
    const stdio = [options.stdin ?? "ignore", options.stdout ?? "inherit", options.stderr ?? "inherit"] as const;
    try {
      this.#proc = Bun.spawn([...command], {
        cwd: options.cwd,
        env: env as Record<string, string>,
        stdio: childFd >= 0 ? [...stdio, childFd] : [...stdio],
        detached: options.detached ?? false,
      } as Parameters<typeof Bun.spawn>[1]) as AnySubprocess;
    } catch (error) {
      channel?.close();
      throw error;
    } finally {
      if (childFd >= 0) libc.close(childFd); // the child has its copy as fd 3
    }
    this.pid = this.#proc.pid;
    this.role = role;
    this.command = [...command];
    this.channel = channel;
    this.exited = this.#proc.exited.then(() => {
      const signal = this.#proc.signalCode;
      const exit: ChildExit = signal ? { code: null, signal: String(signal) } : { code: this.#proc.exitCode ?? 0, signal: null };
      this.exit = exit;
      untrack(this);
      return exit;
    });
    track(this, !options.detached);
  }

  /** The wait status int (as `pcntl_waitpid` gives it) once exited, else `undefined`. */
  get status(): number | undefined {
    return this.exit ? waitStatus(this.exit) : undefined;
  }

  /** Exit state known synchronously (set by Bun as soon as it reaps the child, before `exited` resolves). */
  get exitNow(): ChildExit | undefined {
    if (this.exit) return this.exit;
    const signal = this.#proc.signalCode;
    if (signal) return { code: null, signal: String(signal) };
    const code = this.#proc.exitCode;
    return code === null ? undefined : { code, signal: null };
  }

  /** Sends a signal (name or number; default SIGTERM). False when it has already exited or it failed. */
  kill(signal: string | number = "SIGTERM"): boolean {
    if (this.exitNow) return false;
    const number = signalNumber(signal);
    return libc.kill(this.pid, number) === 0;
  }

  /** Lets this process exit while the child runs (a detached daemon's parent). */
  unref(): void {
    this.#proc.unref();
  }

  /** Undoes {@link ChildProcess.unref}: this process waits for the child again. */
  ref(): void {
    this.#proc.ref();
  }

  /** The child's stdin when it is a pipe (write, then `end()`), else `null`. */
  get stdin(): import("bun").FileSink | null {
    const stdin = this.#proc.stdin;
    return typeof stdin === "object" && stdin !== null ? (stdin as import("bun").FileSink) : null;
  }

  /** The child's stdout when it is a pipe, else `null`. */
  get stdout(): ReadableStream<Uint8Array> | null {
    const out = this.#proc.stdout;
    return out instanceof ReadableStream ? out : null;
  }

  /** The child's stderr when it is a pipe, else `null`. */
  get stderr(): ReadableStream<Uint8Array> | null {
    const err = this.#proc.stderr;
    return err instanceof ReadableStream ? err : null;
  }

  /**
   * proc_open done right: writes `input` (if any) to stdin and closes it, reads stdout and stderr
   * together (so a child filling one pipe never blocks on the other), then waits for the exit.
   */
  async output(input?: string | Uint8Array): Promise<ChildOutput> {
    const stdin = this.stdin;
    const writing = (async () => {
      if (!stdin) return;
      try {
        if (input !== undefined) stdin.write(input);
        await stdin.end();
      } catch {
        // the child closed its stdin early: what it read is what it got
      }
    })();
    const [stdout, stderr] = await Promise.all([readAll(this.stdout), readAll(this.stderr), writing]);
    return { stdout, stderr, exit: await this.exited };
  }

  /** Stops it (SIGTERM, then SIGKILL after `graceMs`) and waits for the exit. */
  async stop(graceMs = 2000): Promise<ChildExit> {
    if (this.kill("SIGTERM")) {
      const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    this.channel?.close();
    return this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** `"pid 123 (worker)"`. */
  toString(): string {
    return `pid ${this.pid}${this.role ? ` (${this.role})` : ""}${this.exit ? `, exited ${this.exit.signal ?? this.exit.code}` : ""}`;
  }
}

/**
 * Starts `module` (a file path, usually `import.meta.path`) as a new Bun process in `role`; there
 * {@link currentRole} returns the role and `process.argv.slice(2)` the `args`.
 *
 * @example
 * ```ts
 * import { currentRole, spawnChild } from "bun-sysv";
 * if (currentRole() === "child") process.exit(3);
 * const child = spawnChild(import.meta.path);
 * console.log(await child.exited); // { code: 3, signal: null }
 * ```
 */
export function spawnChild(module: string, options: ChildOptions = {}): ChildProcess {
  if (typeof module !== "string" || module === "") {
    throw new TypeError(`spawnChild: module must be a file path (usually import.meta.path), got ${module === "" ? "an empty string" : typeof module}`);
  }
  // An absolute path is checked here: otherwise the child starts, says "Module not found" on its stderr
  // and exits 1, and the caller sees a child that failed for no reason it was told.
  if (isAbsolute(module) && !existsSync(module)) {
    throw errorFor(ERRNO.ENOENT, "spawnChild", { detail: `no such module ${module}` });
  }
  const role = options.role ?? "child";
  if (typeof role !== "string" || role === "") throw new TypeError(`spawnChild: role must be a non-empty string, got ${JSON.stringify(role)}`);
  const args = (options.args ?? []).map(String);
  return new ChildProcess([process.execPath, module, ...args], role, options);
}

/**
 * Starts any command as a tracked child (same options as {@link spawnChild} but no role).
 *
 * @example
 * ```ts
 * import { spawnProcess } from "bun-sysv";
 * const child = spawnProcess(["sh", "-c", "echo out; echo err >&2"], { stdout: "pipe", stderr: "pipe" });
 * const { stdout, stderr, exit } = await child.output();
 * ```
 */
export function spawnProcess(command: readonly string[], options: ProcessOptions = {}): ChildProcess {
  if (command.length === 0) throw new TypeError("spawnProcess: the command is empty");
  return new ChildProcess(command, undefined, options);
}


