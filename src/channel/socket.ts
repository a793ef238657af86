/**
 * Channels over Unix stream sockets: a connected pair made with socketpair(2) (either end can be handed
 * to a child process, or to a PHP process as `php://fd/3`), a channel on an inherited descriptor, and a
 * Unix domain socket path with a server accepting any number of clients.
 *
 * @example
 * ```ts
 * import { ChannelServer, connectChannel } from "bun-sysv";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "chan-"));
 * const server = await ChannelServer.listen(join(dir, "s.sock"));
 * const client = await connectChannel(join(dir, "s.sock"));
 * const peer = await server.accept();
 * client.send("ping");
 * console.log(await peer.receive()); // "ping"
 * client.close(); peer.close(); server.close(); rmSync(dir, { recursive: true });
 * ```
 * @module
 */
import net from "node:net";
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from "../ffi/constants.ts";
import { check, ERRNO, errorFor } from "../ffi/errno.ts";
import { libc } from "../ffi/libc.ts";
import { Channel, checkMaxFrame, type ChannelOptions, type Transport, type UnopenedEnd } from "./channel.ts";
import { channelCodec } from "./codec.ts";
import { fstatSync } from "node:fs";
import { DEFAULT_MAX_FRAME, encodeFrame, FrameDecoder } from "./frame.ts";

/** A channel transport over a connected `net.Socket`. */
export class SocketTransport implements Transport {
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  #wantAlive = false;

  constructor(socket: net.Socket, maxFrame = DEFAULT_MAX_FRAME) {
    this.#socket = socket;
    this.#decoder = new FrameDecoder(maxFrame);
    socket.unref();
    socket.on("drain", () => this.#applyRef());
  }

  start(onPayload: (payload: Uint8Array) => void, onEnd: (error?: Error) => void): void {
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    this.#socket.on("data", (chunk: Buffer) => {
      let payloads: Uint8Array[];
      try {
        payloads = this.#decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (error) {
        end(error as Error);
        this.#socket.destroy();
        return;
      }
      for (const payload of payloads) onPayload(payload);
    });
    this.#socket.on("end", () => {
      const rest = this.#decoder.buffered;
      end(rest > 0 ? errorFor(ERRNO.EBADMSG, "Channel.receive", { detail: `the peer closed in the middle of a frame (${rest} bytes)` }) : undefined);
    });
    this.#socket.on("close", () => end());
    this.#socket.on("error", (error) => end(error));
  }

  send(payload: Uint8Array): void {
    this.#socket.write(encodeFrame(payload));
    this.#applyRef();
  }

  keepAlive(on: boolean): void {
    this.#wantAlive = on;
    this.#applyRef();
  }

  flush(): Promise<void> {
    if (this.#socket.writableLength === 0 || this.#socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { this.#socket.off("drain", done); this.#socket.off("close", done); resolve(); };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
  }

  close(): void {
    // end() lets queued frames go out first, then the peer sees EOF.
    this.#socket.ref();
    this.#socket.end(() => this.#socket.destroy());
  }

  #applyRef(): void {
    if (this.#wantAlive || this.#socket.writableLength > 0) this.#socket.ref();
    else this.#socket.unref();
  }
}

/** Wraps an open stream-socket descriptor (this process owns it from now on). */
function openFd(fd: number, maxFrame?: number): Transport {
  return new SocketTransport(net.connect({ fd } as unknown as net.NetConnectOpts), maxFrame);
}

/** An end over `fd`, opened on first use. */
export function unopenedEnd(fd: number, maxFrame?: number): UnopenedEnd {
  return { fd, open: () => openFd(fd, maxFrame), discard: () => void libc.close(fd) };
}

/**
 * Two connected Unix stream sockets (socketpair(2), close-on-exec): `[fd, fd]`. The caller owns both.
 *
 * @example
 * ```ts
 * import { socketPair } from "bun-sysv";
 * const [a, b] = socketPair();
 * ```
 */
export function socketPair(): [number, number] {
  const fds = new Int32Array(new ArrayBuffer(8));
  check(libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), "socketpair");
  return [fds[0]!, fds[1]!];
}

/**
 * Two connected channels over a socket pair. Either end can go to a child process (spawnChild's
 * `channel` option) as long as it has not been used here.
 *
 * @example
 * ```ts
 * import { channelPair } from "bun-sysv";
 * const [a, b] = channelPair({ format: "json" });
 * a.send([1, 2]);
 * console.log(await b.receive()); // [1, 2]
 * a.close(); b.close();
 * ```
 */
export function channelPair<T = unknown>(options: ChannelOptions = {}): [Channel<T>, Channel<T>] {
  checkMaxFrame("channelPair", options.maxFrame); // before the sockets exist: a bad option leaks no descriptor
  channelCodec(options.format);
  const [a, b] = socketPair();
  return [new Channel<T>(unopenedEnd(a, options.maxFrame), options), new Channel<T>(unopenedEnd(b, options.maxFrame), options)];
}

