/**
 * Channels: whole messages (4-byte big-endian length + payload; PHP serialize format by default, JSON or
 * raw bytes as options) over a socket pair with a child, a Unix socket path, or a Worker's message port.
 * The frame format, and a PHP peer, are in docs/channels.md.
 *
 * @example
 * ```ts
 * import { channelPair } from "bun-sysv";
 * const [a, b] = channelPair();
 * a.send("hello");
 * console.log(await b.receive()); // "hello"
 * a.close(); b.close();
 * ```
 * @module
 */
export { Channel } from "./channel.ts";
export type { ChannelOptions, Transport, UnopenedEnd } from "./channel.ts";
export { channelCodec } from "./codec.ts";
export type { ChannelCodec, ChannelFormat } from "./codec.ts";
export { DEFAULT_MAX_FRAME, encodeFrame, FRAME_HEADER, FrameDecoder } from "./frame.ts";
export { channelOverPort, PortTransport } from "./port.ts";
export type { PortLike } from "./port.ts";
export { ChannelServer, channelFromFd, channelPair, connectChannel, socketPair, SocketTransport } from "./socket.ts";
