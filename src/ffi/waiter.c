/*
 * Waiter threads of bun-sysv (compiled at run time by bun:ffi's `cc`, see waiter.ts).
 *
 * A waiter thread is a small detached pthread (64 KiB stack) that runs one blocking call at a time (msgrcv,
 * msgsnd, semop/semtimedop, flock), reports each through a threadsafe JSCallback (slot > 0), then waits for
 * its next job on a condition variable; after `idle_ms` without one it exits and reports that (-id). JS owns
 * the job and mailbox memory and keeps each alive until the matching report.
 *
 * Cancel: JS sets job->cancel and sends the thread SIGURG with tgkill. The process's SIGURG handler (Bun's,
 * installed by a JS listener) runs without SA_RESTART (set by sysv_waiter_init), so the blocking call returns
 * EINTR; the thread sees the cancel word and reports "cancelled" (err = EINTR) without having consumed
 * anything. A signal that lands just before the call is re-sent by JS every millisecond until the report.
 */
/*
 * No system headers: TinyCC would parse ~10 of them on every start (3-4 ms, docs/pool.md). The declarations
 * below are glibc's on Linux x86_64 and arm64 (the only platforms bun-sysv runs on, see platform.ts); the
 * pthread types are opaque blocks at least as large and as aligned as glibc's on both.
 */
typedef int int32_t;
typedef long int64_t;
typedef unsigned long size_t;
struct timespec { long tv_sec; long tv_nsec; };
typedef struct { unsigned long bits[16]; } sigset_t;
struct sigaction { void (*sa_handler)(int); sigset_t sa_mask; int sa_flags; void (*sa_restorer)(void); };
typedef union { char size[48]; long align; } pthread_mutex_t;
typedef union { char size[48]; long long align; } pthread_cond_t;
typedef union { char size[64]; long align; } pthread_attr_t;
typedef unsigned long pthread_t;
#define EINTR 4
#define EINVAL 22
#define ETIMEDOUT 110
#define SIGURG 23
#define SA_RESTART 0x10000000
#define SIG_DFL ((void (*)(int))0)
#define SIG_IGN ((void (*)(int))1)
#define SIG_SETMASK 2
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define PTHREAD_CREATE_DETACHED 1
int *__errno_location(void);
#define errno (*__errno_location())
long msgrcv(int, void *, size_t, long, int);
int msgsnd(int, const void *, size_t, int);
int semop(int, void *, size_t);
int semtimedop(int, void *, size_t, const struct timespec *);
int flock(int, int);
long syscall(long, ...);
#if defined(__x86_64__)
#define SYS_gettid 186
#else
#define SYS_gettid 178 /* arm64 */
#endif
int clock_gettime(int, struct timespec *);
int sigaction(int, const struct sigaction *, struct sigaction *);
int sigfillset(sigset_t *);
int sigdelset(sigset_t *, int);
int pthread_sigmask(int, const sigset_t *, sigset_t *);
int pthread_mutex_init(pthread_mutex_t *, const void *);
int pthread_mutex_lock(pthread_mutex_t *);
int pthread_mutex_unlock(pthread_mutex_t *);
int pthread_cond_init(pthread_cond_t *, const void *);
int pthread_cond_signal(pthread_cond_t *);
int pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int pthread_attr_init(pthread_attr_t *);
int pthread_attr_setstacksize(pthread_attr_t *, size_t);
int pthread_attr_setdetachstate(pthread_attr_t *, int);
int pthread_attr_destroy(pthread_attr_t *);
int pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Shared with JS (waiter.ts: JOB_* offsets). All fields are naturally aligned; 72 bytes. */
struct job {
  int32_t op;         /*  0: 1 msgrcv, 2 msgsnd, 3 semop, 4 flock */
  int32_t id;         /*  4: msqid / semid / fd */
  int32_t flags;      /*  8: msg flags / nsops / flock operation */
  int32_t cancel;     /* 12: set to 1 by JS to cancel */
  int32_t tid;        /* 16: the thread's tid, written when it starts (0 before) */
  int32_t err;        /* 20: errno of a failure; EINTR = cancelled; 0 = success */
  int64_t result;     /* 24: the call's return value */
  int64_t type;       /* 32: msgrcv: msgtyp */
  int64_t size;       /* 40: msgrcv: mtext capacity; msgsnd: mtext length */
  int64_t timeout_ns; /* 48: semop: timeout in ns, -1 = forever */
  int32_t slot;       /* 56: passed back to the JS callback */
  int32_t unused;     /* 60 */
  void *data;         /* 64: msgrcv/msgsnd: {long mtype; char mtext[]}; semop: struct sembuf[] */
};