/**
 * A channel on an inherited socket descriptor (e.g. fd 3 of a child started with a channel).
 *
 * @example
 * ```ts
 * import { channelFromFd, socketPair } from "bun-sysv";
 * const [a, b] = socketPair();
 * const ch = channelFromFd(a), peer = channelFromFd(b);
 * ch.close(); peer.close();
 * ```
 */
export function channelFromFd<T = unknown>(fd: number, options: ChannelOptions = {}): Channel<T> {
  if (!Number.isSafeInteger(fd) || fd < 0) throw new RangeError(`channelFromFd: fd must be an integer >= 0, got ${String(fd)}`);
  try {
    fstatSync(fd);
  } catch {
    throw errorFor(ERRNO.EBADF, "channelFromFd", { detail: `fd ${fd} is not open in this process` });
  }
  return new Channel<T>(unopenedEnd(fd, options.maxFrame), options);
}

/**
 * Connects to a {@link ChannelServer} (or any server speaking the frame format) at a Unix socket path.
 *
 * @example
 * ```ts
 * import { connectChannel } from "bun-sysv";
 * await connectChannel("/nonexistent.sock").catch((e) => console.log(e.code)); // "ENOENT"
 * ```
 */
export function connectChannel<T = unknown>(path: string, options: ChannelOptions = {}): Promise<Channel<T>> {
  try {
    checkPath("connectChannel", path);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(new Channel<T>(new SocketTransport(socket, options.maxFrame), options));
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const errno = (ERRNO as Record<string, number>)[error.code ?? ""] ?? 0;
      reject(errno ? errorFor(errno, "connectChannel", { detail: path }) : error);
    });
  });
}

/** A Unix socket path: a non-empty string (an empty one would make node:net use TCP on localhost). */
function checkPath(call: string, path: unknown): void {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`${call}: path must be a non-empty Unix socket path, got ${path === "" ? "an empty string" : typeof path}`);
  }
}

/**
 * A Unix domain socket path that accepts channels: `accept()` the next client, or iterate them. Clients
 * are {@link connectChannel} or a PHP `stream_socket_client("unix://...")`. `close()` stops listening
 * and removes the socket file.
 *
 * @example
 * ```ts
 * import { ChannelServer } from "bun-sysv";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "chan-"));
 * const server = await ChannelServer.listen(join(dir, "s.sock"), { format: "json" });
 * server.close(); rmSync(dir, { recursive: true });
 * ```
 */
export class ChannelServer<T = unknown> {
  readonly path: string;
  readonly #server: net.Server;
  readonly #options: ChannelOptions;
  #waiting: Channel<T>[] = [];
  #acceptors: { resolve(ch: Channel<T>): void; reject(e: Error): void }[] = [];
  #closed = false;

  private constructor(path: string, server: net.Server, options: ChannelOptions) {
    this.path = path;
    this.#server = server;
    this.#options = options;
    server.on("connection", (socket) => {
      const channel = new Channel<T>(new SocketTransport(socket, options.maxFrame), this.#options);
      const acceptor = this.#acceptors.shift();
      if (acceptor) acceptor.resolve(channel);
      else this.#waiting.push(channel);
      this.#refresh();
    });
  }

  /** Listens on `path` (which must not exist yet). */
  static listen<T = unknown>(path: string, options: ChannelOptions = {}): Promise<ChannelServer<T>> {
    try {
      checkPath("ChannelServer.listen", path);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once("error", (error: NodeJS.ErrnoException) => {
        const errno = (ERRNO as Record<string, number>)[error.code ?? ""] ?? 0;
        reject(errno ? errorFor(errno, "ChannelServer.listen", { detail: path }) : error);
      });
      server.listen(path, () => {
        server.removeAllListeners("error");
        const channelServer = new ChannelServer<T>(path, server, options);
        channelServer.#refresh();
        resolve(channelServer);
      });
    });
  }

  /** The next client that connects (waits; an idle server alone does not keep the process alive). */
  accept(): Promise<Channel<T>> {
    const ready = this.#waiting.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(errorFor(ERRNO.EBADF, "ChannelServer.accept", { detail: "the server is closed" }));
    return new Promise((resolve, reject) => {
      this.#acceptors.push({ resolve, reject });
      this.#refresh();
    });
  }

  /** Every client as it connects, until `close()`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Channel<T>> {
    while (!this.#closed) {
      try {
        yield await this.accept();
      } catch (error) {
        if (this.#closed) return;
        throw error;
      }
    }
  }

  /** Stops listening (connected channels stay open) and removes the socket file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const acceptor of this.#acceptors.splice(0)) {
      acceptor.reject(errorFor(ERRNO.EBADF, "ChannelServer.accept", { detail: "the server was closed" }));
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #refresh(): void {
    if (this.#acceptors.length > 0) this.#server.ref();
    else this.#server.unref();
  }
}
