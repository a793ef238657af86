/**
 * The ports of the PHP seed examples, run as real processes (each with its own SYSV_KEY_FILE, a bounded
 * lifetime and a cleanup of every object its key file can name), their output checked against what the
 * originals print, and, where it matters, against real PHP reading or writing the same objects.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { cleanupKeyFile, EXAMPLES, LineReader, liveObjects, runExample } from "./fixtures/examples/run.ts";
import { tempDir, tempFile } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";
import { isRunning } from "./helpers/procs.ts";

const scratch = tempDir("bun-sysv-examples-"); // removed at the end of the run, also an interrupted one

function phpOk(code: string, argv: (string | number)[]): string {
  const r = php(code, argv);
  if (r.exitCode !== 0 || r.stderr !== "") throw new Error(`php failed (${r.exitCode}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe("process examples", () => {
  test("a1: a JSON task through the child's stdin, its answer from stdout", async () => {
    const run = await runExample("a1-pipes-proc-open.ts");
    expect(run.stdout).toBe('Output: {"task":"process","sum":6}\nReturn code: 0\n');
    expect(run.exitCode).toBe(0);
  });

  test("a2: parent and child exchange a message over a socket pair", async () => {
    const run = await runExample("a2-socket-pair-fork.ts");
    expect(run.stdout).toBe("Child received: Hello from parent!\nParent received: Hello from child!\n");
    expect(run.exitCode).toBe(0);
  });
});

describe("shmop examples", () => {
  test("a3: the parent reads the JSON the child wrote, then the segment is gone", async () => {
    const before = Math.floor(Date.now() / 1000);
    const run = await runExample("a3-shmop-fork.ts");
    const [wrote, read] = run.stdout.trimEnd().split("\n");
    expect(wrote).toBe("Child wrote to shared memory");
    const json = JSON.parse(read.replace(/^Parent read: /, "")) as { result: number; time: number };
    expect(json.result).toBe(42);
    expect(json.time).toBeGreaterThanOrEqual(before);
    expect(json.time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(read).not.toContain("\0");
    expect(run.leftovers).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  test("d1: four children write a word each; the parent reads them back without NUL padding and deletes", async () => {
    const run = await runExample("d1-shmop-children.ts");
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    const wrote = new Map(lines.flatMap((l) => {
      const m = /^child (\d) wrote '([a-z]{5})' to shmop$/.exec(l);
      return m ? [[Number(m[1]), m[2]] as const] : [];
    }));
    expect([...wrote.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(lines.filter((l) => /^pid \d+ finished$/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith("reading"))).toEqual([0, 1, 2, 3].map((i) => `reading '${wrote.get(i)}' from child ${i}`));
    expect(run.stdout).not.toContain("\0");
    expect(run.leftovers).toEqual([]);
  });
});

describe("message queue examples", () => {
  test("a5: the child sends 5 tasks; the parent receives them in order and removes the queue", async () => {
    const run = await runExample("a5-message-queue-fork.ts");
    const sent = [0, 1, 2, 3, 4].map((i) => `Sent task ${i}`);
    const received = [0, 1, 2, 3, 4].map((i) => `Received: {"task_id":${i},"data":"Task ${i}"}`);
    expect(run.stdout.trimEnd().split("\n")).toEqual([...sent, ...received]);
    expect(run.leftovers).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  test("b1 + b2: typed messages drained type by type, raw reads show serialize() bytes", async () => {
    const keyFile = tempFile("b1");
    try {
      const b1 = await runExample("b1-queue-send.ts", { keyFile, keep: true });
      expect(b1.stdout).toBe("send 4 messages\n");
      const b2 = await runExample("b2-queue-receive.ts", { keyFile, keep: true });
      const line = (t: number) => `type: ${t}, msgtype: ${t}, message: s:15:"message, type ${t}";`;
      expect(b2.stdout.trimEnd().split("\n")).toEqual(["type: 1", line(1), line(1), "type: 2", line(2), "type: 3", line(3)]);
      expect(b2.exitCode).toBe(0);
    } finally {
      cleanupKeyFile(keyFile);
    }
  });

  test("b1 -> PHP and PHP -> b2: the ports and PHP meet on one queue through SYSV_KEY_FILE", async () => {
    const keyFile = tempFile("b1php");
    try {
      await runExample("b1-queue-send.ts", { keyFile, keep: true });
      const got = phpOk(
        `$q = msg_get_queue(ftok($argv[1], 'A'));
         while (msg_receive($q, 0, $t, 4096, $m, true, MSG_IPC_NOWAIT)) echo "$t:$m\\n";`,
        [keyFile],
      );
      expect(got).toBe("1:message, type 1\n2:message, type 2\n3:message, type 3\n1:message, type 1\n");
      phpOk(`$q = msg_get_queue(ftok($argv[1], 'A')); msg_send($q, 2, 'from php'); msg_send($q, 1, ['a' => 1]);`, [keyFile]);
      const b2 = await runExample("b2-queue-receive.ts", { keyFile, keep: true });
      expect(b2.stdout).toContain('type: 1, msgtype: 1, message: a:1:{s:1:"a";i:1;}');
      expect(b2.stdout).toContain('type: 2, msgtype: 2, message: s:8:"from php";');
    } finally {
      cleanupKeyFile(keyFile);
    }
  });

  async function startDaemon(keyFile: string) {
    const parent = Bun.spawn([process.execPath, join(EXAMPLES, "b3-queue-daemon.ts")], {
      env: { ...process.env, SYSV_KEY_FILE: keyFile }, stdout: "pipe", stderr: "inherit", timeout: 20_000, killSignal: "SIGKILL",
    });
    const lines = new LineReader(parent.stdout);
    const started = /^daemon started: pid (\d+)/.exec((await lines.next()) ?? "");
    expect(started).not.toBeNull();
    const pid = Number(started![1]);
    daemons.push(pid);
    expect(await parent.exited).toBe(0); // the parent leaves at once, the daemon stays
    return { pid, lines };
  }

  // Daemons are detached: whatever happens to a test (even its timeout), kill the ones still running.
  const daemons: number[] = [];
  afterAll(() => {
    for (const pid of daemons) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  });

  /** Runs `body` with a b3 daemon on a new key file; afterwards kills the daemon if it still runs and removes the key file's objects. */
  async function withDaemon(name: string, body: (daemon: Awaited<ReturnType<typeof startDaemon>>, keyFile: string) => Promise<void>) {
    const keyFile = tempFile(name);
    let pid = 0;
    try {
      const daemon = await startDaemon(keyFile);
      pid = daemon.pid;
      await body(daemon, keyFile);
    } finally {
      if (pid && isRunning(pid)) process.kill(pid, "SIGKILL");
      cleanupKeyFile(keyFile);
    }
  }

  /** SIGTERM to a waiting daemon: it says why it stopped. */
  async function stopWithSigterm(daemon: Awaited<ReturnType<typeof startDaemon>>) {
    // Give the daemon time to start waiting again: an abort that lands while the library is still
    // starting its first waiter thread is lost (src/wait/pool.ts; reported), and the messages may
    // all have been there before that thread was ever needed.
    await Bun.sleep(150);
    process.kill(daemon.pid, "SIGTERM");
    expect(await daemon.lines.next()).toBe("daemon stopped: signal SIGTERM");
  }

  test("b3: the daemon prints every message of any type and stops on SIGTERM", () =>
    withDaemon("b3", async (daemon, keyFile) => {
      await runExample("b1-queue-send.ts", { keyFile, keep: true });
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await daemon.lines.next());
      expect(got).toEqual([1, 2, 3, 1].map((t) => `msgtype: ${t}, message: message, type ${t}`));
      await stopWithSigterm(daemon);
      expect(await daemon.lines.next()).toBeNull(); // its stdout closed: it exited
    }), 20_000);

  test("b3: a message that does not unserialize (from PHP) is logged with its type and bytes; the daemon goes on", () =>
    withDaemon("b3bad", async (daemon, keyFile) => {
      for (let i = 0; i < 200 && liveObjects(keyFile).length === 0; i++) await Bun.sleep(10);
      phpOk(`$q = msg_get_queue(ftok($argv[1], 'A')); msg_send($q, 1, "a:1:{i:0;", false); msg_send($q, 2, "after");`, [keyFile]);
      expect(await daemon.lines.next()).toBe('skipped msgtype: 1, 9 bytes that do not unserialize: "a:1:{i:0;"');
      expect(await daemon.lines.next()).toBe("msgtype: 2, message: after");
      expect(isRunning(daemon.pid)).toBe(true);
      await stopWithSigterm(daemon);
    }), 20_000);

  test("b3: removing the queue stops the daemon", () =>
    withDaemon("b3rm", async (daemon, keyFile) => {
      // The daemon creates the queue when it starts: wait until it exists, then remove it from PHP.
      for (let i = 0; i < 200 && liveObjects(keyFile).length === 0; i++) await Bun.sleep(10);
      phpOk(`msg_remove_queue(msg_get_queue(ftok($argv[1], 'A')));`, [keyFile]);
      expect(await daemon.lines.next()).toBe("daemon stopped: the queue was removed");
      expect(await daemon.lines.next()).toBeNull();
    }), 20_000);
});