static void (*report)(int32_t slot);

/* Remembers the JS callback, and makes SIGURG interrupt blocking calls (flock would otherwise restart). */
int sysv_waiter_init(void (*done)(int32_t)) {
  struct sigaction sa;
  report = done;
  if (sigaction(SIGURG, 0, &sa) != 0) return errno;
  if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) return -1; /* no JS listener yet */
  sa.sa_flags &= ~SA_RESTART;
  if (sigaction(SIGURG, &sa, 0) != 0) return errno;
  return 0;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One attempt of the call; -1 with errno on failure. */
static long attempt(volatile struct job *j, int64_t deadline) {
  void *data = j->data;
  switch (j->op) {
    case 1: return msgrcv(j->id, data, (size_t)j->size, (long)j->type, j->flags);
    case 2: return msgsnd(j->id, data, (size_t)j->size, j->flags);
    case 3: {
      struct timespec ts;
      int64_t left;
      if (j->timeout_ns < 0) return semop(j->id, data, (size_t)j->flags);
      left = deadline - now_ns();
      if (left < 0) left = 0;
      ts.tv_sec = left / 1000000000;
      ts.tv_nsec = left % 1000000000;
      return semtimedop(j->id, data, (size_t)j->flags, &ts);
    }
    case 4: return flock(j->id, j->flags);
  }
  errno = EINVAL;
  return -1;
}

/* A reusable thread's mailbox: 128 bytes of JS memory, which JS keeps until the thread reports retirement. */
struct worker {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  struct job *job;  /* the next job, posted by JS; taken (set to 0) by the thread */
  int32_t retired;  /* set by the thread, under the lock, when it leaves after idling */
  int32_t id;       /* reported as -id on retirement */
};

static int32_t idle_ms = 5000;

/* How long an idle thread waits for a next job before it exits (read at each wait). */
void sysv_waiter_idle(int32_t ms) { idle_ms = ms; }

/* Runs one job to its end, then reports it. */
static void run_job(volatile struct job *j) {
  int64_t deadline = j->timeout_ns < 0 ? 0 : now_ns() + j->timeout_ns;
  long r;
  j->tid = (int32_t)syscall(SYS_gettid);
  for (;;) {
    if (j->cancel) { j->result = -1; j->err = EINTR; break; }
    r = attempt(j, deadline);
    if (r >= 0) { j->result = r; j->err = 0; break; }
    if (errno != EINTR) { j->result = -1; j->err = errno; break; }
    /* EINTR without a cancel: a stray signal, try again (semtimedop keeps its deadline). */
  }
  report(j->slot); /* after this the job memory belongs to JS again */
}

static void *run(void *arg) {
  struct worker *w = arg;
  struct job *j;
  sigset_t mask;
  int32_t id = w->id;
  /* Only SIGURG reaches this thread: process-directed signals go to Bun's own threads. */
  sigfillset(&mask);
  sigdelset(&mask, SIGURG);
  pthread_sigmask(SIG_SETMASK, &mask, 0);
  for (;;) {
    struct timespec until;
    int timed_out = 0;
    pthread_mutex_lock(&w->lock);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += idle_ms / 1000;
    until.tv_nsec += (long)(idle_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    while (!w->job && !timed_out) timed_out = pthread_cond_timedwait(&w->wake, &w->lock, &until) == ETIMEDOUT;
    j = w->job;
    w->job = 0;
    if (!j) w->retired = 1;
    pthread_mutex_unlock(&w->lock);
    if (!j) break;
    run_job(j);
  }
  report(-id); /* the last touch of w: JS may drop it now */
  return 0;
}

/* Starts a thread on `w` (memory from JS, >= 128 bytes) with its first job; 0 or an errno (EAGAIN). */
int sysv_waiter_spawn(void *mailbox, int32_t id, void *first) {
  struct worker *w = mailbox;
  pthread_attr_t attr;
  pthread_t thread;
  int rc;
  pthread_mutex_init(&w->lock, 0);
  pthread_cond_init(&w->wake, 0);
  w->job = first;
  w->retired = 0;
  w->id = id;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  rc = pthread_create(&thread, &attr, run, w);
  pthread_attr_destroy(&attr);
  return rc;
}

/* Hands an idle thread its next job: 0, or -1 if it has retired meanwhile (start another). */
int sysv_waiter_post(void *mailbox, void *job) {
  struct worker *w = mailbox;
  int ok;
  pthread_mutex_lock(&w->lock);
  ok = !w->retired && !w->job;
  if (ok) {
    w->job = job;
    pthread_cond_signal(&w->wake);
  }
  pthread_mutex_unlock(&w->lock);
  return ok ? 0 : -1;
}
