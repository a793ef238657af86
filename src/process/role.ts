/**
 * The child's side of the spawn model: which role this process was started in ({@link currentRole}),
 * and the channel to its parent ({@link parentChannel}). Read once at start-up and removed from
 * `process.env`, so processes this child starts by other means do not inherit them.
 *
 * A child started by {@link spawnChild} (not detached) also asks the kernel for SIGTERM when its parent
 * dies (prctl PR_SET_PDEATHSIG), so a parent killed with SIGKILL leaves no orphan behind, even one
 * blocked in a native call.
 *
 * @example
 * ```ts
 * import { currentRole, spawnChild } from "bun-sysv";
 * if (currentRole() === "worker") {
 *   console.log("worker", process.argv.slice(2));
 *   process.exit(0);
 * }
 * const child = spawnChild(import.meta.path, { role: "worker", args: ["7"] });
 * await child.exited; // { code: 0, signal: null }
 * ```
 * @module
 */
import { PR_SET_PDEATHSIG } from "../ffi/constants.ts";
import { libc } from "../ffi/libc.ts";
import type { Channel, ChannelOptions } from "../channel/channel.ts";
import { channelFromFd } from "../channel/socket.ts";
import { signalNumber } from "../signals/names.ts";

/** Environment variables a parent sets for its child. */
export const CHILD_ENV = {
  /** The role name. */
  role: "BUN_SYSV_ROLE",
  /** The parent's pid: the variables count only in a process whose parent is that pid. */
  parent: "BUN_SYSV_PARENT",
  /** "1" for a detached child (no parent-death signal). */
  detached: "BUN_SYSV_DETACHED",
  /** The descriptor of the channel to the parent (3), when there is one. */
  channel: "BUN_SYSV_CHANNEL_FD",
} as const;

const env = { ...process.env };
for (const name of Object.values(CHILD_ENV)) delete process.env[name];
// Bun.spawn's default environment is the one this process started with, so a process started from a
// child (sh -c "bun other.ts") inherits these variables: they are ours only if our parent set them. A
// parent already gone (we were re-parented to init) still counts: it started us.
const claimedParent = Number(env[CHILD_ENV.parent] ?? 0);
const actualParent = libc.getppid();
const ours = claimedParent > 0 && (actualParent === claimedParent || actualParent === 1);
const role = ours ? env[CHILD_ENV.role] || undefined : undefined;
const channelFd = ours && env[CHILD_ENV.channel] !== undefined ? Number(env[CHILD_ENV.channel]) : -1;

if (ours && env[CHILD_ENV.detached] !== "1" && typeof Bun !== "undefined" && Bun.isMainThread) {
  // Ask for SIGTERM when the parent goes; if it already went before this line, act now.
  libc.prctl(PR_SET_PDEATHSIG, signalNumber("SIGTERM"), 0, 0, 0);
  if (libc.getppid() !== claimedParent) process.kill(process.pid, "SIGTERM");
}

/**
 * The role this process was started in by {@link spawnChild} (`undefined` in the original process).
 *
 * @example
 * ```ts
 * import { currentRole } from "bun-sysv";
 * const isChild = currentRole() !== undefined;
 * ```
 */
export function currentRole(): string | undefined {
  return role;
}

/** True when this process was started by {@link spawnChild} (detached or not). */
export function hasParent(): boolean {
  return ours;
}

let parent: Channel | null = null;

/**
 * The channel to the parent (fd 3), when the parent started this child with `channel`. The same
 * channel on every call; `format` and `maxFrame` apply on the first call.
 *
 * @example
 * ```ts
 * import { currentRole, parentChannel } from "bun-sysv";
 * if (currentRole() === "echo") {
 *   const ch = parentChannel()!;
 *   ch.send(await ch.receive());
 * }
 * ```
 */
export function parentChannel<T = unknown>(options: ChannelOptions = {}): Channel<T> | null {
  if (channelFd < 0) return null;
  parent ??= channelFromFd(channelFd, options);
  return parent as Channel<T>;
}
