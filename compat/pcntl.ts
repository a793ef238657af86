/**
 * PHP's process functions without fork(): `pcntl_fork()` throws an `Error` saying why Bun cannot fork
 * and what to call instead; `pcntl_waitpid()`/`pcntl_wait()` wait for children started by this library
 * (`spawnChild`/`spawnProcess`) and give the same status int PHP gets for the same child, decoded by the
 * `pcntl_w*` functions. As in PHP they are synchronous: without `WNOHANG` they block this thread (the
 * event loop stops meanwhile); `WNOHANG` is the bounded form.
 *
 * @example
 * ```ts
 * import { pcntl_waitpid, pcntl_wifexited, pcntl_wexitstatus, ref, WNOHANG } from "bun-sysv/compat";
 * import { spawnProcess } from "bun-sysv";
 * const child = spawnProcess(["sh", "-c", "exit 3"]);
 * const status = ref(0);
 * while (pcntl_waitpid(child.pid, status, WNOHANG) === 0) await Bun.sleep(5);
 * pcntl_wifexited(status.value); // true
 * pcntl_wexitstatus(status.value); // 3
 * ```
 * @module
 */
import {
  childByPid, exitedNormally, exitStatusOf, forgetChild, killedBySignal, knownChildren, peekChild, stoppedBySignal,
  stopSignalOf, termSignalOf, waitStatus, type ChildProcess,
} from "../src/process/index.ts";
import { ERRNO } from "../src/ffi/errno.ts";
import { strerror } from "../src/ffi/libc.ts";
import { IpcError } from "../src/errors.ts";
import { PhpError } from "./diagnostics.ts";
import type { Ref } from "./ref.ts";
import { intArg } from "./types.ts";
import { WCONTINUED, WNOHANG, WUNTRACED } from "./signals-constants.ts";

let lastError = 0;

/**
 * Always throws: Bun cannot fork. A forked Bun process dies at once (its JIT memory is not copied into
 * the child) and Bun does not support fork (oven-sh/bun#3196). Start the child with
 * `spawnChild(import.meta.path, { role: "child" })` and branch on `currentRole() === "child"` where the PHP
 * code branches on `$pid === 0` (docs/processes.md).
 *
 * @example
 * ```ts
 * import { pcntl_fork } from "bun-sysv/compat";
 * try { pcntl_fork(); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function pcntl_fork(): never {
  throw new PhpError(
    "pcntl_fork(): Bun cannot fork(): a forked Bun process crashes (the JavaScript engine's JIT memory is not " +
      "copied into the child) and Bun does not support fork (oven-sh/bun#3196). Start a new process instead: " +
      "spawnChild(import.meta.path, { role: \"child\" }) from bun-sysv runs this same file again, where " +
      "currentRole() === \"child\" takes the branch PHP takes for $pid === 0; the parent gets child.pid for " +
      "pcntl_waitpid()/posix_kill(). See docs/processes.md.",
  );
}

// Stops already reported (WUNTRACED): reported once, like waitpid(2), until the child runs again.
const stopReported = new Set<number>();

function candidates(pid: number): ChildProcess[] {
  if (pid > 0) {
    const child = childByPid(pid);
    return child ? [child] : [];
  }
  // -1: any child; 0 / < -1 (process groups): every child of this library shares our group unless detached.
  return knownChildren();
}

/** One non-blocking look at `child`: its status int when it changed, else null. */
function look(child: ChildProcess, flags: number): { status: number; reaped: boolean } | null {
  const exit = child.exitNow;
  if (exit) return { status: waitStatus(exit), reaped: true };
  const state = peekChild(child.pid, { stopped: (flags & WUNTRACED) !== 0, continued: (flags & WCONTINUED) !== 0 });
  if (state === null) {
    stopReported.delete(child.pid);
    const late = child.exitNow; // Bun reaped it since (it cannot between two lines of JS, but be safe)
    return late ? { status: waitStatus(late), reaped: true } : null;
  }
  if (state.kind === "stopped") {
    if (stopReported.has(child.pid)) return null;
    stopReported.add(child.pid);
    return { status: state.status, reaped: false };
  }
  if (state.kind === "continued") {
    stopReported.delete(child.pid);
    return { status: state.status, reaped: false };
  }
  return { status: state.status, reaped: true };
}

/**
 * PHP's `pcntl_waitpid()` over children started by this library: the pid of a child that exited (or,
 * with `WUNTRACED`, stopped), its status int in `status`; 0 with `WNOHANG` when none did yet; -1 with
 * ECHILD (`pcntl_get_last_error()`) when there is no such child. A reported exit is final: the child is
 * forgotten, as a reaped one. `pid` -1 or 0: any child. `resource_usage` is set to an empty array.
 *
 * @example
 * ```ts
 * import { pcntl_waitpid, pcntl_wifsignaled, pcntl_wtermsig, ref } from "bun-sysv/compat";
 * import { spawnProcess } from "bun-sysv";
 * const child = spawnProcess(["sleep", "5"]);
 * child.kill("SIGKILL");
 * const status = ref(0);
 * pcntl_waitpid(child.pid, status); // blocks until it is gone
 * pcntl_wifsignaled(status.value) && pcntl_wtermsig(status.value); // 9
 * ```
 */