describe("sysvshm and semaphore examples", () => {
  test("a4: the parent print_r()s what the child stored with shm_put_var, then removes the segment", async () => {
    const run = await runExample("a4-sysv-shm-fork.ts");
    expect(run.stdout).toBe("Array\n(\n    [count] => 100\n)\n");
    expect(run.leftovers).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  test("b4 + b5: the array kept in shared memory is PHP's (int keys), and b5 writes it back to files", async () => {
    const keyFile = tempFile("b4");
    const outDir = mkdtempSync(join(scratch, "b5-"));
    try {
      const before = Math.floor(Date.now() / 1000);
      const b4 = await runExample("b4-shm-write-base.ts", { keyFile, keep: true });
      expect(b4.exitCode).toBe(0);
      const stored = JSON.parse(phpOk(
        `$s = shm_attach(ftok($argv[1], 'A')); $d = shm_get_var($s, 1);
         echo json_encode(['keys' => array_map('gettype', array_keys($d)), 'times' => array_keys($d), 'len' => strlen(reset($d))]);`,
        [keyFile],
      )) as { keys: string[]; times: number[]; len: number };
      expect(stored.keys).toEqual(["integer"]);
      expect(stored.times[0]).toBeGreaterThanOrEqual(before);
      const source = readFileSync(join(EXAMPLES, "b4-shm-write-base.ts"), "utf8");
      expect(stored.len).toBe(Buffer.byteLength(source));
      const b5 = await runExample("b5-shm-read.ts", { keyFile, keep: true, env: { TMPDIR: outDir } });
      const path = join(outDir, `${stored.times[0]}.ts`);
      expect(b5.stdout).toBe(`${path}\n`);
      expect(readFileSync(path, "utf8")).toBe(source);
    } finally {
      cleanupKeyFile(keyFile);
    }
  });

  test("b6: a 2 MB binary file stored under a semaphore comes back identical; nothing is left", async () => {
    const keyFile = tempFile("b6");
    const outDir = mkdtempSync(join(scratch, "b6-"));
    const input = join(outDir, "input.bin");
    writeFileSync(input, crypto.getRandomValues(new Uint8Array(2 * 1024 * 1024)));
    try {
      const first = await runExample("b6-shm-semaphore-binary.ts", { keyFile, keep: true, args: [input] });
      expect(first.stdout).toBe(`stored ${2 * 1024 * 1024} bytes\n`);
      const second = await runExample("b6-shm-semaphore-binary.ts", { keyFile, args: [input], env: { TMPDIR: outDir } });
      const saved = /^saved to (.+)$/.exec(second.stdout.trim())?.[1];
      expect(saved?.startsWith(outDir)).toBe(true);
      const md5 = (file: string) => createHash("md5").update(readFileSync(file)).digest("hex");
      expect(md5(saved!)).toBe(md5(input));
      expect(second.leftovers).toEqual([]); // segment and semaphore removed by the example itself
    } finally {
      cleanupKeyFile(keyFile);
    }
  });

  test("c1: send/get/delete over one segment, which PHP reads too", async () => {
    const keyFile = tempFile("c1");
    try {
      const c1 = (...args: string[]) => runExample("c1-shared-memory-cli.ts", { keyFile, keep: true, args });
      expect((await c1()).stdout).toStartWith("Usage:");
      expect((await c1("send", "7", "hello")).stdout).toBe("Message sent to shared memory segment.\n");
      expect((await c1("get", "7")).stdout).toBe("Received data: hello\n");
      expect(phpOk(`echo shm_get_var(shm_attach(ftok($argv[1], 'c')), 7);`, [keyFile])).toBe("hello");
      const missing = await c1("get", "8");
      expect(missing.stdout).toBe("Received data: \n");
      expect(missing.stderr).toBe("Warning: shm_get_var(): Variable key 8 doesn't exist\n");
      expect((await c1("delete")).stdout).toBe("Shared memory segment released.\n");
      expect(liveObjects(keyFile)).toEqual([]);
    } finally {
      cleanupKeyFile(keyFile);
    }
  });

  /** Live (not zombie) processes started with `SYSV_KEY_FILE=<keyFile>`: an example and its children. */
  function processesOf(keyFile: string): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!isRunning(Number(entry))) continue;
        if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(`SYSV_KEY_FILE=${keyFile}`)) pids.push(Number(entry));
      } catch { /* gone meanwhile, or not ours to read */ }
    }
    return pids;
  }

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    test(`a6 interrupted by ${signal}: workers stopped, queue, segment and lock removed, exit 128 + signal`, async () => {
      const keyFile = tempFile("a6sig");
      const proc = Bun.spawn([process.execPath, join(EXAMPLES, "a6-worker-pool.ts")], {
        env: { ...process.env, SYSV_KEY_FILE: keyFile }, stdout: "pipe", stderr: "pipe", timeout: 20_000, killSignal: "SIGKILL",
      });
      try {
        // Mid-work: the three objects exist and the four workers run (tasks take 100-500 ms each).
        for (let i = 0; i < 500 && (liveObjects(keyFile).length < 3 || processesOf(keyFile).length < 5); i++) await Bun.sleep(10);
        expect(liveObjects(keyFile)).toHaveLength(3);
        await Bun.sleep(200);
        proc.kill(signal);
        expect(await proc.exited).toBe(128 + constants.signals[signal]);
        expect(await new Response(proc.stderr).text()).toBe("");
        expect(liveObjects(keyFile)).toEqual([]);
        for (let i = 0; i < 100 && processesOf(keyFile).length > 0; i++) await Bun.sleep(10);
        expect(processesOf(keyFile)).toEqual([]);
      } finally {
        for (const pid of processesOf(keyFile)) process.kill(pid, "SIGKILL");
        cleanupKeyFile(keyFile);
      }
    }, 20_000);
  }

  test("a6: all 20 results arrive (the original lost most of them); queue, segment and lock removed", async () => {
    const run = await runExample("a6-worker-pool.ts", { timeoutMs: 20_000 });
    expect(run.exitCode).toBe(0);
    const results = [...run.stdout.matchAll(/\[id\] => (\d+)\n\s+\[result\] => (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => [i, i * 10 * 2]));
    expect(run.stderr).toBe("");
    expect(run.leftovers).toEqual([]);
  });
});
