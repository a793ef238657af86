import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { until } from "./helpers/loop.ts";
import {
  FileKey, FileLock, Mutex, Queue, ref, SharedData, SharedMemory, Semaphore, Signal, SignalHandler, SignalTrap, SIGUSR1,
  SIGUSR2, Timer,
} from "../compat/index.ts";
import { listIpc, SharedMemory as RawSegment } from "../src/index.ts";
import { testKeys, tempFile } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();
const worker = join(import.meta.dir, "fixtures", "signals", "shared-data-worker.ts");

/** Starts one worker per count, waits until each is ready, then lets them all go at once. */
async function startWorkers(key: number, counts: number[]) {
  const procs = counts.map((count, index) => {
    const proc = Bun.spawn(["bun", worker, String(key), String(count), String(index)], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    const reader = proc.stdout.getReader();
    let text = "";
    const rest = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += new TextDecoder().decode(value);
      }
    };
    return { proc, reader, rest, ready: (async () => { while (!text.includes("started")) { const r = await reader.read(); if (r.done) break; text += new TextDecoder().decode(r.value); } })() };
  });
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) { p.proc.stdin.write("go\n"); p.proc.stdin.flush(); }
  return procs;
}

describe("SharedData", () => {
  test("two names on the same slot (an FNV-1a collision): deleting the first keeps the second, no duplicate", () => {
    const key = keys.next();
    const shm = new SharedData(key);
    try {
      // "k87022" and "k147620" hash to the same 31-bit slot: the second sits one slot further on
      shm.set("k87022", "A");
      shm.set("k147620", "B");
      expect(shm.delete("k87022")).toBe(true);
      expect(shm.get("k87022")).toBeUndefined();
      expect(shm.get("k147620")).toBe("B");
      expect(shm.set("k147620", "C", true)).toBe(true);
      expect(shm.get("k147620")).toBe("C");
      expect(shm.variables.keys().length).toBe(1); // moved into the freed slot, never stored twice
    } finally {
      shm.remove();
    }
  });

  test("a key naming another PHP store: RangeError, and no semaphore set is left on that key", () => {
    const key = keys.next();
    php(`$s = shm_attach((int)$argv[1], 50000); shm_put_var($s, 1, "php");`, [key]);
    try {
      expect(() => new SharedData(key)).toThrow(/is not a SharedData store/);
      expect(listIpc("sem").filter((o) => (o.key | 0) === key)).toEqual([]);
      expect(php(`$s = shm_attach((int)$argv[1]); echo shm_get_var($s, 1);`, [key]).stdout).toBe("php"); // untouched
    } finally {
      php(`shm_remove(shm_attach((int)$argv[1]));`, [key]);
    }
  });

  test("a size too small for the store is a RangeError naming it, and leaves no segment behind", () => {
    for (const size of [-1, 0, 40, 1.5, Number.NaN]) {
      const key = keys.next();
      expect(() => new SharedData(key, size)).toThrow(/SharedData: size must be an integer > 40/);
      expect(() => RawSegment.open(key)).toThrow(/ENOENT/);
    }
  });

  test("4 processes x 1000 check-and-set increments = exactly 4000", async () => {
    const key = keys.next();
    const shm = new SharedData(key);
    try {
      const procs = await startWorkers(key, [1000, 1000, 1000, 1000]);
      const codes = await Promise.all(procs.map((p) => p.proc.exited));
      const outs = await Promise.all(procs.map((p) => p.rest()));
      expect(codes).toEqual([0, 0, 0, 0]);
      expect(shm.get("counter")).toEqual([4000, 1000, 1000, 1000, 1000]);
      // the check did its job: the processes ran together and some sets were refused and retried
      const retries = outs.map((o) => Number(/retries (\d+)/.exec(o)?.[1]));
      expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      shm.remove();
    }
  }, 60_000);

  test("a process SIGKILLed mid-set leaves the store readable and the others finish", async () => {
    const key = keys.next();
    const shm = new SharedData(key);
    try {
      // the victim has far more to do than the others: it is surely mid-loop when killed
      const procs = await startWorkers(key, [1_000_000, 1000, 1000, 1000]);
      await Bun.sleep(20);
      procs[0]!.proc.kill("SIGKILL");
      const codes = await Promise.all(procs.map((p) => p.proc.exited));
      expect(codes.slice(1)).toEqual([0, 0, 0]);
      expect(procs[0]!.proc.signalCode).toBe("SIGKILL");
      const [total, ...tallies] = shm.get<number[]>("counter")!;
      // every set was applied whole or not at all (the victim's last one included), none was lost
      expect(total).toBe(tallies.reduce((a, b) => a + b, 0));
      expect(tallies.slice(1)).toEqual([1000, 1000, 1000]);
      expect(shm.set("counter", [total! + 1], true)).toBe(true); // the lock is free again
    } finally {
      shm.remove();
    }
  }, 60_000);

  test("a setter that died inside its set is rolled back by the next holder of the lock", () => {
    const key = keys.next();
    const a = new SharedData(key), b = new SharedData(key);
    try {
      a.set("counter", 41);
      a.set("other", "kept");
      // What a setter does before it touches the store, then dies half-way: journal armed, store trashed.
      using segment = RawSegment.open(key);
      const journal = (segment.size - 8) / 2, used = 40 + a.variables.stat().used;
      segment.write(segment.read(0, used), journal + 8);
      const length = new Uint8Array(4);
      new DataView(length.buffer).setUint32(0, used, true);
      segment.write(length, journal + 4);
      segment.write(Uint8Array.of(1), journal);
      segment.write(new Uint8Array(used - 8).fill(0xee), 8); // header words and chunks: garbage
      expect(b.get("counter")).toBe(41);
      expect(b.recovered).toBe(1);
      expect(b.get("other")).toBe("kept");
      expect(b.set("counter", 42, true)).toBe(true);
      expect(a.get("counter")).toBe(42);
      expect(a.recovered).toBe(0);
    } finally {
      b.close();
      a.remove();
    }
  });

  test("set(..., true) is false after another process changed the value; a plain set always writes", () => {
    const key = keys.next();
    const a = new SharedData(key), b = new SharedData(key);
    try {
      expect(a.get("x")).toBe(undefined);
      expect(b.get("x")).toBe(undefined);
      expect(a.set("x", 1, true)).toBe(true);
      expect(b.set("x", 2, true)).toBe(false); // b last saw "unset"
      expect(b.get("x")).toBe(1);
      expect(b.set("x", 2, true)).toBe(true);
      expect(a.set("x", 3)).toBe(true);
      expect(a.get("x")).toBe(3);
      expect(a.set("é ✓", { deep: [1, 2] })).toBe(true);
      expect(b.get("é ✓")).toEqual({ deep: [1, 2] });
    } finally {
      b.close();
      a.remove();
    }
  });
});