export function pcntl_waitpid(process_id: number, status: Ref<number>, flags = 0, resource_usage?: Ref<unknown>): number {
  const pid = Math.trunc(Number(process_id));
  if (resource_usage) resource_usage.value = [];
  try {
    while (true) {
      const children = candidates(pid);
      if (children.length === 0) {
        lastError = ERRNO.ECHILD;
        return -1;
      }
      for (const child of children) {
        const seen = look(child, flags);
        if (!seen) continue;
        status.value = seen.status;
        if (seen.reaped) {
          forgetChild(child.pid);
          stopReported.delete(child.pid);
        }
        return child.pid;
      }
      if (flags & WNOHANG) return 0;
      const only = children.length === 1 ? children[0]! : null;
      if (only && !stopReported.has(only.pid)) {
        // Sleep in the kernel until it changes state, then look again.
        peekChild(only.pid, { stopped: (flags & WUNTRACED) !== 0, continued: (flags & WCONTINUED) !== 0, block: true });
      } else {
        Bun.sleepSync(1);
      }
    }
  } catch (error) {
    if (error instanceof IpcError) {
      lastError = error.errno;
      return -1;
    }
    throw error;
  }
}

/**
 * PHP's `pcntl_wait()`: `pcntl_waitpid(-1, status, flags)`.
 *
 * @example
 * ```ts
 * import { pcntl_wait, ref, WNOHANG } from "bun-sysv/compat";
 * pcntl_wait(ref(0), WNOHANG); // -1: no children
 * ```
 */
export function pcntl_wait(status: Ref<number>, flags = 0, resource_usage?: Ref<unknown>): number {
  return pcntl_waitpid(-1, status, flags, resource_usage);
}

/**
 * A `pcntl_w*` function: `$status` coerced as PHP's `int` parameter (numeric strings, floats with no
 * fraction; TypeError otherwise) and cut to a C int as PHP does, then decoded by `src/process`.
 */
function statusFunction<R>(fn: string, decode: (status: number) => R): (status: number) => R {
  return (status) => decode(Number(BigInt.asIntN(32, BigInt(intArg(fn, 1, "status", status)))));
}

/**
 * True when the status says the child exited normally.
 *
 * @example
 * ```ts
 * import { pcntl_wifexited } from "bun-sysv/compat";
 * pcntl_wifexited(768); // true (exit 3)
 * ```
 */
export const pcntl_wifexited: (status: number) => boolean = statusFunction("pcntl_wifexited", exitedNormally);

/**
 * True when the status says the child is stopped.
 *
 * @example
 * ```ts
 * import { pcntl_wifstopped } from "bun-sysv/compat";
 * pcntl_wifstopped(0x137f); // true (SIGSTOP)
 * ```
 */
export const pcntl_wifstopped: (status: number) => boolean = statusFunction("pcntl_wifstopped", stoppedBySignal);

/**
 * True when a signal killed the child.
 *
 * @example
 * ```ts
 * import { pcntl_wifsignaled } from "bun-sysv/compat";
 * pcntl_wifsignaled(9); // true (SIGKILL)
 * ```
 */
export const pcntl_wifsignaled: (status: number) => boolean = statusFunction("pcntl_wifsignaled", killedBySignal);

/**
 * True when the status reports a continued child (WCONTINUED).
 *
 * @example
 * ```ts
 * import { pcntl_wifcontinued } from "bun-sysv/compat";
 * pcntl_wifcontinued(0xffff); // true
 * ```
 */
export const pcntl_wifcontinued: (status: number) => boolean = statusFunction("pcntl_wifcontinued", (status) => status === 0xffff);

/**
 * The exit code in the status.
 *
 * @example
 * ```ts
 * import { pcntl_wexitstatus } from "bun-sysv/compat";
 * pcntl_wexitstatus(768); // 3
 * ```
 */
export const pcntl_wexitstatus: (status: number) => number = statusFunction("pcntl_wexitstatus", exitStatusOf);

/**
 * The signal that killed the child.
 *
 * @example
 * ```ts
 * import { pcntl_wtermsig } from "bun-sysv/compat";
 * pcntl_wtermsig(9); // 9
 * ```
 */
export const pcntl_wtermsig: (status: number) => number = statusFunction("pcntl_wtermsig", termSignalOf);

/**
 * The signal that stopped the child.
 *
 * @example
 * ```ts
 * import { pcntl_wstopsig } from "bun-sysv/compat";
 * pcntl_wstopsig(0x137f); // 19
 * ```
 */
export const pcntl_wstopsig: (status: number) => number = statusFunction("pcntl_wstopsig", stopSignalOf);

/**
 * errno of the last failed pcntl function (0 when none failed).
 *
 * @example
 * ```ts
 * import { pcntl_get_last_error, pcntl_waitpid, ref } from "bun-sysv/compat";
 * pcntl_waitpid(1, ref(0)); // -1
 * pcntl_get_last_error(); // 10 (ECHILD)
 * ```
 */
export function pcntl_get_last_error(): number {
  return lastError;
}

/** Alias of {@link pcntl_get_last_error}, as in PHP. */
export const pcntl_errno = pcntl_get_last_error;

/**
 * The strerror(3) text of an errno.
 *
 * @example
 * ```ts
 * import { pcntl_strerror } from "bun-sysv/compat";
 * pcntl_strerror(10); // "No child processes"
 * ```
 */
export function pcntl_strerror(error_code: number): string {
  return strerror(Math.trunc(Number(error_code)));
}

