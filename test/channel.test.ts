/**
 * Channels (src/channel, compat StreamChannel/MultiStreamChannel): framing, a pair across processes and
 * across Workers, a master with 4 client processes x 1000 messages, and a real PHP 8.2 process at the
 * other end (fd 3 and a Unix socket path).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  ChannelServer, channelFromFd, channelOverPort, channelPair, connectChannel, encodeFrame, FrameDecoder, serialize, spawnChild,
  spawnProcess, type ChildProcess,
} from "../src/index.ts";
import { MultiStreamChannel, ref, StreamChannel } from "../compat/index.ts";
import { tempDir } from "./helpers/ipc.ts";
import { until } from "./helpers/loop.ts";

const ROLES = join(import.meta.dir, "fixtures/process/roles.ts");
const PEER_PHP = join(import.meta.dir, "fixtures/process/channel-peer.php");
const WORKER = join(import.meta.dir, "fixtures/process/channel-worker.ts");
const dir = tempDir("bun-sysv-channel-"); // removed when the run ends, also when interrupted
const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) c.kill("SIGKILL");
});
const bytes = (s: string) => new TextEncoder().encode(s);

describe("frames", () => {
  test("4-byte big-endian length, then the payload; cut anywhere, decoded whole", () => {
    const frames = [bytes("a"), new Uint8Array(0), bytes("héllo wörld"), new Uint8Array(70_000).fill(7)];
    const stream = Buffer.concat(frames.map(encodeFrame));
    expect([...encodeFrame(bytes("hi"))]).toEqual([0, 0, 0, 2, 0x68, 0x69]);
    for (const step of [1, 2, 3, 5, 4096, stream.length]) {
      const decoder = new FrameDecoder();
      const out: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += step) out.push(...decoder.push(stream.subarray(i, i + step)));
      expect(out.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map((f) => Buffer.from(f).toString("hex")));
      expect(decoder.buffered).toBe(0);
    }
  });

  test("a length over the limit is refused, not buffered", () => {
    const decoder = new FrameDecoder(1024);
    expect(() => decoder.push(new Uint8Array([0, 0, 4, 1]))).toThrow(/EBADMSG.*1025 exceeds the limit of 1024/);
  });
});

describe("channel pair in one process", () => {
  test("PHP serialize format by default; JSON and raw as options", async () => {
    const [a, b] = channelPair();
    a.send({ n: 1, list: [1, "two", 3.5, null, true], s: "日本" });
    expect(await b.receive()).toEqual({ n: 1, list: [1, "two", 3.5, null, true], s: "日本" });
    a.close(); b.close();
    const [j1, j2] = channelPair({ format: "json" });
    j1.send({ x: [1, 2] });
    expect(await j2.receive()).toEqual({ x: [1, 2] });
    j1.close(); j2.close();
    const [r1, r2] = channelPair({ format: "raw" });
    r1.send(new Uint8Array([0, 255, 10]));
    r1.send("é");
    expect([...(await r2.receive()) as Uint8Array]).toEqual([0, 255, 10]);
    expect([...(await r2.receive()) as Uint8Array]).toEqual([0xc3, 0xa9]);
    r1.close(); r2.close();
  });

  test("timeouts: 0 takes only what is here, n ms rejects with ETIMEDOUT; a closed peer rejects", async () => {
    const [a, b] = channelPair();
    await expect(b.receive(0)).rejects.toThrow(/ETIMEDOUT/);
    await expect(b.receive(30)).rejects.toThrow(/ETIMEDOUT.*within 30 ms/);
    a.send(1);
    a.send(2);
    a.close();
    expect(await b.receive()).toBe(1); // what was sent before the close still arrives
    expect(await b.receive()).toBe(2);
    await expect(b.receive()).rejects.toThrow(/EBADF.*peer is gone/);
    expect(() => a.send(3)).toThrow(/closed/);
    b.close();
  });

  test("an end already used here cannot go to a child", () => {
    const [a, b] = channelPair();
    a.send(1);
    expect(() => a.transferFd()).toThrow(/already used/);
    expect(b.transferable).toBe(true);
    a.close(); b.close();
  });
});

describe("across processes", () => {
  test("a pair with a child process: 1000 values there and back, in order", async () => {
    const [mine, theirs] = channelPair();
    const child = spawnChild(ROLES, { role: "echo", channel: theirs });
    started.push(child);
    expect(theirs.closed).toBe(true); // handed over
    for (let i = 0; i < 1000; i++) mine.send(i);
    const back: unknown[] = [];
    for (let i = 0; i < 1000; i++) back.push(await mine.receive(10_000));
    expect(back).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    mine.close();
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  test("MultiStreamChannel: 4 client processes x 1000 messages, none lost or reordered; reply to one, broadcast", async () => {
    const master = new MultiStreamChannel();
    const clients = [0, 1, 2, 3].map((i) => {
      const client = master.createClient();
      const child = spawnChild(ROLES, { role: "client", args: [i, 1000], channel: client.channel, stdout: "pipe" });
      started.push(child);
      return child;
    });
    const next = [0, 0, 0, 0];
    const from = ref<number>();
    for (let n = 0; n < 4000; n++) {
      const message = (await master.receive(from, 20_000)) as { client: number; seq: number };
      expect(message.client).toBe(from.value);
      expect(message.seq).toBe(next[from.value]!);
      next[from.value]!++;
    }
    expect(next).toEqual([1000, 1000, 1000, 1000]);
    master.send({ to: 2 }, 2);
    expect(master.broadcast("bye")).toBe(4);
    const outputs = await Promise.all(clients.map(async (c) => (await c.output()).stdout));
    const lines = outputs.map((o) => new TextDecoder().decode(o).trim());
    expect(lines).toEqual(['client 0 got "bye"', 'client 1 got "bye"', 'client 2 got {"to":2}', 'client 3 got "bye"']);
    master.close();
  }, 60_000);

  test("MultiStreamChannel.receive: n ms rejects with ETIMEDOUT and leaves the line; a waiter gets the next message with its client; close rejects the rest", async () => {
    const master = new MultiStreamChannel();
    const client = master.createClient();
    try {
      await expect(master.receive(undefined, 30)).rejects.toThrow(/ETIMEDOUT.*within 30 ms/);
      const from = ref<number>();
      const waiting = master.receive(from, 5000);
      client.send("late");
      expect(await waiting).toBe("late");
      expect(from.value).toBe(0);
      const left = master.receive();
      master.close();
      await expect(left).rejects.toThrow(/EBADF.*the master was closed/);
    } finally {
      master.close();
      client.close();
    }
  });

  test("a Unix socket path: a server and several clients", async () => {
    const path = join(dir, "server.sock");
    const server = await ChannelServer.listen(path);
    const a = await connectChannel(path), b = await connectChannel(path);
    const [sa, sb] = [await server.accept(), await server.accept()];
    a.send("from a");
    b.send("from b");
    expect([await sa.receive(5000), await sb.receive(5000)].sort()).toEqual(["from a", "from b"]);
    sa.send("reply");
    expect(await a.receive(5000)).toBe("reply");
    for (const ch of [a, b, sa, sb]) ch.close();
    server.close();
    expect(await until(() => !existsSync(path))).toBe(true);
    await expect(connectChannel(path)).rejects.toThrow(/ENOENT|ECONNREFUSED/);
  });
});

describe("across Workers", () => {
  function worker(): Worker {
    return new Worker(WORKER);
  }
  function reply(w: Worker): Promise<any> {
    return new Promise((resolve, reject) => {
      w.addEventListener("message", (e) => resolve(e.data), { once: true });
      w.addEventListener("error", (e) => reject(e));
    });
  }

  test("main thread and a Worker over a MessagePort", async () => {
    const w = worker();
    try {
      const { port1, port2 } = new MessageChannel();
      w.postMessage({ port: port2, role: "echo" }, [port2]);
      const ch = channelOverPort(port1);
      for (let i = 0; i < 100; i++) ch.send(i);
      for (let i = 0; i < 100; i++) expect(await ch.receive(5000)).toBe(i * 2);
      const done = reply(w);
      ch.send("bye");
      expect(await done).toEqual({ done: "echo" });
      await expect(ch.receive(5000)).rejects.toThrow(/peer is gone/);
      ch.close();
    } finally {
      w.terminate();
    }
  });

  test("a Worker object and its `self`, no MessageChannel", async () => {
    const w = new Worker(join(import.meta.dir, "fixtures/process/channel-self-worker.ts"));
    try {
      const ch = channelOverPort(w);
      const values = [1, "два", { k: [true, null] }, 2.5];
      for (const v of values) ch.send(v);
      for (const v of values) expect(await ch.receive(5000)).toEqual(v);
      ch.close();
    } finally {
      w.terminate();
    }
  });

  test("two Workers on the two ends of one MessageChannel: 1000 values, in order", async () => {
    const sender = worker(), summer = worker();
    try {
      const { port1, port2 } = new MessageChannel();
      const sent = reply(sender), summed = reply(summer);
      summer.postMessage({ port: port2, role: "sum" }, [port2]);
      sender.postMessage({ port: port1, role: "send", n: 1000 }, [port1]);
      expect(await summed).toEqual({ count: 1000, ordered: true });
      expect(await sent).toEqual({ sum: (999 * 1000) / 2 });
    } finally {
      sender.terminate();
      summer.terminate();
    }
  });
});

describe("a PHP end", () => {
  const VALUES: unknown[] = [1, "héllo wörld ✓", [1, 2, 3], { name: "ann", tags: ["x", "y"], score: 1.5 }, null, true, "x".repeat(100_000)];

  async function talkTo(child: ChildProcess | null, ch: { send(v: unknown): void; receive(t?: number): Promise<unknown> }) {
    for (const value of VALUES) {
      ch.send(value);
      const answer = (await ch.receive(10_000)) as { php: string; got: unknown; strlen: number };
      expect(answer.php).toStartWith("8.2");
      expect(answer.got).toEqual(value);
      expect(answer.strlen).toBe(serialize(value).length); // PHP's bytes are Bun's bytes
    }
    ch.send("bye");
    expect(((await ch.receive(10_000)) as { got: unknown }).got).toBe("bye");
    if (child) expect((await child.exited).code).toBe(0);
  }

  test("PHP on the child's fd 3 (php://fd/3) reads and writes the same frames", async () => {
    const child = spawnProcess(["php", PEER_PHP, "fd"], { channel: true });
    started.push(child);
    await talkTo(child, child.channel!);
    child.channel!.close();
  });

  test("PHP connecting with stream_socket_client to a ChannelServer path", async () => {
    const path = join(dir, "php.sock");
    const server = await ChannelServer.listen(path);
    const child = spawnProcess(["php", PEER_PHP, "unix", path]);
    started.push(child);
    const ch = await server.accept();
    await talkTo(child, ch);
    ch.close();
    server.close();
  });

  test("StreamChannel end given to a PHP child", async () => {
    const [mine, theirs] = StreamChannel.createPair();
    const child = spawnProcess(["php", PEER_PHP, "fd"], { channel: theirs.channel });
    started.push(child);
    await talkTo(child, mine);
    mine.close();
  });

  test("the same frames between two PHP ends (stream_socket_pair)", async () => {
    const child = spawnProcess(["php", PEER_PHP, "pair"], { stdout: "pipe" });
    const { stdout, exit } = await child.output();
    expect(exit.code).toBe(0);
    expect(new TextDecoder().decode(stdout)).toBe('["hello",1.5,null]\n');
  });
});

describe("lifetimes and bad peers", () => {
  test("an idle channel does not keep the process alive; a pending receive does until the message comes", async () => {
    const script = `
      import { channelPair } from ${JSON.stringify(join(import.meta.dir, "../src/index.ts"))};
      const [a, b] = channelPair();
      a.send("x"); console.log(await b.receive());
      const [c, d] = channelPair();
      setTimeout(() => c.send("late"), 100);
      console.log(await d.receive()); // the pending receive keeps the process alive until then
      // a, b, c, d stay open: the process must still exit`;
    const r = Bun.spawnSync([process.execPath, "-e", script], { timeout: 10_000 });
    expect(r.stdout.toString()).toBe("x\nlate\n");
    expect(r.exitCode).toBe(0);
  });

  test("a peer that sends a huge length or garbage: the receive fails with EBADMSG, nothing hangs", async () => {
    const path = join(dir, "bad.sock");
    const server = await ChannelServer.listen(path, { maxFrame: 1024 });
    const raw = await Bun.connect({ unix: path, socket: { data() {} } });
    const ch = await server.accept();
    raw.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    await expect(ch.receive(5000)).rejects.toThrow(/EBADMSG.*exceeds the limit of 1024/);
    raw.end();
    ch.close();
    const server2 = await ChannelServer.listen(join(dir, "bad2.sock"));
    const raw2 = await Bun.connect({ unix: join(dir, "bad2.sock"), socket: { data() {} } });
    const ch2 = await server2.accept();
    raw2.write(encodeFrame(bytes("not serialize() text")));
    await expect(ch2.receive(5000)).rejects.toThrow(/peer is gone.*unserialize|EBADMSG/);
    raw2.end();
    ch2.close();
    server.close();
    server2.close();
  });

  test("bad arguments are refused up front, naming the call: empty paths (TCP otherwise), bad fds, bad maxFrame", async () => {
    await expect(connectChannel("")).rejects.toThrow(/connectChannel: path must be a non-empty Unix socket path/);
    await expect(ChannelServer.listen("")).rejects.toThrow(/ChannelServer.listen: path must be a non-empty/);
    await expect(connectChannel("/etc/hostname")).rejects.toThrow(/connectChannel\(\): ECONNREFUSED.*\/etc\/hostname/);
    await expect(ChannelServer.listen("/etc/hostname")).rejects.toThrow(/ChannelServer.listen\(\): EADDRINUSE/);
    expect(() => channelFromFd(-1)).toThrow(/channelFromFd: fd must be an integer >= 0/);
    expect(() => channelFromFd(987_654)).toThrow(/channelFromFd\(\): EBADF.*fd 987654 is not open/);
    for (const maxFrame of [-1, 0, 1.5, 2 ** 32]) expect(() => channelPair({ maxFrame })).toThrow(/channelPair: maxFrame must be an integer/);
  });
});
