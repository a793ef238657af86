/**
 * Running a command as an unprivileged user. Tests run as root, and root bypasses System V
 * permission checks, so permission cases run in a child as `nobody` (setpriv or runuser).
 *
 * @example
 * ```ts
 * const u = unprivileged();
 * test.skipIf(!u.prefix)("EACCES as nobody", () => { Bun.spawnSync([...u.prefix!, "bun", "-e", code]); });
 * ```
 */

/** The command prefix that drops to an unprivileged user (`[]` when already unprivileged), or why it can't. */
export interface Unprivileged {
  prefix: string[] | null;
  why: string;
}

let cached: Unprivileged | undefined;

export function unprivileged(): Unprivileged {
  if (cached) return cached;
  if (process.getuid?.() !== 0) return (cached = { prefix: [], why: "already unprivileged" });
  const candidates = [
    ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"],
    ["runuser", "-u", "nobody", "--"],
  ];
  for (const prefix of candidates) {
    if (!Bun.which(prefix[0])) continue;
    const r = Bun.spawnSync([...prefix, "id", "-u"], { stdout: "pipe", stderr: "pipe", timeout: 5000 });
    if (r.exitCode === 0 && r.stdout.toString().trim() !== "0") return (cached = { prefix, why: `as nobody via ${prefix[0]}` });
  }
  return (cached = { prefix: null, why: "running as root and neither setpriv nor runuser can switch to nobody" });
}

/** Runs `bun -e code` through `prefix` (cwd /tmp, HOME /tmp) and returns stdout, stderr and the exit code. */
export function bunAs(prefix: readonly string[], code: string, timeoutMs = 20_000) {
  const r = Bun.spawnSync([...prefix, process.execPath, "-e", code], {
    cwd: "/tmp", env: { ...process.env, HOME: "/tmp" }, stdout: "pipe", stderr: "pipe", timeout: timeoutMs,
  });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode, signal: r.signalCode };
}