describe("Semaphore, Mutex, Queue, SharedMemory, FileKey with PHP", () => {
  test("Semaphore(key, 2) / Mutex(key): allocate() true, true, false; a PHP holder counts", () => {
    const key = keys.next(), key2 = keys.next();
    const sem = new Semaphore(key, 2);
    const mutex = new Mutex(key2);
    try {
      expect([sem.allocate(), sem.allocate(), sem.allocate()]).toEqual([true, true, false]);
      expect(sem.release()).toBe(true);
      expect(mutex.allocate()).toBe(true);
      expect(mutex.allocate()).toBe(false);
      // PHP's sem_get on the same key sees our counts: one free on sem, none on the mutex
      const r = php(`$s = sem_get((int)$argv[1], 2); $m = sem_get((int)$argv[2]);
        echo json_encode([sem_acquire($s, true), sem_acquire($s, true), sem_acquire($m, true)]);`, [key, key2]);
      expect(JSON.parse(r.stdout)).toEqual([true, false, false]);
      mutex.release();
      expect(mutex.release()).toBe(false);
    } finally {
      sem.remove();
      mutex.remove();
    }
  });

  test("Queue: send/receive with PHP's msg_send/msg_receive both ways, receive writes the type", () => {
    const key = keys.next();
    const msgq = new Queue(key);
    try {
      msgq.send(1, ["Some data", { format: "foo" }]);
      const r = php(`$q = msg_get_queue((int)$argv[1]); msg_receive($q, 1, $t, 1024, $m); echo json_encode([$t, $m]);
        msg_send($q, 7, ["from" => "php", 1.5]);`, [key]);
      expect(JSON.parse(r.stdout)).toEqual([1, ["Some data", { format: "foo" }]]);
      const type = ref<number>();
      expect(msgq.receive(0, type)).toEqual({ from: "php", 0: 1.5 });
      expect(type.value).toBe(7);
    } finally {
      msgq.remove();
    }
  });

  test("SharedMemory: shm[0] = 42 is PHP's shm_get_var($shm, 0), and back", () => {
    const key = keys.next();
    const shm = new SharedMemory(key);
    try {
      shm[0] = 42;
      shm[3] = ["a", true];
      expect(shm[0]).toBe(42);
      expect([0 in shm, 1 in shm]).toEqual([true, false]);
      const r = php(`$s = shm_attach((int)$argv[1]); echo json_encode([shm_get_var($s, 0), shm_get_var($s, 3)]); shm_put_var($s, 1, "php");`, [key]);
      expect(JSON.parse(r.stdout)).toEqual([42, ["a", true]]);
      expect(shm[1]).toBe("php");
      delete shm[1];
      expect(shm[1]).toBe(undefined);
      expect(shm.indexes().sort()).toEqual([0, 3]);
    } finally {
      shm.remove();
    }
  });

  test("SharedMemory: a negative index is a PHP int key too, shared (not a local JS property)", () => {
    const key = keys.next();
    const shm = new SharedMemory(key);
    try {
      shm[-1] = "minus one";
      const r = php(`$s = shm_attach((int)$argv[1]); echo json_encode(shm_get_var($s, -1)); shm_put_var($s, -7, 7);`, [key]);
      expect(r.stdout).toBe('"minus one"');
      expect(shm[-7]).toBe(7);
      expect(shm.indexes().sort()).toEqual([-1, -7]);
    } finally {
      shm.remove();
    }
  });

  test("FileKey: PHP's ftok($path, \"\\0\"), clone() is the next project id", () => {
    const file = tempFile("filekey");
    const key = new FileKey(file);
    const key2 = key.clone();
    const r = php(`echo json_encode([ftok($argv[1], "\\0"), ftok($argv[1], "\\1")]);`, [file]);
    expect(JSON.parse(r.stdout)).toEqual([key.key, key2.key]);
    expect([key.projectId, key2.projectId, key2.next().projectId]).toEqual([0, 1, 2]);
  });

  test("FileLock: creating does not acquire; acquire() is false while PHP holds it", async () => {
    const file = tempFile("filelock");
    const lock = new FileLock(file);
    const holder = Bun.spawn(["php", "-r", `$f = fopen($argv[1], "r"); flock($f, LOCK_EX); echo "locked\\n"; fgets(STDIN);`, "--", file], {
      stdin: "pipe", stdout: "pipe",
    });
    try {
      await holder.stdout.getReader().read();
      expect(lock.acquire()).toBe(false);
      holder.stdin.end();
      await holder.exited;
      expect(lock.acquire()).toBe(true);
      expect(lock.isAcquired()).toBe(true);
      lock.release();
      expect(lock.isAcquired()).toBe(false);
    } finally {
      holder.kill();
      lock.close();
    }
  });
});

