/**
 * Runs the same PHP call in real PHP and in the compat layer and describes what each did as lines a
 * test can compare: every diagnostic (`Warning: shmop_open(): ...`), then `return: <value>` or the
 * thrown `Class: message`. Strings are shown as hex (`string:616200`), objects by class name.
 * No bun:test import, so a child process (e.g. one running as `nobody`) can use it too.
 *
 * @example
 * ```ts
 * const php = phpOutcome(`return shmop_open((int)$argv[1], "a", 0, 0);`, [key]);
 * const ours = compatOutcome(() => shmop_open(key, "a", 0, 0));
 * expect(ours).toEqual(php);
 * ```
 */
import { setDiagnosticHandler } from "../../compat/diagnostics.ts";

const PHP_HARNESS = `
ini_set('log_errors', '0'); ini_set('display_errors', '0'); error_reporting(-1);
set_error_handler(function ($no, $str) {
  $level = [E_WARNING => 'Warning', E_NOTICE => 'Notice', E_DEPRECATED => 'Deprecated'][$no] ?? "E$no";
  echo "$level: $str\\n";
  return true;
});
$describe = function ($r) {
  return is_object($r) ? get_class($r) : (is_string($r) ? 'string:' . bin2hex($r) : json_encode($r));
};
try { $r = (function () use ($argv) { BODY })(); echo 'return: ', $describe($r), "\\n"; }
catch (Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\\n"; }
`;

/** The php command line that runs `body` (a closure body using `$argv`) under the describing harness. */
export function phpOutcomeCommand(body: string, argv: readonly (string | number)[] = []): string[] {
  return ["php", "-r", PHP_HARNESS.replace("BODY", body), "--", ...argv.map(String)];
}

/** Runs `body` in real PHP (optionally through a `prefix` such as setpriv) and returns its outcome lines. */
export function phpOutcome(body: string, argv: readonly (string | number)[] = [], prefix: readonly string[] = []): string[] {
  const r = Bun.spawnSync([...prefix, ...phpOutcomeCommand(body, argv)], { timeout: 20_000, stdout: "pipe", stderr: "pipe", cwd: "/tmp" });
  if (r.exitCode !== 0) throw new Error(`php exited ${r.exitCode}: ${r.stderr.toString()}${r.stdout.toString()}`);
  return r.stdout.toString().split("\n").filter(Boolean);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Describes a compat return value the way the PHP harness does. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return `string:${hex(new TextEncoder().encode(value))}`;
  if (value instanceof Uint8Array) return `string:${hex(value)}`;
  if (typeof value === "object") return (value as object).constructor.name;
  return JSON.stringify(value);
}

/**
 * Runs `fn` with diagnostics captured and returns the same kind of lines as {@link phpOutcome}.
 * A diagnostic line is PHP's `Level: message` as a PHP error handler sees it: `fn(): message`
 * for extension warnings, the bare message for a deprecated function.
 */
export function compatOutcome(fn: () => unknown): string[] {
  const lines: string[] = [];
  const previous = setDiagnosticHandler((d) => {
    lines.push(d.level === "Deprecated" && d.message.startsWith("Function ") ? `${d.level}: ${d.message}` : d.text);
  });
  try {
    lines.push(`return: ${describe(fn())}`);
  } catch (e) {
    const err = e as Error;
    lines.push(`${err.name}: ${err.message}`);
  } finally {
    setDiagnosticHandler(previous);
  }
  return lines;
}
