/**
 * Processes without fork(): children started the spawn way, in a role of the same file, with exit
 * status, signals, stdio pipes and a channel to the parent; none outlives its parent.
 *
 * @example
 * ```ts
 * import { currentRole, spawnChild } from "bun-sysv";
 * if (currentRole() === "child") process.exit(0);
 * console.log(await spawnChild(import.meta.path).exited); // { code: 0, signal: null }
 * ```
 * @module
 */
export { ChildProcess, spawnChild, spawnProcess } from "./child.ts";
export type { ChildOptions, ChildOutput, ProcessOptions, StdioMode } from "./child.ts";
export { CHILD_ENV, currentRole, hasParent, parentChannel } from "./role.ts";
export { childByPid, forget as forgetChild, KEEP_EXITED, knownChildren, liveChildren } from "./registry.ts";
export {
  exitedNormally, exitStatusOf, killedBySignal, stoppedBySignal, stoppedStatus, stopSignalOf,
  termSignalOf, waitStatus,
} from "./status.ts";
export type { ChildExit } from "./status.ts";
export { parentPid, peekChild } from "./wait.ts";
export type { ChildState } from "./wait.ts";
export { processAlive } from "./alive.ts";
