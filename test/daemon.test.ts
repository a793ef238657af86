/**
 * examples/daemon.ts as a real process: fed by a PHP sender and a Bun sender, stats on a Timer and on
 * SIGHUP, SIGTERM/SIGINT finish the message in hand and exit 0 with the queue kept, a removed queue
 * exits 2 with a clear message.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ftok, MessageQueue } from "../src/index.ts";
import { cleanupKeyFile, EXAMPLES, LineReader } from "./fixtures/examples/run.ts";
import { tempFile } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const started: Array<{ proc: Bun.Subprocess; keyFile: string }> = [];
afterEach(() => {
  for (const { proc, keyFile } of started.splice(0)) {
    proc.kill("SIGKILL");
    cleanupKeyFile(keyFile);
  }
});

function startDaemon(args: string[] = []) {
  const keyFile = tempFile("daemon");
  const proc = Bun.spawn([process.execPath, join(EXAMPLES, "daemon.ts"), ...args], {
    env: { ...process.env, SYSV_KEY_FILE: keyFile }, stdout: "pipe", stderr: "pipe", timeout: 30_000,
  });
  started.push({ proc, keyFile });
  const lines = new LineReader(proc.stdout);
  return { proc, keyFile, lines, key: ftok(keyFile, "D") };
}

/** Next line matching `pattern` (others skipped), within 10 s. */
async function lineMatching(lines: LineReader, pattern: RegExp): Promise<string> {
  for (;;) {
    const line = await lines.next(10_000);
    if (line === null) throw new Error(`daemon output ended before ${pattern}`);
    if (pattern.test(line)) return line;
  }
}

const phpSend = (keyFile: string, type: number, value: string) =>
  php(`$q = msg_get_queue(ftok($argv[1], "D")); var_export(msg_send($q, (int)$argv[2], ["from" => "php", "n" => $argv[3]]));`, [keyFile, type, value]);

function bunSend(keyFile: string, type: number, value: string) {
  const compat = join(import.meta.dir, "..", "compat", "index.ts");
  return Bun.spawnSync([process.execPath, "-e", `
    import { ftok, msg_get_queue, msg_send } from "${compat}";
    const q = msg_get_queue(ftok(process.argv[1], "D"));
    if (!q || !msg_send(q, Number(process.argv[2]), { from: "bun", n: process.argv[3] })) process.exit(1);`, keyFile, String(type), value]);
}

describe("examples/daemon.ts", () => {
  test("a malformed message from PHP is logged with its type and bytes and skipped; the next one is handled", async () => {
    const d = startDaemon();
    await lineMatching(d.lines, /^daemon ready/);
    const sent = php(`$q = msg_get_queue(ftok($argv[1], "D"));
      var_export([msg_send($q, 7, "a:1:{i:0;", false), msg_send($q, 2, ["from" => "php", "n" => "after"])]);`, [d.keyFile]);
    expect(sent.stdout).toBe("array (\n  0 => true,\n  1 => true,\n)");
    expect(await lineMatching(d.lines, /^message/)).toBe('message type 2: {"from":"php","n":"after"}');
    d.proc.kill("SIGTERM");
    expect(await d.proc.exited).toBe(0);
    const stderr = await new Response(d.proc.stderr as ReadableStream).text();
    expect(stderr).toBe('daemon: skipped a message of type 7 (9 bytes) that does not unserialize: "a:1:{i:0;"\n');
  });

  test("--help prints the usage (exit 0); an unknown option or a bad number is a usage error (exit 2), no stack trace", async () => {
    for (const [args, code, pattern] of [
      [["--help"], 0, /^Usage: bun examples\/daemon.ts/],
      [["--bogus"], 2, /^daemon: Unknown option '--bogus'/],
      [["--stats-ms", "abc"], 2, /^daemon: --stats-ms takes a number of milliseconds > 0, got 'abc'/],
      [["--work-ms=-5"], 2, /^daemon: --work-ms takes a number/],
    ] as const) {
      const r = Bun.spawnSync([process.execPath, join(EXAMPLES, "daemon.ts"), ...args], { timeout: 30_000 });
      expect(r.exitCode).toBe(code);
      const out = r.stdout.toString() + r.stderr.toString();
      expect(out).toMatch(pattern);
      expect(out).not.toContain("    at ");
    }
  });

  test("consumes from a PHP and a Bun sender; stats on the Timer and on SIGHUP; SIGTERM exits 0 keeping the queue", async () => {
    const d = startDaemon(["--stats-ms", "300"]);
    expect(await lineMatching(d.lines, /^daemon ready/)).toContain(`pid ${d.proc.pid}`);
    expect(phpSend(d.keyFile, 2, "1").stdout).toBe("true");
    expect(bunSend(d.keyFile, 3, "2").exitCode).toBe(0);
    expect(phpSend(d.keyFile, 2, "3").stdout).toBe("true");
    expect(await lineMatching(d.lines, /^message/)).toBe('message type 2: {"from":"php","n":"1"}');
    expect(await lineMatching(d.lines, /^message/)).toBe('message type 3: {"from":"bun","n":"2"}');
    expect(await lineMatching(d.lines, /^message/)).toBe('message type 2: {"from":"php","n":"3"}');
    expect(await lineMatching(d.lines, /^stats \(timer\)/)).toMatch(/ handled in /);
    d.proc.kill("SIGHUP");
    expect(await lineMatching(d.lines, /^stats \(SIGHUP\)/)).toMatch(/^stats \(SIGHUP\): 3 handled in [\d.]+ s, by type 2:2 3:1$/);
    d.proc.kill("SIGTERM");
    expect(await d.proc.exited).toBe(0);
    expect(await new Response(d.proc.stderr).text()).toBe("");
    expect(MessageQueue.exists(d.key)).toBe(true); // kept for the next run
  }, 30_000);

  test("SIGINT while a message is in hand: it is finished, the next one stays queued, exit 0", async () => {
    const d = startDaemon(["--work-ms", "500"]);
    await lineMatching(d.lines, /^daemon ready/);
    expect(phpSend(d.keyFile, 1, "a").stdout).toBe("true");
    expect(bunSend(d.keyFile, 1, "b").exitCode).toBe(0);
    expect(await lineMatching(d.lines, /^message/)).toBe('message type 1: {"from":"php","n":"a"}');
    d.proc.kill("SIGINT"); // during the 500 ms of work on "a"
    expect(await lineMatching(d.lines, /^SIGINT/)).toBe("SIGINT: finishing the message in hand, then stopping");
    expect(await lineMatching(d.lines, /^stats/)).toMatch(/^stats \(stopped by SIGINT\): 1 handled/);
    expect(await lineMatching(d.lines, /^queue/)).toMatch(/kept with 1 message\(s\) waiting$/);
    expect(await d.proc.exited).toBe(0);
    using queue = MessageQueue.open(d.key);
    expect(queue.receiveSync({ timeout: 0 }).value).toEqual({ from: "bun", n: "b" });
  }, 30_000);

  test("the queue removed under it: a clear message and exit 2", async () => {
    const d = startDaemon();
    await lineMatching(d.lines, /^daemon ready/);
    MessageQueue.open(d.key).remove();
    expect(await d.proc.exited).toBe(2);
    expect(await new Response(d.proc.stderr).text()).toMatch(/^daemon: the queue 0x[0-9a-f]{8} was removed while waiting .*; exiting\n$/);
  }, 30_000);
});
