/**
 * PHP's signal constants (Linux numbers), `SIG_DFL`/`SIG_IGN`/`SIG_ERR`, and the `pcntl_waitpid` flags.
 * One place for them in compat: pcntl.ts, posix.ts and the signal functions import from here.
 *
 * @example
 * ```ts
 * import { SIGTERM, SIGKILL, WNOHANG } from "bun-sysv/compat";
 * SIGTERM; // 15
 * ```
 * @module
 */

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGIOT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGSTKFLT = 16;
export const SIGCHLD = 17;
export const SIGCLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGXCPU = 24;
export const SIGXFSZ = 25;
export const SIGVTALRM = 26;
export const SIGPROF = 27;
export const SIGWINCH = 28;
export const SIGIO = 29;
export const SIGPOLL = 29;
export const SIGPWR = 30;
export const SIGSYS = 31;
export const SIGBABY = 31;
/** First and last real-time signal numbers as PHP reports them on glibc. */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

/** `pcntl_signal` handler values: default action, ignore, and the error return of `pcntl_signal_get_handler`. */
export const SIG_DFL = 0;
export const SIG_IGN = 1;
export const SIG_ERR = -1;

/** `pcntl_waitpid` flags (PHP's values are the kernel's): return at once when no child changed; report stopped children too. */
export { WCONTINUED, WNOHANG, WUNTRACED } from "../src/ffi/constants.ts";
