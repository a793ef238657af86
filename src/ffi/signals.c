/*
 * bun-sysv's signal record: the one piece of C in the library, compiled at run time by bun:ffi's `cc`
 * (TinyCC inside Bun). See signals.ts for how JS uses it and docs/signals.md for the why.
 *
 * A JS listener (process.on) cannot run while PHP-style code blocks the main thread in msgrcv, so the
 * handler installed here does only async-signal-safe work: it appends the signal to a ring of receipts and
 * bumps a per-signal counter. JS reads both synchronously through one Int32Array over `rec`. Because it is
 * installed without SA_RESTART, a blocking call of the interrupted thread returns EINTR.
 *
 * The handler that was there before (Bun's own, which wakes the event loop for process.on listeners) is
 * kept and called after the record, so process.on listeners for the same signal still run.
 */
#include <signal.h>
#include <string.h>

#define NSIGNALS 65 /* signal numbers 1..64 on Linux */
#define RING 256    /* receipts kept until read; a reader that falls further behind loses the oldest */

/* Read by JS as Int32Array words: [0] = receipts written so far, [1..64] = count per signal,
 * then RING entries of 4 words: signo, si_code, si_pid, si_uid. Only the handler writes here. */
struct record {
  volatile int written;
  volatile int counts[NSIGNALS - 1];
  volatile int ring[RING][4];
};
static struct record rec;

/* What each signal had before we took it over, and whether that is a function to call after us. */
static struct sigaction previous[NSIGNALS];
static volatile int chained[NSIGNALS];

static void on_signal(int sig, siginfo_t *info, void *context) {
  int n = rec.written;
  volatile int *slot = rec.ring[n & (RING - 1)];
  slot[0] = sig;
  slot[1] = info ? info->si_code : 0;
  slot[2] = info ? info->si_pid : 0;
  slot[3] = info ? info->si_uid : 0;
  rec.counts[sig - 1] = rec.counts[sig - 1] + 1;
  rec.written = n + 1; /* published last: a reader never sees a half-written slot */
  if (!chained[sig]) return;
  if (previous[sig].sa_flags & SA_SIGINFO) previous[sig].sa_sigaction(sig, info, context);
  else previous[sig].sa_handler(sig);
}

/* Address of the record, for a JS view over it. */
void *sysv_signal_record(void) {
  return (void *)&rec;
}

/* Records `sig` from now on (restart != 0 adds SA_RESTART, as PHP's pcntl_signal does by default; System V
 * calls return EINTR either way). Returns 0, or -1 with errno (EINVAL for SIGKILL, SIGSTOP, 32, 33). */
int sysv_signal_trap(int sig, int restart) {
  struct sigaction action, before;
  if (sig < 1 || sig >= NSIGNALS) return -1;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
  sigfillset(&action.sa_mask); /* no other signal nests inside the handler on this thread */
  if (sigaction(sig, &action, &before) != 0) return -1;
  if (before.sa_sigaction != on_signal) {
    chained[sig] = 0;
    previous[sig] = before;
    chained[sig] = before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN;
  }
  return 0;
}

/* Stops recording `sig`: how 0 = SIG_DFL, 1 = SIG_IGN, 2 = what was there before the trap. */
int sysv_signal_untrap(int sig, int how) {
  struct sigaction action;
  if (sig < 1 || sig >= NSIGNALS) return -1;
  if (how == 2) {
    chained[sig] = 0;
    return sigaction(sig, &previous[sig], 0);
  }
  memset(&action, 0, sizeof action);
  action.sa_handler = how == 1 ? SIG_IGN : SIG_DFL;
  chained[sig] = 0;
  return sigaction(sig, &action, 0);
}

/* 1 if our handler is the one installed for `sig` right now (someone else may have replaced it). */
int sysv_signal_trapped(int sig) {
  struct sigaction now;
  if (sigaction(sig, 0, &now) != 0) return 0;
  return now.sa_sigaction == on_signal;
}
