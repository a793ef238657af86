/**
 * The kernel's message queue limits, read once per process from `/proc/sys/kernel`.
 *
 * A process keeps the values it read first: if root raises `kernel.msgmax` while the process runs, its
 * receives stay capped at the old size (a longer message gives E2BIG, never a buffer overrun).
 *
 * @example
 * ```ts
 * import { messageLimits } from "./limits.ts";
 * const { msgmax, msgmnb } = messageLimits(); // 8192, 16384 on a default Linux
 * ```
 * @module
 */
import { readFileSync } from "node:fs";

/** `msgmax`: largest message payload in bytes; `msgmnb`: default byte capacity of a new queue. */
export interface MessageLimits {
  readonly msgmax: number;
  readonly msgmnb: number;
}

let cached: MessageLimits | undefined;

function readLimit(name: string, fallback: number): number {
  try {
    const value = Number.parseInt(readFileSync(`/proc/sys/kernel/${name}`, "utf8"), 10);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback; // Linux defaults
  }
}

/**
 * The limits of this machine (Linux defaults 8192 / 16384 if /proc cannot be read).
 *
 * @example
 * ```ts
 * if (payload.length > messageLimits().msgmax) throw new Error("too big for one message");
 * ```
 */
export function messageLimits(): MessageLimits {
  cached ??= { msgmax: readLimit("msgmax", 8192), msgmnb: readLimit("msgmnb", 16384) };
  return cached;
}
