/**
 * Struct layouts of glibc on Linux x86_64/arm64 and the one reader/writer for them.
 * A layout maps field names to `[offset, type]`; {@link readStruct} turns bytes into a plain
 * object and {@link writeField} patches one field in place (for IPC_SET).
 *
 * @example
 * ```ts
 * const buf = newStruct(SHMID_DS);
 * check(libc.shmctl(id, IPC_STAT, buf), "shmctl", { id });
 * const { shm_segsz, shm_nattch } = readStruct(SHMID_DS, buf);
 * ```
 * @module
 */
import { ARCH } from "./platform.ts";

/** Field types the layouts use; 64-bit fields are read as numbers (times, sizes and counts fit in 2^53). */
export type FieldType = "u16" | "i16" | "i32" | "u32" | "i64" | "u64";
/** A struct layout: total size and each field's offset and type. */
export interface Layout<F extends string> {
  readonly size: number;
  readonly fields: Readonly<Record<F, readonly [offset: number, type: FieldType]>>;
}

function layout<F extends string>(size: number, fields: Record<F, readonly [number, FieldType]>): Layout<F> {
  return { size, fields };
}

/** struct ipc_perm (48 bytes), embedded at offset 0 of every *id_ds struct. */
export const IPC_PERM = layout(48, {
  key: [0, "i32"], uid: [4, "u32"], gid: [8, "u32"], cuid: [12, "u32"], cgid: [16, "u32"], mode: [20, "u32"],
  seq: [24, "u16"],
});

/** struct shmid_ds (112 bytes). */
export const SHMID_DS = layout(112, {
  shm_segsz: [48, "u64"], shm_atime: [56, "i64"], shm_dtime: [64, "i64"], shm_ctime: [72, "i64"],
  shm_cpid: [80, "i32"], shm_lpid: [84, "i32"], shm_nattch: [88, "u64"],
});

/** struct msqid_ds (120 bytes). */
export const MSQID_DS = layout(120, {
  msg_stime: [48, "i64"], msg_rtime: [56, "i64"], msg_ctime: [64, "i64"], msg_cbytes: [72, "u64"],
  msg_qnum: [80, "u64"], msg_qbytes: [88, "u64"], msg_lspid: [96, "i32"], msg_lrpid: [100, "i32"],
});

/** struct msginfo (32 bytes), what msgctl(0, IPC_INFO, buf) fills: the kernel's queue limits. */
export const MSGINFO = layout(32, { msgmax: [8, "i32"], msgmnb: [12, "i32"], msgmni: [16, "i32"] });

/** struct semid_ds: x86_64 pads each time with a reserved word (104 bytes); arm64 does not (88 bytes). */
export const SEMID_DS = ARCH === "x64"
  ? layout(104, { sem_otime: [48, "i64"], sem_ctime: [64, "i64"], sem_nsems: [80, "u64"] })
  : layout(88, { sem_otime: [48, "i64"], sem_ctime: [56, "i64"], sem_nsems: [64, "u64"] });

/** struct sembuf (6 bytes, packed at 6-byte stride in arrays). */
export const SEMBUF = layout(6, { sem_num: [0, "u16"], sem_op: [2, "i16"], sem_flg: [4, "i16"] });

/** struct timespec (16 bytes). */
export const TIMESPEC = layout(16, { tv_sec: [0, "i64"], tv_nsec: [8, "i64"] });

/** siginfo_t (128 bytes) as waitid(2) fills it for a child (Linux, 32 and 64 bit alike for these fields). */
export const SIGINFO = layout(128, {
  si_signo: [0, "i32"], si_errno: [4, "i32"], si_code: [8, "i32"], si_pid: [16, "i32"], si_uid: [20, "u32"],
  si_status: [24, "i32"],
});

/** A zeroed buffer big enough for `layout` (8-byte aligned, so it can also be passed as a pointer). */
export function newStruct(l: Layout<string>, count = 1): Uint8Array {
  return new Uint8Array(new BigUint64Array(Math.ceil((l.size * count) / 8)).buffer, 0, l.size * count);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function get(v: DataView, at: number, type: FieldType): number {
  switch (type) {
    case "u16": return v.getUint16(at, true);
    case "i16": return v.getInt16(at, true);
    case "i32": return v.getInt32(at, true);
    case "u32": return v.getUint32(at, true);
    case "i64": return Number(v.getBigInt64(at, true));
    case "u64": return Number(v.getBigUint64(at, true));
  }
}

function set(v: DataView, at: number, type: FieldType, value: number): void {
  switch (type) {
    case "u16": return v.setUint16(at, value, true);
    case "i16": return v.setInt16(at, value, true);
    case "i32": return v.setInt32(at, value, true);
    case "u32": return v.setUint32(at, value, true);
    case "i64": return v.setBigInt64(at, BigInt(value), true);
    case "u64": return v.setBigUint64(at, BigInt(value), true);
  }
}

/** Reads every field of `layout` from `bytes` (starting at `base`, default 0). */
export function readStruct<F extends string>(l: Layout<F>, bytes: Uint8Array, base = 0): Record<F, number> {
  const v = view(bytes);
  const out = {} as Record<F, number>;
  for (const name in l.fields) {
    const [offset, type] = l.fields[name];
    out[name] = get(v, base + offset, type);
  }
  return out;
}

/** Writes one field of `layout` into `bytes` (starting at `base`, default 0). */
export function writeField<F extends string>(l: Layout<F>, bytes: Uint8Array, name: F, value: number, base = 0): void {
  const [offset, type] = l.fields[name];
  set(view(bytes), base + offset, type, value);
}

/** One semop operation. */
export interface SemOp {
  /** Semaphore index in the set. */
  num: number;
  /** Amount added (negative waits for enough value, 0 waits for zero). */
  op: number;
  /** IPC_NOWAIT, SEM_UNDO. */
  flags: number;
}

/** Packs semop operations into a `struct sembuf[]`. */
export function packSembufs(ops: readonly SemOp[]): Uint8Array {
  const bytes = newStruct(SEMBUF, ops.length);
  ops.forEach((o, i) => {
    writeField(SEMBUF, bytes, "sem_num", o.num, i * SEMBUF.size);
    writeField(SEMBUF, bytes, "sem_op", o.op, i * SEMBUF.size);
    writeField(SEMBUF, bytes, "sem_flg", o.flags, i * SEMBUF.size);
  });
  return bytes;
}

/** A `struct timespec` for a relative timeout of `ms` milliseconds. */
export function timespec(ms: number): Uint8Array {
  const bytes = newStruct(TIMESPEC);
  const whole = Math.max(0, ms);
  writeField(TIMESPEC, bytes, "tv_sec", Math.floor(whole / 1000));
  writeField(TIMESPEC, bytes, "tv_nsec", Math.round((whole % 1000) * 1e6));
  return bytes;
}
