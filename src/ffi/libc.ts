/**
 * The one libc symbol table of bun-sysv. Nothing else in the library calls `dlopen`.
 * Each C parameter is commented; `size_t`/`long` travel as 64-bit values, pointers as
 * TypedArrays (or raw addresses returned by `shmat`).
 *
 * Errors: every call here returns -1 (or `(void*)-1`) and sets errno; read it with
 * {@link lastErrno} synchronously, right after the call, before any `await`.
 *
 * @example
 * ```ts
 * import { libc } from "./libc.ts";
 * const id = libc.msgget(0, 0o600); // IPC_PRIVATE queue
 * libc.msgctl(id, 0, null);        // IPC_RMID
 * ```
 * @module
 */
import { dlopen, FFIType as T, read, toArrayBuffer, type Pointer } from "bun:ffi";
import "./platform.ts";

const lib = dlopen("libc.so.6", {
  // int shmget(key_t key, size_t size, int shmflg)
  shmget: { args: [T.i32, T.u64, T.i32], returns: T.i32 },
  // void *shmat(int shmid, const void *shmaddr /* NULL */, int shmflg); failure = (void*)-1
  shmat: { args: [T.i32, T.ptr, T.i32], returns: T.ptr },
  // int shmdt(const void *shmaddr)
  shmdt: { args: [T.ptr], returns: T.i32 },
  // int shmctl(int shmid, int cmd, struct shmid_ds *buf)
  shmctl: { args: [T.i32, T.i32, T.ptr], returns: T.i32 },

  // int msgget(key_t key, int msgflg)
  msgget: { args: [T.i32, T.i32], returns: T.i32 },
  // int msgsnd(int msqid, const void *msgp /* {long mtype; char mtext[]} */, size_t msgsz /* mtext bytes */, int msgflg)
  msgsnd: { args: [T.i32, T.ptr, T.u64, T.i32], returns: T.i32 },
  // ssize_t msgrcv(int msqid, void *msgp, size_t msgsz /* mtext capacity */, long msgtyp, int msgflg)
  msgrcv: { args: [T.i32, T.ptr, T.u64, T.i64, T.i32], returns: T.i64_fast },
  // int msgctl(int msqid, int cmd, struct msqid_ds *buf)
  msgctl: { args: [T.i32, T.i32, T.ptr], returns: T.i32 },

  // int semget(key_t key, int nsems, int semflg)
  semget: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
  // int semop(int semid, struct sembuf *sops /* 6-byte stride */, size_t nsops)
  semop: { args: [T.i32, T.ptr, T.u64], returns: T.i32 },
  // int semtimedop(int semid, struct sembuf *sops, size_t nsops, const struct timespec *timeout /* NULL = forever */)
  semtimedop: { args: [T.i32, T.ptr, T.u64, T.ptr], returns: T.i32 },
  // int semctl(int semid, int semnum, int cmd, ... /* union semun: int val | struct semid_ds *buf | unsigned short *array */)
  // The variadic 4th argument is bound as a fixed 64-bit integer: on x86_64 and Linux arm64 an integer or
  // pointer vararg travels in the same register as a fixed one. Pass an int (SETVAL) or an address (IPC_STAT).
  semctl: { args: [T.i32, T.i32, T.i32, T.i64], returns: T.i32 },

  // key_t ftok(const char *pathname, int proj_id /* low 8 bits used */)
  ftok: { args: [T.cstring, T.i32], returns: T.i32 },
  // int flock(int fd, int operation /* LOCK_SH | LOCK_EX | LOCK_UN, | LOCK_NB */)
  flock: { args: [T.i32, T.i32], returns: T.i32 },
  // int kill(pid_t pid, int sig)
  kill: { args: [T.i32, T.i32], returns: T.i32 },
  // pid_t gettid(void)
  gettid: { args: [], returns: T.i32 },
  // int tgkill(pid_t tgid, pid_t tid, int sig)
  tgkill: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
  // --- processes and channels (src/process, src/channel) ---
  // int socketpair(int domain /* AF_UNIX */, int type /* SOCK_STREAM | SOCK_CLOEXEC */, int protocol, int sv[2])
  socketpair: { args: [T.i32, T.i32, T.i32, T.ptr], returns: T.i32 },
  // int close(int fd)
  close: { args: [T.i32], returns: T.i32 },
  // int waitid(idtype_t idtype /* P_PID */, id_t id, siginfo_t *infop /* 128 bytes */, int options /* WEXITED | WNOWAIT ... */)
  waitid: { args: [T.i32, T.i32, T.ptr, T.i32], returns: T.i32 },
  // unsigned int alarm(unsigned int seconds): SIGALRM after `seconds` (0 cancels); returns seconds left of the previous one
  alarm: { args: [T.u32], returns: T.u32 },
  // char *strerror(int errnum)
  strerror: { args: [T.i32], returns: T.cstring },
  // int *__errno_location(void): this thread's errno
  __errno_location: { args: [], returns: T.ptr },
  // int prctl(int option, unsigned long arg2, ...): used as prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0)
  prctl: { args: [T.i32, T.u64, T.u64, T.u64, T.u64], returns: T.i32 },
  // pid_t getppid(void): the parent's pid now (1 or a subreaper once the parent died)
  getppid: { args: [], returns: T.i32 },
});

/** The bound libc functions (see the comments above for each C signature). */
export const libc = lib.symbols;

/** Addresses of libc functions, for `toArrayBuffer` deallocators. */
export const libcAddress = {
  shmdt: (lib.symbols.shmdt as unknown as { ptr: Pointer }).ptr,
};

// errno is thread-local; its address is fixed for the life of this thread (each Worker loads its own copy).
const errnoAddress = libc.__errno_location() as Pointer;

/** errno of the calling thread. Meaningful only right after a call that reported failure. */
export function lastErrno(): number {
  return read.i32(errnoAddress, 0);
}

/** strerror(3) text for an errno value, e.g. `"File exists"`. */
export function strerror(errno: number): string {
  return String(libc.strerror(errno));
}

/**
 * A JS ArrayBuffer over `length` bytes of native memory at `address` (no copy). With `detachOnCollect`,
 * libc's `shmdt(address)` runs when the buffer is garbage-collected, so the mapping lives exactly as long
 * as the buffer. Never hand out a buffer without that guard over memory that can be unmapped.
 */
export function mapMemory(address: number, length: number, detachOnCollect = false): ArrayBuffer {
  if (!detachOnCollect) return toArrayBuffer(address as Pointer, 0, length);
  const withDeallocator = toArrayBuffer as unknown as (p: Pointer, off: number, len: number, fn: Pointer) => ArrayBuffer;
  return withDeallocator(address as Pointer, 0, length, libcAddress.shmdt);
}
