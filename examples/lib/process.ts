/**
 * `pcntl_fork()` and `pcntl_waitpid()` for the ports. Bun cannot fork (a forked Bun dies or hangs, see
 * docs/examples.md), so where a PHP example forks, its port starts the same file again as a new process
 * with a role argument (`--child`, `--worker 2`, ...); the new process runs the file from the top and
 * takes the child's branch. It inherits stdout/stderr and the environment (so SYSV_KEY_FILE too).
 *
 * @example
 * ```ts
 * const child = role() === "--child" ? 0 : spawnSelf(import.meta.path, ["--child"]);
 * if (child === 0) { // child
 *   process.exit(0);
 * }
 * const status = await waitpid(child); // exit code
 * ```
 * @module
 */
import type { Subprocess } from "bun";

/** The role this process was started with (`process.argv[2]`), or `undefined` for the original process. */
export function role(): string | undefined {
  return process.argv[2];
}

/** Starts `script` again with `args` as a new Bun process (stdio and environment inherited). */
export function spawnSelf(script: string, args: string[]): Subprocess {
  return Bun.spawn([process.execPath, script, ...args], { stdio: ["ignore", "inherit", "inherit"], env: process.env });
}

/** Waits for `child` to exit and returns its status: the exit code, or 128 + signal number. */
export async function waitpid(child: Subprocess): Promise<number> {
  const code = await child.exited;
  return code;
}