describe("signal classes and Timer", () => {
  test("Queue.send waiting on a full queue: SIGTERM makes it return false (nothing sent), exit 0", async () => {
    const key = keys.next();
    const compat = join(import.meta.dir, "..", "compat", "index.ts");
    const proc = Bun.spawn([process.execPath, "-e", `
      import { Queue, SignalTrap, SIGTERM } from "${compat}";
      const msgq = new Queue(Number(process.argv[1]));
      msgq.queue.set({ maxBytes: 64 });
      const trap = new SignalTrap(SIGTERM);
      const results = [];
      while (!trap.isTrapped()) {
        if (results.length === 1) console.log("ready");
        results.push(msgq.send(1, "x".repeat(40)));
      }
      console.log(JSON.stringify(results), msgq.queue.stat().messages);`, String(key)], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    const queue = new Queue(key);
    try {
      expect(await until(() => {
        try { return readFileSync(`/proc/${proc.pid}/wchan`, "utf8").includes("msgsnd"); } catch { return false; }
      })).toBe(true);
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(await new Response(proc.stdout).text()).toBe("ready\n[true,false] 1\n");
      expect(await new Response(proc.stderr).text()).toBe("");
    } finally {
      queue.remove();
    }
  });

  test("SignalTrap main loop over a blocking Queue.receive: SIGTERM ends it at once (receive false, nothing consumed), exit 0", async () => {
    const key = keys.next();
    const compat = join(import.meta.dir, "..", "compat", "index.ts");
    const proc = Bun.spawn([process.execPath, "-e", `
      import { Queue, SignalTrap, SIGTERM, ref } from "${compat}";
      const msgq = new Queue(Number(process.argv[1]));
      const trap = new SignalTrap(SIGTERM);
      console.log("ready");
      const results = [];
      while (!trap.isTrapped()) {
        const type = ref();
        results.push(msgq.receive(1, type));
      }
      console.log(JSON.stringify(results));`, String(key)], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("ready")) {
      const r = await reader.read();
      if (r.done) break;
      out += new TextDecoder().decode(r.value);
    }
    const queue = new Queue(key);
    try {
      // the main thread is blocked inside msgrcv(2) before the signal is sent
      expect(await until(() => readFileSync(`/proc/${proc.pid}/wchan`, "utf8").includes("msgrcv"))).toBe(true);
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        out += new TextDecoder().decode(r.value);
      }
      expect(out).toBe("ready\n[false]\n");
      expect(await new Response(proc.stderr).text()).toBe("");
    } finally {
      queue.remove();
    }
  });

  test("SignalHandler.addHandler bubbling, Signal.setHandler + dispatch, SignalTrap", async () => {
    const heard: string[] = [];
    const handler = new SignalHandler(SIGUSR1);
    handler.addHandler(() => { heard.push("h1"); return true; });
    handler.addHandler(() => { heard.push("h2"); });
    const signal = new Signal(SIGUSR2);
    signal.setHandler(() => { heard.push("old"); });
    signal.setHandler(() => { heard.push("usr2"); });
    const trap = new SignalTrap(SIGUSR2);
    try {
      new Signal(SIGUSR1).dispatch(process.pid);
      signal.dispatch();
      expect(trap.isTrapped()).toBe(true); // at once, before the event loop ran
      for (let i = 0; i < 100 && heard.length < 2; i++) await Bun.sleep(5);
      await Bun.sleep(20);
      expect(heard.sort()).toEqual(["h1", "usr2"]);
    } finally {
      handler.close();
      signal.close();
      trap.close();
    }
  });

  test("Timer(callback, interval) fires at a fixed rate and stops", async () => {
    let dots = "";
    const timer = new Timer(() => { dots += "."; }, 20);
    while (dots.length < 3) await Bun.sleep(5);
    timer.stop();
    const at = dots.length;
    await Bun.sleep(60);
    expect(dots.length).toBe(at);
    expect(timer.interval).toBe(20);
  });

  test("SignalHandler(SIGKILL) and Signal(SIGKILL)->setHandler() are refused at once; Signal(SIGKILL) can still be sent", () => {
    expect(() => new SignalHandler(9)).toThrow(RangeError);
    using signal = new Signal(9);
    expect(() => signal.setHandler(() => {})).toThrow("Signal.setHandler: SIGKILL (9) cannot be caught");
    expect(() => new SignalTrap(0)).toThrow(RangeError);
  });

  test("Timer with a callback that is not callable: TypeError at once (PHP's callable type)", () => {
    expect(() => new Timer("tick" as never, 20)).toThrow(TypeError);
  });
});
