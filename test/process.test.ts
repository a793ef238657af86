/**
 * Children started the spawn way (src/process) and compat's pcntl/posix over them: real Bun children,
 * statuses compared with what real PHP 8.2 reports for the same kind of child.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { currentRole, liveChildren, spawnChild, spawnProcess, type ChildProcess } from "../src/index.ts";
import {
  pcntl_fork, pcntl_get_last_error, pcntl_strerror, pcntl_wait, pcntl_waitpid, pcntl_wexitstatus, pcntl_wifcontinued, pcntl_wifexited,
  pcntl_wifsignaled, pcntl_wifstopped, pcntl_wstopsig, pcntl_wtermsig, posix_get_last_error, posix_getpid, posix_getppid,
  posix_geteuid, posix_getuid, posix_kill, posix_strerror, ref, SIGCONT, SIGKILL, SIGSTOP, SIGTERM, WNOHANG, WUNTRACED,
} from "../compat/index.ts";
import { php, phpJson } from "./helpers/php.ts";
import { waitGone } from "./helpers/procs.ts";

const ROLES = join(import.meta.dir, "fixtures/process/roles.ts");
const started: ChildProcess[] = [];
function child(role: string, args: (string | number)[] = [], options: Parameters<typeof spawnChild>[1] = {}): ChildProcess {
  const c = spawnChild(ROLES, { role, args, ...options });
  started.push(c);
  return c;
}
afterAll(() => {
  for (const c of started) c.kill("SIGKILL");
});

/** What PHP reports for a forked child: [status, wifexited, wexitstatus, wifsignaled, wtermsig, wifstopped]. */
const DECODE = "echo json_encode([$st, pcntl_wifexited($st), pcntl_wexitstatus($st), pcntl_wifsignaled($st), pcntl_wtermsig($st), pcntl_wifstopped($st)]);";
function decoded(st: number) {
  return [st, pcntl_wifexited(st), pcntl_wexitstatus(st), pcntl_wifsignaled(st), pcntl_wtermsig(st), pcntl_wifstopped(st)];
}

/** Waits (with WNOHANG, so a bug cannot hang the runner) until pcntl_waitpid reports `pid`. */
async function waitReported(pid: number, status: { value: number }, flags = 0): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = pcntl_waitpid(pid, status, flags | WNOHANG);
    if (r !== 0) return r;
    await Bun.sleep(5);
  }
  throw new Error(`pid ${pid} not reported within 10 s`);
}

