/**
 * The `bun-sysv` CLI run as a subprocess against objects made by the real `php`: decoded output in text
 * and JSON, corruption reported, `rm --stale` picking only what is abandoned, exit statuses.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ftok } from "../src/keys/index.ts";
import { listIpc } from "../src/inspect/sysvipc.ts";
import { SharedMemory } from "../src/shm/index.ts";
import { MessageQueue } from "../src/msg/index.ts";
import { testKeys, tempFile } from "./helpers/ipc.ts";
import { php, phpSpawn } from "./helpers/php.ts";
import { unprivileged } from "./helpers/unprivileged.ts";

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");
const keys = testKeys();
const spawned: Array<{ kill(): void }> = [];
afterAll(() => { for (const p of spawned) p.kill(); });

function cli(args: (string | number)[], prefix: string[] = []) {
  const r = Bun.spawnSync([...prefix, process.execPath, MAIN, ...args.map(String)], {
    stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 20_000, cwd: prefix.length ? "/tmp" : undefined,
  });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), code: r.exitCode };
}

function cliJson<T = any>(args: (string | number)[]): T {
  const r = cli([...args, "--json"]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

const hex = (key: number) => `0x${(key >>> 0).toString(16).padStart(8, "0")}`;

/** A PHP store with three variables, made by a php process that has exited. */
function phpStore(key: number): void {
  const r = php(`$s = shm_attach((int)$argv[1], 4000, 0600);
    shm_put_var($s, 1, ['name' => "it's", 'list' => [1, 2.5, true, null], 7 => -3]);
    shm_put_var($s, 42, 'hello');
    shm_put_var($s, -5, 1.0);`, [key]);
  expect(r.stderr).toBe("");
}

