import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  type MsgQueueStat, msg_get_queue, msg_receive, msg_remove_queue, msg_send, msg_stat_queue, pcntl_alarm, pcntl_async_signals,
  msg_set_queue, pcntl_signal, pcntl_signal_dispatch, pcntl_signal_get_handler, ref, setDiagnosticHandler, SIG_DFL, SIG_IGN, SIGALRM, SIGUSR1, SIGUSR2,
} from "../compat/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome, phpOutcome } from "./helpers/outcome.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();
const fixtures = join(import.meta.dir, "fixtures", "signals");

/** Starts the daemon loop (Bun port or PHP original), SIGTERMs it once it blocks, and reports. */
async function stopDaemon(cmd: string[], key: number) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  await Bun.sleep(300); // now blocked in msgrcv
  const sent = performance.now();
  proc.kill("SIGTERM");
  const exitCode = await proc.exited;
  const ms = performance.now() - sent;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  return { exitCode, ms, lines: out.trim().split("\n"), stderr: await new Response(proc.stderr).text() };
}

describe("a PHP daemon loop ported line by line stops on SIGTERM", () => {
  for (const mode of ["dispatch", "async"]) {
    test(`${mode} mode: exit 0 within a second, nothing consumed, same turns as PHP`, async () => {
      const key = keys.next();
      const queue = msg_get_queue(key);
      if (!queue) throw new Error("queue");
      try {
        msg_send(queue, 2, "not for the daemon"); // the daemon waits for type 1: this must stay
        const bun = await stopDaemon(["bun", join(fixtures, "daemon-loop.ts"), String(key), mode], key);
        expect(bun.stderr).toBe("");
        expect(bun.exitCode).toBe(0);
        expect(bun.ms).toBeLessThan(1000);
        expect((msg_stat_queue(queue) as MsgQueueStat).msg_qnum).toBe(1);
        const phpRun = await stopDaemon(["php", join(fixtures, "daemon-loop.php"), String(key), mode], key);
        expect(phpRun.exitCode).toBe(0);
        expect(bun.lines).toEqual(phpRun.lines);
        expect(bun.lines).toEqual(mode === "async"
          ? ["ready", "handler 15", "receive false 4", "stopped"]
          : ["ready", "receive false 4", "handler 15", "stopped"]);
        expect((msg_stat_queue(queue) as MsgQueueStat).msg_qnum).toBe(1);
      } finally {
        msg_remove_queue(queue);
      }
    });
  }
});

