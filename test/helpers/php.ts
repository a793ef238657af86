/**
 * Runs the real `php` binary (8.2 with shmop/sysvshm/sysvmsg/sysvsem/pcntl/posix) beside Bun.
 * There is no mock: if php is missing the interop tests fail, saying how to install it.
 *
 * @example
 * ```ts
 * const r = php(`echo ftok($argv[1], "A");`, [file]);
 * expect(r.stdout).toBe(String(ftok(file, "A")));
 * ```
 */
import { cleanupOnTerminate } from "../../src/cleanup/index.ts";


/** The result of a finished PHP run. */
export interface PhpResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const PHP = Bun.which("php");

function args(code: string, argv: readonly (string | number)[]): string[] {
  if (!PHP) throw new Error("php is not installed: apt-get install -y php8.2-cli (interop tests need the real binary)");
  // display_errors to stderr so warnings can be asserted apart from output.
  return [PHP, "-d", "display_errors=stderr", "-d", "error_reporting=-1", "-r", code, "--", ...argv.map(String)];
}

/** Runs PHP code (without `<?php`) synchronously with `$argv[1..]` = `argv`; fails after `timeoutMs`. */
export function php(code: string, argv: readonly (string | number)[] = [], timeoutMs = 20_000): PhpResult {
  const r = Bun.spawnSync(args(code, argv), { timeout: timeoutMs, stdout: "pipe", stderr: "pipe" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

/** Starts PHP code in the background; `.done` resolves when it exits (killed after `timeoutMs`). */
export function phpSpawn(code: string, argv: readonly (string | number)[] = [], timeoutMs = 60_000) {
  const proc = Bun.spawn(args(code, argv), { stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  // An interrupted run (Ctrl-C, kill) takes its PHP children with it instead of leaving them running.
  const registration = cleanupOnTerminate(() => proc.kill("SIGKILL"));
  proc.exited.then(() => registration.cancel());
  const done = (async (): Promise<PhpResult> => {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    return { stdout, stderr, exitCode: await proc.exited };
  })();
  return { proc, done };
}

/** Runs PHP code and returns its stdout parsed as JSON (the code must `echo json_encode(...)`). Throws with stderr on failure. */
export function phpJson<T = unknown>(code: string, argv: readonly (string | number)[] = []): T {
  const r = php(code, argv);
  if (r.exitCode !== 0) throw new Error(`php exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}
