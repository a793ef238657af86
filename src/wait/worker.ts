/**
 * A waiter thread: makes one blocking libc call at a time for the main thread (see pool.ts).
 * On EINTR it retries, unless the main thread asked to cancel this request, in which case it answers
 * "cancelled" without having consumed anything.
 * @module
 */
import { ERRNO } from "../ffi/errno.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { timespec } from "../ffi/structs.ts";
import { CTL_CANCEL, type WaitOutcome, type WaitRequest } from "./protocol.ts";

declare const self: Worker;

let ctl: Int32Array<ArrayBufferLike> = new Int32Array(2);
let buffer = new Uint8Array(new BigInt64Array(1 + 8192 / 8).buffer);

function receiveBuffer(maxSize: number): Uint8Array {
  if (buffer.byteLength < maxSize + 8) buffer = new Uint8Array(new BigInt64Array(Math.ceil(maxSize / 8) + 1).buffer);
  return buffer;
}

function attempt(req: WaitRequest, deadline: number): WaitOutcome | null {
  let ret: number;
  switch (req.op) {
    case "msgrcv": {
      const buf = receiveBuffer(req.maxSize);
      ret = Number(libc.msgrcv(req.id, buf, req.maxSize, req.type, req.flags));
      if (ret >= 0) {
        const type = new DataView(buf.buffer).getBigInt64(0, true);
        return { status: "ok", value: ret, type, payload: buf.slice(8, 8 + ret) };
      }
      break;
    }
    case "msgsnd":
      ret = libc.msgsnd(req.id, req.message, req.message.byteLength - 8, req.flags);
      if (ret >= 0) return { status: "ok", value: ret };
      break;
    case "semop": {
      const n = req.sops.byteLength / 6;
      if (req.timeoutMs === undefined) ret = libc.semop(req.id, req.sops, n);
      else ret = libc.semtimedop(req.id, req.sops, n, timespec(Math.max(0, deadline - performance.now())));
      if (ret >= 0) return { status: "ok", value: ret };
      break;
    }
    case "flock":
      ret = libc.flock(req.fd, req.operation);
      if (ret >= 0) return { status: "ok", value: ret };
      break;
  }
  const errno = lastErrno();
  if (errno !== ERRNO.EINTR) return { status: "error", errno };
  if (Atomics.load(ctl, CTL_CANCEL) === req.seq) return { status: "cancelled" };
  return null; // a stray signal: try again
}

self.onmessage = (event: MessageEvent) => {
  const data = event.data as { init: Int32Array<ArrayBufferLike> } | WaitRequest;
  if ("init" in data) {
    ctl = data.init;
    postMessage({ tid: libc.gettid() });
    return;
  }
  const deadline = data.op === "semop" && data.timeoutMs !== undefined ? performance.now() + data.timeoutMs : 0;
  let outcome: WaitOutcome | null = null;
  while (outcome === null) outcome = attempt(data, deadline);
  const transfer = outcome.status === "ok" && outcome.payload ? [outcome.payload.buffer as ArrayBuffer] : [];
  postMessage({ seq: data.seq, outcome }, transfer);
};
