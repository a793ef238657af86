/**
 * Channels between threads: over a `MessagePort` (from `new MessageChannel()`, transferable to a
 * Worker), a `Worker` seen from its parent, or the parent seen from inside a Worker. Each message is one
 * payload encoded by the channel's codec (PHP serialize format by default), so the same code serves a
 * thread or a process at the other end.
 *
 * @example
 * ```ts
 * import { channelOverPort } from "bun-sysv";
 * const { port1, port2 } = new MessageChannel();
 * const a = channelOverPort(port1), b = channelOverPort(port2);
 * a.send({ n: 1 });
 * console.log(await b.receive()); // { n: 1 }
 * a.close(); b.close();
 * ```
 * @module
 */
import { Channel, type ChannelOptions, type Transport } from "./channel.ts";

/** What a port-like endpoint needs: `postMessage` and message events (MessagePort, Worker, a worker's `self`). */
export interface PortLike {
  postMessage(message: any, transfer: any[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  start?(): void;
  close?(): void;
  ref?(): void;
  unref?(): void;
}

/** The marker a closing end posts, so the other end sees the close as MessagePorts do not report it. */
const CLOSE = "bun-sysv:channel-close";

/** A channel transport over a port-like endpoint. */
export class PortTransport implements Transport {
  readonly #port: PortLike;
  readonly #ownsPort: boolean;
  #listener: ((event: MessageEvent) => void) | null = null;
  #closed = false;

  /** `ownsPort`: close the port itself on close (true for a MessagePort, false for a Worker or `self`). */
  constructor(port: PortLike, ownsPort: boolean) {
    this.#port = port;
    this.#ownsPort = ownsPort;
  }

  start(onPayload: (payload: Uint8Array) => void, onEnd: (error?: Error) => void): void {
    this.#listener = (event: MessageEvent) => {
      const data = event.data;
      if (data instanceof Uint8Array) onPayload(data);
      else if (data === CLOSE) {
        this.#detach();
        onEnd();
      }
    };
    this.#port.addEventListener("message", this.#listener);
    this.#port.start?.();
    this.keepAlive(false);
  }

  send(payload: Uint8Array): void {
    // A payload that is exactly its own buffer moves without a copy.
    const whole = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
    this.#port.postMessage(payload, whole ? [payload.buffer as ArrayBuffer] : []);
  }

  keepAlive(on: boolean): void {
    if (this.#closed) return;
    if (on) this.#port.ref?.();
    else this.#port.unref?.();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#port.postMessage(CLOSE, []);
    this.#detach();
    if (this.#ownsPort) this.#port.close?.();
  }

  #detach(): void {
    this.#closed = true;
    if (this.#listener) this.#port.removeEventListener("message", this.#listener);
    this.#listener = null;
  }
}

/**
 * A channel over a MessagePort, a Worker (from the parent) or `self` inside a Worker (to the parent).
 * Only this channel's messages (byte payloads and its close marker) are taken; other messages on the same
 * port are left to their listeners.
 *
 * @example
 * ```ts
 * import { channelOverPort } from "bun-sysv";
 * const { port1, port2 } = new MessageChannel();
 * const a = channelOverPort(port1, { format: "json" }), b = channelOverPort(port2, { format: "json" });
 * a.close(); b.close();
 * ```
 */
export function channelOverPort<T = unknown>(port: PortLike, options: ChannelOptions = {}): Channel<T> {
  const ownsPort = typeof MessagePort !== "undefined" && port instanceof MessagePort;
  return new Channel<T>(new PortTransport(port, ownsPort), options);
}
