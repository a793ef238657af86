/**
 * libc constants for System V IPC on Linux (glibc, x86_64 and arm64 share these values).
 *
 * @example
 * ```ts
 * import { IPC_CREAT, IPC_EXCL } from "./constants.ts";
 * const flags = 0o600 | IPC_CREAT | IPC_EXCL;
 * ```
 * @module
 */
import { constants as os } from "node:os";

/** Key that always creates a new, unnamed object. */
export const IPC_PRIVATE = 0;
/** Create the object if the key has none. */
export const IPC_CREAT = 0o1000;
/** With IPC_CREAT: fail with EEXIST if the key already has an object. */
export const IPC_EXCL = 0o2000;
/** Do not wait: fail with EAGAIN / ENOMSG instead. */
export const IPC_NOWAIT = 0o4000;

/** Control commands shared by shmctl, msgctl and semctl. */
export const IPC_RMID = 0;
export const IPC_SET = 1;
export const IPC_STAT = 2;
export const IPC_INFO = 3;

/** shmat: attach read-only. */
export const SHM_RDONLY = 0o10000;
/** shmat: round the attach address down to SHMLBA. */
export const SHM_RND = 0o20000;

/** semop: undo this operation when the process exits. */
export const SEM_UNDO = 0x1000;
/** semctl commands. */
export const GETPID = 11;
export const GETVAL = 12;
export const GETALL = 13;
export const GETNCNT = 14;
export const GETZCNT = 15;
export const SETVAL = 16;
export const SETALL = 17;

/** msgrcv: truncate an over-long message instead of failing with E2BIG. */
export const MSG_NOERROR = 0o10000;
/** msgrcv: with a positive type, take the first message of any other type. */
export const MSG_EXCEPT = 0o20000;
/** msgrcv: copy without removing (needs CONFIG_CHECKPOINT_RESTORE). */
export const MSG_COPY = 0o40000;

/** flock operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** Signal numbers by name: the platform's table as Bun gives it (`os.constants.signals`), the one table
 * the library reads (`signalNumber`/`signalName` in src/signals/names.ts build on it). */
export const SIGNALS: Readonly<Record<NodeJS.Signals, number>> = os.signals;

/** Largest value a semaphore can hold (SEMVMX). */
export const SEMVMX = 32767;

// --- processes and channels (src/process, src/channel) ---
/** socketpair(2) arguments. */
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
/** waitid(2) id types and options (Linux). */
export const P_PID = 1;
export const WNOHANG = 1;
export const WUNTRACED = 2;
export const WSTOPPED = 2;
export const WEXITED = 4;
export const WCONTINUED = 8;
export const WNOWAIT = 0x01000000;
/** siginfo_t.si_code values for SIGCHLD (CLD_*). */
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;
/** prctl(2) option: the signal this process gets when its parent dies. */
export const PR_SET_PDEATHSIG = 1;
