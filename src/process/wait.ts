/**
 * Looking at a child's state without taking it from Bun: waitid(2) with WNOWAIT reports an exit or a
 * stop but leaves the child to Bun, which reaps it and resolves its `exited` as usual. This is what lets
 * compat's `pcntl_waitpid` answer synchronously, as PHP's does. Also `kill(2)` and `getppid(2)`.
 *
 * @example
 * ```ts
 * import { peekChild, spawnProcess } from "bun-sysv";
 * const child = spawnProcess(["true"]);
 * await child.exited;
 * peekChild(child.pid); // null once Bun reaped it: child.exit says how it ended
 * ```
 * @module
 */
import { CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, P_PID, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED } from "../ffi/constants.ts";
import { check, ERRNO, errorFor } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { newStruct, readStruct, SIGINFO } from "../ffi/structs.ts";
import { stoppedStatus } from "./status.ts";

/** A change of state reported by {@link peekChild}. */
export interface ChildState {
  pid: number;
  kind: "exited" | "killed" | "stopped" | "continued";
  /** The wait status int, as waitpid(2) / PHP's `pcntl_waitpid` give it. */
  status: number;
}

const info = newStruct(SIGINFO);

/**
 * The state change of child `pid` not yet taken: its exit, its kill, or (with `stopped`) its stop. `null`
 * when nothing changed, or when `pid` is not a child that is still waitable (already reaped by Bun).
 * With `block`, waits for a change (this freezes the event loop: the compat layer's blocking form).
 * Throws EINTR when a signal interrupts a blocking wait.
 */
export function peekChild(pid: number, options: { stopped?: boolean; continued?: boolean; block?: boolean } = {}): ChildState | null {
  info.fill(0);
  const flags = WEXITED | WNOWAIT | (options.stopped ? WSTOPPED : 0) | (options.continued ? WCONTINUED : 0) | (options.block ? 0 : WNOHANG);
  if (libc.waitid(P_PID, pid, info, flags) === -1) {
    const errno = lastErrno();
    if (errno === ERRNO.ECHILD) return null;
    throw errorFor(errno, "waitid", { detail: `pid ${pid}` });
  }
  const { si_pid, si_code, si_status: value } = readStruct(SIGINFO, info);
  if (si_pid === 0) return null;
  switch (si_code) {
    case CLD_EXITED: return { pid, kind: "exited", status: (value & 0xff) << 8 };
    case CLD_KILLED: return { pid, kind: "killed", status: value & 0x7f };
    case CLD_DUMPED: return { pid, kind: "killed", status: (value & 0x7f) | 0x80 };
    case CLD_STOPPED: return { pid, kind: "stopped", status: stoppedStatus(value) };
    case CLD_CONTINUED: return { pid, kind: "continued", status: 0xffff };
    default: return null;
  }
}

/**
 * The parent's pid right now (getppid(2); 1 or a subreaper's pid once the parent died).
 *
 * @example
 * ```ts
 * import { parentPid } from "bun-sysv";
 * parentPid() === process.ppid; // true
 * ```
 */
export function parentPid(): number {
  return libc.getppid();
}
