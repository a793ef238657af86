/**
 * Lists the System V objects of this machine from `/proc/sysvipc` (what `ipcs` shows), and removes
 * them by id. Used by the CLI and by tests that prove they leave nothing behind.
 *
 * @example
 * ```ts
 * import { listIpc, removeIpc } from "bun-sysv";
 * for (const o of listIpc("msg")) console.log(o.kind, o.keyHex, o.id, o.mode.toString(8)); // msg 0x5eed0001 3 600
 * ```
 * @module
 */
import { keyHex } from "../keys/key.ts";
import { readFileSync } from "node:fs";
import { IPC_RMID } from "../ffi/constants.ts";
import { check } from "../ffi/errno.ts";
import { libc } from "../ffi/libc.ts";

/** The three kinds of System V object. */
export type IpcKind = "shm" | "msg" | "sem";

/** One row of `/proc/sysvipc/<kind>`. */
export interface IpcObject {
  kind: IpcKind;
  /**
   * The key as `ipcs` shows it: unsigned 32-bit (0 = IPC_PRIVATE), so `key.toString(16)` prints like
   * `ipcs`. The handles' `key` and `ftok()` are signed int32 (PHP's value): compare with `(o.key | 0) === key`.
   */
  key: number;
  /** The key in `ipcs`'s form: `0x` and 8 lowercase hex digits (`0x00000000` for IPC_PRIVATE). */
  keyHex: string;
  /** The kernel id. */
  id: number;
  /** Permission bits. */
  mode: number;
  /** Owner uid. */
  uid: number;
  /** shm: size in bytes; msg: bytes queued; sem: number of semaphores. */
  size: number;
  /** shm: attach count; msg: messages queued; sem: 0. */
  count: number;
  /** All columns of the row by their /proc names. */
  raw: Record<string, number>;
}

/** Lists the objects of one kind (or all kinds) currently in the kernel. */
export function listIpc(kind?: IpcKind): IpcObject[] {
  if (!kind) return (["shm", "msg", "sem"] as const).flatMap((k) => listIpc(k));
  const [head = "", ...rows] = readFileSync(`/proc/sysvipc/${kind}`, "utf8").trim().split("\n");
  const names = head.trim().split(/\s+/);
  return rows.map((line) => {
    // Every column is decimal except perms, which the kernel prints in octal.
    const cells = line.trim().split(/\s+/).map((cell, i) => (names[i] === "perms" ? parseInt(cell, 8) : Number(cell)));
    const raw: Record<string, number> = Object.fromEntries(names.map((n, i) => [n, cells[i] ?? 0]));
    const column = (name: string) => raw[name] ?? 0;
    const sizeCol = kind === "shm" ? "size" : kind === "msg" ? "cbytes" : "nsems";
    const countCol = kind === "shm" ? "nattch" : kind === "msg" ? "qnum" : "";
    return {
      kind, raw,
      key: column("key") >>> 0, keyHex: keyHex(column("key")),
      id: column(kind === "shm" ? "shmid" : kind === "msg" ? "msqid" : "semid"),
      mode: column("perms") & 0o777, uid: column("uid"), size: column(sizeCol), count: countCol ? column(countCol) : 0,
    };
  });
}

/** Removes an object by kind and id (IPC_RMID). Throws an IpcError if that fails. */
export function removeIpc(kind: IpcKind, id: number): void {
  const ret = kind === "shm" ? libc.shmctl(id, IPC_RMID, null)
    : kind === "msg" ? libc.msgctl(id, IPC_RMID, null)
    : libc.semctl(id, 0, IPC_RMID, 0);
  check(ret, kind === "shm" ? "shmctl" : kind === "msg" ? "msgctl" : "semctl", { id, detail: "IPC_RMID" });
}
