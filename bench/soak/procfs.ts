/**
 * Resident memory and thread count of a process, from `/proc/<pid>/status` (VmRSS, Threads), and the
 * series the soak keeps per process.
 *
 * @example
 * ```ts
 * procStatus(process.pid); // { rssKb: 61234, threads: 9 } (or null once the process is gone)
 * ```
 * @module
 */
import { readFileSync } from "node:fs";

/** One reading of a process. */
export interface ProcSample {
  /** Seconds since the soak started. */
  t: number;
  rssKb: number;
  threads: number;
}

/** VmRSS (kB) and Threads of `pid`, or null when it has exited. */
export function procStatus(pid: number): { rssKb: number; threads: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  const rssKb = field("VmRSS"), threads = field("Threads");
  return Number.isNaN(rssKb) || Number.isNaN(threads) ? null : { rssKb, threads };
}

/** Samples of one process over the run, with the named points the report uses. */
export class ProcSeries {
  readonly samples: ProcSample[] = [];
  start?: ProcSample;
  warm?: ProcSample;
  end?: ProcSample;

  constructor(readonly name: string, readonly role: string, readonly pid: number) {}

  /** Reads the process now; returns the sample (null if it has exited). */
  take(t: number, point?: "start" | "warm" | "end"): ProcSample | null {
    const s = procStatus(this.pid);
    if (!s) return null;
    const sample = { t, ...s };
    this.samples.push(sample);
    if (point) this[point] = sample;
    return sample;
  }

  get peak(): ProcSample | undefined {
    return this.samples.reduce<ProcSample | undefined>((a, b) => (!a || b.rssKb > a.rssKb ? b : a), undefined);
  }

  get peakThreads(): number {
    return Math.max(0, ...this.samples.map((s) => s.threads));
  }
}
