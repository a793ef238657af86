/**
 * Message queues: {@link MessageQueue} (send/receive with PHP-compatible payloads, awaitable receive,
 * stat/set/remove) and the pieces the PHP compat layer shares.
 *
 * @example
 * ```ts
 * import { MessageQueue } from "bun-sysv";
 * using queue = MessageQueue.create(0x5eed0001);
 * await queue.send(1, ["hello", 42]);
 * console.log((await queue.receive()).value); // ["hello", 42]
 * ```
 * @module
 */
export { MessageQueue, type QueueOptions, type LoopOptions } from "./queue.ts";
export type { MessageType } from "./buffer.ts";
export type { Message, RawMessage, ReceiveOptions, SendOptions } from "./options.ts";
export type { QueueSettings, QueueStat } from "./stat.ts";
export { messageLimits, type MessageLimits } from "./limits.ts";
export { UndecodableMessageError } from "./errors.ts";
export { formatFixed6, scalarBytes, type RawScalar } from "./scalar.ts";