describe("spawnChild", () => {
  test("bad input fails in the caller, naming spawnChild: empty path, missing absolute path, bad role", () => {
    expect(() => spawnChild("")).toThrow(/spawnChild: module must be a file path/);
    expect(() => spawnChild("/nonexistent/daemon.ts")).toThrow(/spawnChild.*ENOENT.*\/nonexistent\/daemon\.ts/);
    expect(() => spawnChild(import.meta.path, { role: "" })).toThrow(/spawnChild: role must be a non-empty string/);
    expect(() => spawnChild(import.meta.path, { role: 42 as never })).toThrow(TypeError);
  });

  test("the child runs this file's role with its args; exited gives the exit code", async () => {
    expect(currentRole()).toBeUndefined();
    const c = child("exit", [3]);
    expect(c.pid).toBeGreaterThan(0);
    expect(c.role).toBe("exit");
    expect(await c.exited).toEqual({ code: 3, signal: null });
    expect(c.exit).toEqual({ code: 3, signal: null });
    expect(c.status).toBe(768);
    expect(c.kill()).toBe(false); // already gone
  });

  test("kill(SIGKILL): exited reports the signal", async () => {
    const c = child("sleep", [], { stdout: "pipe" });
    const reader = c.stdout!.getReader();
    await reader.read(); // started
    expect(c.kill("SIGKILL")).toBe(true);
    expect(await c.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(c.status).toBe(9);
  });

  test("proc_open style: 1 MiB on stdout and 1 MiB on stderr plus 1 MiB into stdin, no deadlock", async () => {
    const size = 1 << 20;
    const c = child("flood", [size], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const { stdout, stderr, exit } = await c.output(new Uint8Array(size).fill(0x62));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stderr.length).toBe(size);
    expect(new TextDecoder().decode(stdout.subarray(size))).toBe(`|stdin=${size}`);
    expect(stdout.subarray(0, size).every((b) => b === 0x61)).toBe(true);
  }, 30_000);

  test("a channel to the child on fd 3: values go there and back", async () => {
    const c = child("echo", [], { channel: true });
    const ch = c.channel!;
    ch.send(21);
    ch.send({ nested: ["a", 1.5, null], "é": true });
    expect(await ch.receive(5000)).toBe(42);
    expect(await ch.receive(5000)).toEqual({ nested: ["a", 1.5, null], "é": true });
    ch.close();
    expect(await c.exited).toEqual({ code: 0, signal: null });
  });

  test("spawnProcess runs any command", async () => {
    const c = spawnProcess(["sh", "-c", "printf out; printf err >&2; exit 7"], { stdout: "pipe", stderr: "pipe" });
    const out = await c.output();
    expect(new TextDecoder().decode(out.stdout)).toBe("out");
    expect(new TextDecoder().decode(out.stderr)).toBe("err");
    expect(out.exit.code).toBe(7);
  });

  test("a finished child is no longer live", async () => {
    const c = child("exit", [0]);
    expect(liveChildren()).toContain(c);
    await c.exited;
    expect(liveChildren()).not.toContain(c);
  });
});

describe("no orphans", () => {
  async function parentAndChild(role = "parent"): Promise<{ parent: ChildProcess; childPid: number }> {
    const parent = child(role, [], { stdout: "pipe" });
    const reader = parent.stdout!.getReader();
    let text = "";
    while (!/child (\d+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`parent ended early: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    return { parent, childPid: Number(/child (\d+)/.exec(text)![1]) };
  }

  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL"] as const) {
    test(`parent killed with ${signal}: its child goes too`, async () => {
      const { parent, childPid } = await parentAndChild();
      parent.kill(signal);
      expect(await parent.exited).toEqual({ code: null, signal });
      expect(await waitGone(childPid)).toBe(true);
    });
  }
});

test("a parent with its own SIGTERM listener: the child is left to it, and stopped when the parent exits", async () => {
  const parent = child("graceful", [], { stdout: "pipe" });
  const reader = parent.stdout!.getReader();
  let text = "";
  while (!/child (\d+)\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const childPid = Number(/child (\d+)/.exec(text)![1]);
  parent.kill("SIGTERM");
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  expect(await parent.exited).toEqual({ code: 0, signal: null });
  expect(text).toContain("child alive in handler: true");
  expect(await waitGone(childPid)).toBe(true);
});

describe("pcntl / posix", () => {
  test("pcntl_fork throws an Error saying why and what to call instead", () => {
    expect(() => pcntl_fork()).toThrow(/Bun cannot fork.*spawnChild\(import\.meta\.path/s);
    try {
      pcntl_fork();
    } catch (error) {
      expect((error as Error).name).toBe("Error");
    }
  });

  test("exit 3 and SIGKILL: pcntl_waitpid + W* give PHP's numbers for the same children", async () => {
    const phpSaw = phpJson<any[][]>(`
      $out = [];
      $pid = pcntl_fork(); if ($pid === 0) { exit(3); }
      pcntl_waitpid($pid, $st); $out[] = json_decode((function () use ($st) { ob_start(); ${DECODE} return ob_get_clean(); })());
      $pid = pcntl_fork(); if ($pid === 0) { posix_kill(getmypid(), SIGKILL); sleep(10); exit(0); }
      pcntl_waitpid($pid, $st); $out[] = json_decode((function () use ($st) { ob_start(); ${DECODE} return ob_get_clean(); })());
      echo json_encode($out);`);
    const exit3 = child("exit", [3]);
    const killed = child("sleep");
    killed.kill(SIGKILL);
    const s1 = ref(0), s2 = ref(0);
    expect(pcntl_waitpid(exit3.pid, s1)).toBe(exit3.pid); // blocking form
    expect(await waitReported(killed.pid, s2)).toBe(killed.pid);
    expect([decoded(s1.value), decoded(s2.value)]).toEqual(phpSaw);
    expect(phpSaw[0]![0]).toBe(768);
    expect(phpSaw[1]![0]).toBe(9);
    // Reported once: afterwards the child is reaped (ECHILD), as in PHP.
    expect(pcntl_waitpid(exit3.pid, s1, WNOHANG)).toBe(-1);
    expect(pcntl_get_last_error()).toBe(10);
    expect(pcntl_strerror(10)).toBe(php("echo pcntl_strerror(10);").stdout);
    // exited still resolves for the idiomatic side.
    expect(await exit3.exited).toEqual({ code: 3, signal: null });
  });

  test("WNOHANG: 0 while the child runs; WUNTRACED reports a stop once, as PHP does", async () => {
    const phpSaw = phpJson<any[]>(`
      $pid = pcntl_fork(); if ($pid === 0) { sleep(10); exit(0); }
      $r0 = pcntl_waitpid($pid, $st, WNOHANG);
      posix_kill($pid, SIGSTOP); $r1 = pcntl_waitpid($pid, $st, WUNTRACED) === $pid;
      $stopped = [$st, pcntl_wifstopped($st), pcntl_wstopsig($st), pcntl_wifexited($st), pcntl_wifsignaled($st)];
      $r2 = pcntl_waitpid($pid, $st2, WNOHANG | WUNTRACED);
      posix_kill($pid, SIGKILL); pcntl_waitpid($pid, $st);
      echo json_encode([$r0, $r1, $stopped, $r2, $st]);`);
    const c = child("sleep");
    const st = ref(-1);
    expect(pcntl_waitpid(c.pid, st, WNOHANG)).toBe(0);
    expect(posix_kill(c.pid, SIGSTOP)).toBe(true);
    const r1 = (await waitReported(c.pid, st, WUNTRACED)) === c.pid;
    const stopped = [st.value, pcntl_wifstopped(st.value), pcntl_wstopsig(st.value), pcntl_wifexited(st.value), pcntl_wifsignaled(st.value)];
    const r2 = pcntl_waitpid(c.pid, ref(0), WNOHANG | WUNTRACED);
    posix_kill(c.pid, SIGCONT);
    posix_kill(c.pid, SIGKILL);
    await waitReported(c.pid, st);
    expect([0, r1, stopped, r2, st.value]).toEqual(phpSaw);
  });

  test("pcntl_wait takes any child; -1 with ECHILD when there is none", async () => {
    const c = child("exit", [5]);
    const st = ref(0);
    let got = 0;
    for (let i = 0; i < 2000 && got !== c.pid; i++) {
      got = pcntl_wait(st, WNOHANG);
      if (got <= 0) await Bun.sleep(5);
      // other children of earlier tests may be reported first: that is "any child"
    }
    expect(got).toBe(c.pid);
    expect(pcntl_wexitstatus(st.value)).toBe(5);
    expect(pcntl_waitpid(1, st, WNOHANG)).toBe(-1); // init is not our child
    expect(pcntl_get_last_error()).toBe(10);
  });

  test("pcntl_w* coerce $status as PHP's int parameter: numeric strings, whole floats, C int cut; TypeError text", () => {
    const phpSaw = phpJson<(string | number | boolean | null)[]>(`
      $e = null; try { pcntl_wexitstatus("abc"); } catch (TypeError $t) { $e = $t->getMessage(); }
      echo json_encode([pcntl_wifexited("768"), pcntl_wexitstatus("768"), pcntl_wtermsig(9.0), pcntl_wifsignaled(true),
        pcntl_wexitstatus(768 + (1 << 32)), pcntl_wifcontinued("65535"), $e]);`);
    let message: string | null = null;
    try {
      pcntl_wexitstatus("abc" as unknown as number);
    } catch (error) {
      expect((error as Error).name).toBe("TypeError");
      message = (error as Error).message;
    }
    const s = (v: unknown) => v as number;
    expect([pcntl_wifexited(s("768")), pcntl_wexitstatus(s("768")), pcntl_wtermsig(9.0), pcntl_wifsignaled(s(true)),
      pcntl_wexitstatus(768 + 2 ** 32), pcntl_wifcontinued(s("65535")), message]).toEqual(phpSaw);
  });

  test("posix_kill, pids, uids and errors like PHP", () => {
    expect(posix_getpid()).toBe(process.pid);
    expect(posix_getppid()).toBe(process.ppid);
    expect(posix_getuid()).toBe(process.getuid!());
    expect(posix_geteuid()).toBe(process.geteuid!());
    expect(posix_kill(process.pid, 0)).toBe(true);
    const phpSaw = phpJson<any[]>("$r = posix_kill(4194305, 0); echo json_encode([$r, posix_get_last_error(), posix_strerror(posix_get_last_error()), posix_kill(getmypid(), 999), posix_get_last_error()]);");
    const mine = [posix_kill(4194305, 0), posix_get_last_error(), posix_strerror(posix_get_last_error())];
    mine.push(posix_kill(process.pid, 999), posix_get_last_error());
    expect(mine).toEqual(phpSaw);
    expect(SIGTERM).toBe(15);
  });
});

describe("environment", () => {
  test("a command started by spawnProcess gets no role or parent variables; a role child's own children do not take its role", async () => {
    const cmd = spawnProcess(["sh", "-c", "env | grep ^BUN_SYSV_ || true"], { stdout: "pipe" });
    expect(new TextDecoder().decode((await cmd.output()).stdout)).toBe("");
    const c = child("env", [], { stdout: "pipe" });
    expect(new TextDecoder().decode((await c.output()).stdout)).toBe("env 0 undefined true\n");
  });
});
