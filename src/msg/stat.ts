/**
 * `msgctl(IPC_STAT)` / `msgctl(IPC_SET)` of a queue through the one struct reader: raw fields for the
 * compat layer, typed fields ({@link QueueStat}) for the idiomatic API.
 *
 * @example
 * ```ts
 * const raw = tryStatQueue(id);
 * if (typeof raw !== "number") console.log(raw.perm.mode, raw.ds.msg_qnum);
 * ```
 * @module
 */
import { IPC_SET, IPC_STAT } from "../ffi/constants.ts";
import { lastErrno, libc } from "../ffi/libc.ts";
import { IPC_PERM, MSQID_DS, newStruct, readStruct, writeField } from "../ffi/structs.ts";

/** Every field of `struct msqid_ds`: the permission part and the queue part. */
export interface RawQueueStat {
  perm: ReturnType<typeof readStruct<keyof typeof IPC_PERM.fields>>;
  ds: ReturnType<typeof readStruct<keyof typeof MSQID_DS.fields>>;
}

/** What `MessageQueue.stat()` returns. */
export interface QueueStat {
  /** The key (0 for a private queue). */
  key: number;
  /** Owner and creator ids. */
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  /** Permission bits, e.g. `0o600`. */
  mode: number;
  /** Messages waiting (`msg_qnum`). */
  messages: number;
  /** Payload bytes waiting (`__msg_cbytes`). */
  bytes: number;
  /** Byte capacity of the queue (`msg_qbytes`); a send waits while it is reached. */
  maxBytes: number;
  /** Pid of the last send / receive (0 if none). */
  lastSendPid: number;
  lastReceivePid: number;
  /** Time of the last send / receive (`null` if none) and of creation or the last `set()`. */
  lastSend: Date | null;
  lastReceive: Date | null;
  changed: Date;
}

/** Fields `set()` may change. */
export interface QueueSettings {
  mode?: number;
  uid?: number;
  gid?: number;
  /** New byte capacity; raising it above msgmnb needs CAP_SYS_RESOURCE. */
  maxBytes?: number;
}

function statInto(id: number, buf: Uint8Array): number {
  return libc.msgctl(id, IPC_STAT, buf) === 0 ? 0 : lastErrno();
}

/**
 * IPC_STAT of queue `id`: its fields, or the errno when the call failed.
 *
 * @example
 * ```ts
 * const raw = tryStatQueue(id); // number = errno (EINVAL once removed)
 * ```
 */
export function tryStatQueue(id: number): RawQueueStat | number {
  const buf = newStruct(MSQID_DS);
  const errno = statInto(id, buf);
  return errno || { perm: readStruct(IPC_PERM, buf), ds: readStruct(MSQID_DS, buf) };
}

/**
 * IPC_STAT, change the given fields, IPC_SET: 0, or the errno of the call that failed.
 *
 * @example
 * ```ts
 * trySetQueue(id, { mode: 0o640, maxBytes: 8192 }); // 0
 * ```
 */
export function trySetQueue(id: number, settings: QueueSettings): number {
  const buf = newStruct(MSQID_DS);
  const errno = statInto(id, buf);
  if (errno) return errno;
  if (settings.uid !== undefined) writeField(IPC_PERM, buf, "uid", settings.uid);
  if (settings.gid !== undefined) writeField(IPC_PERM, buf, "gid", settings.gid);
  if (settings.mode !== undefined) writeField(IPC_PERM, buf, "mode", settings.mode);
  if (settings.maxBytes !== undefined) writeField(MSQID_DS, buf, "msg_qbytes", settings.maxBytes);
  return libc.msgctl(id, IPC_SET, buf) === 0 ? 0 : lastErrno();
}

const date = (seconds: number) => new Date(seconds * 1000);

/**
 * Typed fields from raw ones.
 *
 * @example
 * ```ts
 * const s = toQueueStat(raw); // { mode: 384, messages: 0, maxBytes: 16384, lastSend: null, ... }
 * ```
 */
export function toQueueStat({ perm, ds }: RawQueueStat): QueueStat {
  return {
    key: perm.key, uid: perm.uid, gid: perm.gid, cuid: perm.cuid, cgid: perm.cgid, mode: perm.mode & 0o777,
    messages: ds.msg_qnum, bytes: ds.msg_cbytes, maxBytes: ds.msg_qbytes,
    lastSendPid: ds.msg_lspid, lastReceivePid: ds.msg_lrpid,
    lastSend: ds.msg_stime ? date(ds.msg_stime) : null,
    lastReceive: ds.msg_rtime ? date(ds.msg_rtime) : null,
    changed: date(ds.msg_ctime),
  };
}