describe("show", () => {
  test("a PHP store: each variable in var_export style, the same text PHP prints", () => {
    const key = keys.next();
    phpStore(key);
    const r = cli(["show", hex(key)]);
    expect(r.code).toBe(0);
    const expected = php(`$s = shm_attach((int)$argv[1]);
      foreach ([1, 42, -5] as $k) echo $k, ' => ', var_export(shm_get_var($s, $k), true), "\\n";`, [key]).stdout;
    expect(r.stdout).toContain("PHP shm_attach store: 3 variable(s)");
    expect(r.stdout).toContain(expected.trimEnd());
  });

  test("a PHP store as JSON, by decimal key and by id", () => {
    const key = keys.next();
    phpStore(key);
    const report = cliJson(["show", key]);
    expect(report.type).toBe("php-store");
    expect(report.variables).toEqual([
      { key: 1, value: { name: "it's", list: [1, 2.5, true, null], 7: -3 } },
      { key: 42, value: "hello" },
      { key: -5, value: 1 },
    ]);
    const byId = cliJson(["show", `id:${report.id}`]);
    expect(byId.variables).toEqual(report.variables);
  });

  test("a corrupt store is reported (exit 1), not crashed on; the good variables before it still print", () => {
    const key = keys.next();
    phpStore(key);
    using shm = SharedMemory.open(key);
    // The second chunk starts after the first: break its length field so the chain points outside.
    const firstNext = new DataView(shm.read(40 + 16, 8).buffer).getBigInt64(0, true);
    const second = 40 + Number(firstNext);
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setBigInt64(0, 1_000_000n, true);
    shm.write(bad, second + 8);
    const text = cli(["show", hex(key)]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("CORRUPT");
    expect(text.stdout).toContain(`offset ${second}`);
    expect(text.stderr).toBe("");
    const r = cli(["show", hex(key), "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.type).toBe("php-store-corrupt");
    expect(report.corrupt).toContain(`chunk at offset ${second}`);
    const ls = cliJson<any[]>(["ls", "--shm"]).find((o) => o.key === key);
    expect(ls.type).toBe("php-store-corrupt");
  });

  test("a corrupt value inside a sound chain is reported per variable", () => {
    const key = keys.next();
    phpStore(key);
    using shm = SharedMemory.open(key);
    shm.write("X", 40 + 24); // first byte of the first payload: 'a' becomes 'X'
    const r = cli(["show", hex(key)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^1 => CORRUPT: /m);
    expect(r.stdout).toContain("42 => 'hello'");
  });

  test("a raw segment: a hex dump of its first bytes", () => {
    const key = keys.next();
    using shm = SharedMemory.createNew(key, 100);
    shm.write("hello world", 0);
    const r = cli(["show", hex(key), "--bytes", "32"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("raw segment, first 32 bytes");
    expect(r.stdout).toContain("00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 00 00 00 00 00  |hello world.....|");
  });

  test("a queue: its stat, and --peek decodes messages (PHP serialize, a pool's JSON batch, text) without taking them (MSG_COPY)", () => {
    const key = keys.next();
    const batch = '{"first":7,"tasks":[{"value":1},{"value":2}]}';
    const r0 = php(`$q = msg_get_queue((int)$argv[1], 0600);
      msg_send($q, 3, ['id' => 5, 'task' => [1, 2]]); msg_send($q, 1, 'plain', false); msg_send($q, 4, $argv[2], false);`, [key, batch]);
    expect(r0.stderr).toBe("");
    const text = cli(["show", hex(key), "--peek", "5"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/messages\s+3/);
    expect(text.stdout).toContain("#0 type 3");
    expect(text.stdout).toContain("'id' => 5,");
    expect(text.stdout).toContain(`#1 type 1 (5 bytes): (not serialized) "plain"`);
    expect(text.stdout).toContain(`#2 type 4 (${batch.length} bytes): (JSON) ${batch}`);
    const report = cliJson(["show", hex(key), "--peek", "3"]);
    expect(report.stat.messages).toBe(3);
    expect(report.peek.messages).toEqual([
      { index: 0, type: 3, bytes: report.peek.messages[0].bytes, value: { id: 5, task: [1, 2] } },
      { index: 1, type: 1, bytes: 5, text: "plain" },
      { index: 2, type: 4, bytes: batch.length, json: true, value: JSON.parse(batch) },
    ]);
    // Nothing was consumed: PHP still receives both, in order.
    const got = php(`$q = msg_get_queue((int)$argv[1]);
      msg_receive($q, 0, $t, 1024, $m, true, MSG_IPC_NOWAIT); echo json_encode($m), ' ';
      msg_receive($q, 0, $t, 1024, $m, false, MSG_IPC_NOWAIT); echo $m;`, [key]).stdout;
    expect(got).toBe(`{"id":5,"task":[1,2]} plain`);
  });

  test("a PHP sem_get set held by a live php: values, waiters, last pid alive", async () => {
    const key = keys.next();
    const holder = phpSpawn(`$s = sem_get((int)$argv[1], 2, 0600); sem_acquire($s); echo "held\\n"; sleep(15);`, [key], 20_000);
    spawned.push(holder.proc);
    let report: any;
    for (let i = 0; i < 100; i++) {
      if (listIpc("sem").some((o) => o.key === key)) {
        report = cliJson(["show", hex(key)]);
        if (report.semaphores[0].value === 1) break;
      }
      await Bun.sleep(50);
    }
    expect(report.type).toBe("php-sem");
    expect(report.semaphores.map((s: any) => s.value)).toEqual([1, 1, 0]);
    expect(report.semaphores[0].pid).toBe(holder.proc.pid);
    expect(report.lastUsers).toContainEqual({ pid: holder.proc.pid, alive: true });
    const text = cli(["show", hex(key)]);
    expect(text.stdout).toContain("PHP sem_get set: 1 permit(s) free, 1 handle(s), 0 waiting");
    expect(text.stdout).toMatch(new RegExp(`0\\s+counter\\s+1\\s+0\\s+0\\s+${holder.proc.pid}\\n`));
    holder.proc.kill();
    await holder.done;
  });

  test("no such key or id: exit 1 with a clear message", () => {
    const r = cli(["show", "id:2147483000"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no System V object with id 2147483000");
    const k = cli(["show", "0x7eadbee1", "--queues"]);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain("no queue with key 0x7eadbee1");
  });

  const u = unprivileged();
  test.skipIf(!u.prefix?.length)("permission denied names the mode and the owner", () => {
    const key = keys.next();
    phpStore(key);
    const r = cli(["show", hex(key)], u.prefix!);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`permission denied: cannot attach shm ${hex(key)}`);
    expect(r.stderr).toContain("mode rw------- (0600), owner root (uid 0)");
  });
});

describe("ls", () => {
  test("classifies what PHP made: store, sem_get set, queue; JSON and text", () => {
    const key = keys.next();
    phpStore(key);
    php(`msg_send(msg_get_queue((int)$argv[1], 0600), 1, 'x'); sem_get((int)$argv[1], 1, 0600);`, [key]);
    const mine = cliJson<any[]>(["ls"]).filter((o) => o.key === key);
    expect(mine.map((o) => [o.kind, o.type]).sort()).toEqual([["msg", "raw"], ["sem", "php-sem"], ["shm", "php-store"]]);
    const shm = mine.find((o) => o.kind === "shm");
    expect(shm).toMatchObject({ keyHex: hex(key), mode: "rw-------", owner: "root", size: 4000, attached: 0 });
    expect(shm.creator.alive).toBe(false);
    const msg = mine.find((o) => o.kind === "msg");
    expect(msg.messages).toBe(1);
    const text = cli(["ls", "--shm"]).stdout;
    const line = text.split("\n").find((l) => l.includes(hex(key)))!;
    expect(line).toContain(String(key));
    expect(line).toContain("PHP shm_attach store: 3 variable(s)");
    expect(line).toMatch(/\d+\(dead\)/);
    expect(cliJson<any[]>(["ls", "--queues"]).every((o) => o.kind === "msg")).toBe(true);
    expect(cliJson<any[]>(["ls", "--owner", "nobody"]).some((o) => o.key === key)).toBe(false);
  });

  test("recognises a bun-sysv pool's queue pair", () => {
    const file = tempFile("pool");
    const tasks = MessageQueue.createNew(ftok(file, "t"));
    const results = MessageQueue.createNew(ftok(file, "r"));
    try {
      const all = cliJson<any[]>(["ls", "--queues"]);
      expect(all.find((o) => o.id === tasks.id).type).toBe("pool-tasks");
      expect(all.find((o) => o.id === results.id).type).toBe("pool-results");
    } finally {
      tasks.remove();
      results.remove();
    }
  });
});

describe("rm", () => {
  test("--stale removes only objects whose creator is dead and nobody is attached", () => {
    const dead = keys.next(), live = keys.next();
    phpStore(dead);
    using mine = SharedMemory.createNew(live, 64); // created (and attached) by this live process
    mine.detach();
    const dry = cli(["rm", "--stale", hex(dead), hex(live), "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`stale: shm key ${hex(dead)}`);
    expect(listIpc("shm").some((o) => o.key === dead)).toBe(true);
    const removed = cliJson<any[]>(["rm", "--stale", hex(dead), hex(live), "--yes"]);
    expect(removed).toEqual([{ kind: "shm", key: dead, id: expect.any(Number) }]);
    expect(listIpc("shm").some((o) => o.key === dead)).toBe(false);
    expect(listIpc("shm").some((o) => o.key === live)).toBe(true);
  });

  test("rm <key> --yes removes every kind under the key", () => {
    const key = keys.next();
    phpStore(key);
    php(`msg_get_queue((int)$argv[1], 0600);`, [key]);
    const r = cli(["rm", hex(key), "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`removed shm key ${hex(key)}`);
    expect(r.stdout).toContain(`removed msg key ${hex(key)}`);
    expect(listIpc().some((o) => o.key === key)).toBe(false);
  });
});

describe("ftok and watch", () => {
  test("ftok prints the key PHP computes", () => {
    const file = tempFile("ftok");
    const phpKey = Number(php(`echo ftok($argv[1], 'x');`, [file]).stdout);
    expect(cli(["ftok", file, "x"]).stdout.trim()).toBe(`${hex(phpKey)} ${phpKey | 0}`);
    expect(cliJson(["ftok", file, "x"]).key).toBe(phpKey | 0);
    expect(cli(["ftok", "/no/such/file", "x"]).code).toBe(1);
  });

  test("watch piped: one plain line per tick, bounded by --count", () => {
    const key = keys.next();
    phpStore(key);
    const r = cli(["watch", hex(key), "--count", "2", "--interval", "50"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`42="hello"`);
    const q = keys.next();
    php(`msg_send(msg_get_queue((int)$argv[1], 0600), 1, 'x');`, [q]);
    const w = cli(["watch", hex(q), "--count", "2", "--interval", "50", "--json"]);
    expect(w.stdout.trim().split("\n").map((l) => JSON.parse(l).data.depth)).toEqual([1, 1]);
  });
});

describe("usage", () => {
  test.each([
    [[]], [["frobnicate"]], [["ls", "--bogus"]], [["ls", "extra"]], [["show"]], [["show", "not-a-key"]],
    [["show", "1", "--peek", "many"]], [["rm"]], [["ftok", "only-path"]], [["ftok", "/tmp", "xy"]],
    [["watch", "1", "--count", "-1"]], [["ls", "--shm", "--sems"]],
  ])("%j exits 2 with a message on stderr", (args) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  test("rm without --yes and without a terminal is a usage error, and removes nothing", () => {
    const key = keys.next();
    phpStore(key);
    const r = cli(["rm", hex(key)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pass --yes");
    expect(listIpc("shm").some((o) => o.key === key)).toBe(true);
  });

  test.each(["ls", "show", "rm", "ftok", "watch"])("%s --help exits 0", (command) => {
    const r = cli([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: bun-sysv ${command}`);
  });
});