describe("pcntl_signal and pcntl_signal_dispatch", () => {
  test("queued mode: handlers wait for dispatch and run once per delivery, in order of arrival, as in PHP", () => {
    const body = `
      $log = [];
      pcntl_signal(SIGUSR1, function ($s, $i) use (&$log) { $log[] = "usr1 " . json_encode([$i["signo"], $i["code"], $i["pid"] === getmypid()]); });
      pcntl_signal(SIGUSR2, function ($s, $i) use (&$log) { $log[] = "usr2 " . json_encode(array_keys($i)); });
      posix_kill(getmypid(), SIGUSR2); posix_kill(getmypid(), SIGUSR1); posix_kill(getmypid(), SIGUSR2);
      $before = count($log);
      $r = pcntl_signal_dispatch();
      pcntl_signal(SIGUSR1, SIG_DFL); pcntl_signal(SIGUSR2, SIG_DFL);
      echo json_encode([$before, $r, $log]);`;
    const expected = JSON.parse(php(body).stdout);
    const log: string[] = [];
    pcntl_signal(SIGUSR1, (_s, i) => { log.push(`usr1 ${JSON.stringify([i.signo, i.code, i.pid === process.pid])}`); });
    pcntl_signal(SIGUSR2, (_s, i) => { log.push(`usr2 ${JSON.stringify(Object.keys(i))}`); });
    try {
      process.kill(process.pid, "SIGUSR2");
      process.kill(process.pid, "SIGUSR1");
      process.kill(process.pid, "SIGUSR2");
      const before = log.length;
      const r = pcntl_signal_dispatch();
      expect([before, r, log]).toEqual(expected);
      expect(pcntl_signal_dispatch()).toBe(true); // nothing left: no handler runs again
      expect(log.length).toBe(3);
    } finally {
      pcntl_signal(SIGUSR1, SIG_DFL);
      pcntl_signal(SIGUSR2, SIG_DFL);
    }
  });

  test("async mode: a blocking compat call runs pending handlers before it returns", () => {
    const key = keys.next();
    const queue = msg_get_queue(key);
    if (!queue) throw new Error("queue");
    const seen: number[] = [];
    expect(pcntl_async_signals(true)).toBe(false);
    pcntl_signal(SIGUSR1, (s) => { seen.push(s); });
    try {
      process.kill(process.pid, "SIGUSR1");
      msg_send(queue, 1, "x");
      expect(seen).toEqual([10]); // msg_send returned after running it, no dispatch needed
      Bun.spawnSync(["sh", "-c", `(sleep 0.2; kill -USR1 ${process.pid}) >/dev/null 2>&1 &`]);
      const type = ref<number>(), message = ref<unknown>(), code = ref<number>();
      expect(msg_receive(queue, 1, type, 64, message, true, 0, code)).toBe(true);
      expect(msg_receive(queue, 1, type, 64, message, true, 0, code)).toBe(false); // blocks until the kill
      expect(code.value).toBe(4);
      expect(seen).toEqual([10, 10]);
    } finally {
      pcntl_async_signals(false);
      pcntl_signal(SIGUSR1, SIG_DFL);
      msg_remove_queue(queue);
    }
  });

  test("async mode: the event loop runs handlers too (awaiting code needs no dispatch)", async () => {
    pcntl_async_signals(true);
    const seen: number[] = [];
    pcntl_signal(SIGUSR2, (s) => { seen.push(s); });
    try {
      process.kill(process.pid, "SIGUSR2");
      for (let i = 0; i < 100 && seen.length === 0; i++) await Bun.sleep(5);
      expect(seen).toEqual([12]);
    } finally {
      pcntl_async_signals(false);
      pcntl_signal(SIGUSR2, SIG_DFL);
    }
  });

  test("pcntl_alarm interrupts a blocking msg_receive and its handler runs on dispatch", () => {
    const key = keys.next();
    const queue = msg_get_queue(key);
    if (!queue) throw new Error("queue");
    let alarms = 0;
    pcntl_signal(SIGALRM, () => { alarms++; });
    try {
      expect(pcntl_alarm(1)).toBe(0);
      expect(pcntl_alarm(1)).toBe(1); // seconds left of the previous alarm
      const type = ref<number>(), message = ref<unknown>(), code = ref<number>();
      expect(msg_receive(queue, 0, type, 64, message, true, 0, code)).toBe(false);
      expect([code.value, alarms]).toEqual([4, 0]);
      pcntl_signal_dispatch();
      expect(alarms).toBe(1);
    } finally {
      pcntl_signal(SIGALRM, SIG_DFL);
      msg_remove_queue(queue);
    }
  });

  test("a blocking msg_send on a full queue: the signal makes it warn and return false with EINTR, as PHP", () => {
    const body = `
      $q = msg_get_queue(0); msg_set_queue($q, ["msg_qbytes" => 16]); msg_send($q, 1, str_repeat("x", 16), false);
      pcntl_signal(SIGUSR1, function () { echo "handler\\n"; });
      exec("(sleep 0.2; kill -USR1 " . getmypid() . ") > /dev/null 2>&1 &");
      echo json_encode([msg_send($q, 1, "y", false, true, $e), $e]), "\\n";
      pcntl_signal_dispatch(); msg_remove_queue($q);`;
    const r = php(body);
    expect(r.stdout).toBe("[false,4]\nhandler\n");
    expect(r.stderr).toContain("Warning: msg_send(): msgsnd failed: Interrupted system call");
    const out: string[] = [];
    const previous = setDiagnosticHandler((d) => out.push(d.text));
    const q = msg_get_queue(0);
    if (!q) throw new Error("queue");
    try {
      msg_set_queue(q, { msg_qbytes: 16 });
      msg_send(q, 1, "x".repeat(16), false);
      pcntl_signal(SIGUSR1, () => { out.push("handler"); });
      Bun.spawnSync(["sh", "-c", `(sleep 0.2; kill -USR1 ${process.pid}) >/dev/null 2>&1 &`]);
      const e = ref<number>();
      out.push(JSON.stringify([msg_send(q, 1, "y", false, true, e), e.value]));
      pcntl_signal_dispatch();
      expect(out).toEqual(["Warning: msg_send(): msgsnd failed: Interrupted system call", "[false,4]", "handler"]);
    } finally {
      setDiagnosticHandler(previous);
      pcntl_signal(SIGUSR1, SIG_DFL);
      msg_remove_queue(q);
    }
  });

  test("a blocking sem_acquire is not ended by a signal (PHP retries EINTR too); the handler runs after", async () => {
    const key = keys.next();
    // PHP holds the semaphore for 800 ms; a Bun and a PHP waiter each get SIGUSR1 after 300 ms
    const holder = Bun.spawn(["php", "-r", `$s = sem_get((int)$argv[1]); sem_acquire($s); echo "held\\n"; usleep(800000); sem_release($s);`, "--", String(key)], { stdout: "pipe" });
    await holder.stdout.getReader().read();
    const compat = join(import.meta.dir, "..", "compat", "index.ts");
    const bunWaiter = Bun.spawn([process.execPath, "-e", `
      import { pcntl_signal, pcntl_signal_dispatch, sem_acquire, sem_get, sem_release, SIGUSR1 } from "${compat}";
      pcntl_signal(SIGUSR1, () => console.log("handler"));
      const s = sem_get(Number(process.argv[1]));
      if (!s) process.exit(3);
      console.log(String(sem_acquire(s)));
      pcntl_signal_dispatch();
      sem_release(s);`, String(key)], { stdout: "pipe", stderr: "pipe" });
    const phpWaiter = Bun.spawn(["php", "-r", `pcntl_signal(SIGUSR1, function () { echo "handler\\n"; });
      $s = sem_get((int)$argv[1]); var_export(sem_acquire($s)); echo "\\n"; pcntl_signal_dispatch(); sem_release($s);`, "--", String(key)], { stdout: "pipe" });
    try {
      await Bun.sleep(300);
      bunWaiter.kill("SIGUSR1");
      phpWaiter.kill("SIGUSR1");
      const [bunOut, phpOut] = await Promise.all([new Response(bunWaiter.stdout).text(), new Response(phpWaiter.stdout).text()]);
      expect(await bunWaiter.exited).toBe(0);
      expect(bunOut).toBe("true\nhandler\n");
      expect(phpOut).toBe(bunOut);
    } finally {
      for (const p of [holder, bunWaiter, phpWaiter]) p.kill("SIGKILL");
      keys.cleanup();
    }
  }, 20_000);

  test("SIG_IGN ignores, SIG_DFL restores, pcntl_signal_get_handler reports each, as in PHP", () => {
    const body = `
      $f = function () {};
      $a = pcntl_signal_get_handler(SIGUSR2);
      pcntl_signal(SIGUSR2, $f); $b = pcntl_signal_get_handler(SIGUSR2) === $f;
      pcntl_signal(SIGUSR2, SIG_IGN); $c = pcntl_signal_get_handler(SIGUSR2);
      posix_kill(getmypid(), SIGUSR2); pcntl_signal_dispatch();
      pcntl_signal(SIGUSR2, SIG_DFL); $d = pcntl_signal_get_handler(SIGUSR2);
      echo json_encode([$a, $b, $c, $d]);`;
    const f = () => {};
    const ours = (() => {
      const a = pcntl_signal_get_handler(SIGUSR2);
      pcntl_signal(SIGUSR2, f);
      const b = pcntl_signal_get_handler(SIGUSR2) === f;
      pcntl_signal(SIGUSR2, SIG_IGN);
      const c = pcntl_signal_get_handler(SIGUSR2);
      process.kill(process.pid, "SIGUSR2"); // ignored: the process lives on
      pcntl_signal_dispatch();
      pcntl_signal(SIGUSR2, SIG_DFL);
      return [a, b, c, pcntl_signal_get_handler(SIGUSR2)];
    })();
    expect(ours).toEqual(JSON.parse(php(body).stdout));
    expect(ours).toEqual([0, true, 1, 0]);
    // SIG_DFL really is the default action again: a child that sets and resets dies of the signal.
    const child = Bun.spawnSync(["bun", "-e", `
      import { pcntl_signal, SIGUSR2, SIG_DFL } from "${join(import.meta.dir, "..", "compat", "index.ts")}";
      pcntl_signal(SIGUSR2, () => {}); pcntl_signal(SIGUSR2, SIG_DFL);
      process.kill(process.pid, "SIGUSR2"); await Bun.sleep(2000); console.log("survived");`]);
    expect(child.signalCode).toBe("SIGUSR2");
  });

  test("bad arguments: PHP's ValueError and TypeError texts", () => {
    const cases: Array<[string, () => unknown]> = [
      ["pcntl_signal(0, SIG_DFL)", () => pcntl_signal(0, SIG_DFL)],
      ["pcntl_signal(65, SIG_DFL)", () => pcntl_signal(65, SIG_DFL)],
      ["pcntl_signal(SIGTERM, 5)", () => pcntl_signal(15, 5)],
      ["pcntl_signal(SIGTERM, 'x')", () => pcntl_signal(15, "x" as unknown as number)],
      ["pcntl_signal_get_handler(0)", () => pcntl_signal_get_handler(0)],
      ["pcntl_signal_get_handler(33)", () => pcntl_signal_get_handler(33)],
    ];
    for (const [call, fn] of cases) expect(compatOutcome(fn)).toEqual(phpOutcome(`return ${call};`));
  });

  test("an uncatchable signal is PHP's fatal 'Error installing signal handler'", () => {
    expect(() => pcntl_signal(9, () => {})).toThrow("Error installing signal handler for 9");
    expect(php(`pcntl_signal(SIGKILL, fn() => 1);`).stderr).toContain("Error installing signal handler for 9");
    expect(pcntl_signal_get_handler(9)).toBe(SIG_DFL);
  });
});
