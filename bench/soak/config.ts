/**
 * What the soak driver (`bench/soak.ts`) hands to each worker process (Bun: `worker.ts`, PHP:
 * `worker.php`) as one JSON argument, and the message/lane conventions both sides follow.
 *
 * Log lines (one `write()` each on a file opened with O_APPEND, written before the next receive):
 * - `s <id>`: a producer's send resolved (the kernel has the message);
 * - `g <id>`: a consumer took message `<id>`;
 * - lane logs (`lane-<L>.log`, shared by successive consumers of lane L): `c <seq> <pid>` claim before
 *   the first receive of `<seq>`, `g <seq> <pid>` got it, `x <seq> <pid>` decided it was lost in a kill;
 * - `v`: one SharedVariables increment applied; `a`/`t`/`b`/`k`: a permit acquired / a timeout / an abort /
 *   a permit left on a closed handle.
 *
 * @example
 * ```ts
 * laneType(2, 17); // 3n * 2n ** 56n + 17n: lane 2, sequence 17
 * ```
 * @module
 */

/** Arguments of one worker process. */
export interface WorkerConfig {
  role: "producer" | "consumer" | "lane-producer" | "lane-consumer" | "vars" | "sem";
  /** Unique per incarnation (`b7`, `p3`): message id prefix, SharedVariables `by` key. */
  name: string;
  /** This process's own log (for lane consumers: the lane's log). */
  log: string;
  workKey: number;
  laneKey: number;
  varsKey: number;
  semKey: number;
  /** Epoch ms: producers, vars and sem workers stop here; lane producers then send their end markers. */
  deadline: number;
  /** Messages per second per producer (per lane for lane producers). */
  rate: number;
  /** Lanes of a lane producer, or the one lane of a lane consumer. */
  lanes: number[];
  /** Largest number of concurrent receives a Bun consumer starts at once. */
  burst: number;
  /**
   * Lane consumers: SIGKILL yourself right after taking this many messages, before logging the last
   * (0 = never). Exercises the loss rule with kills that land exactly inside the window.
   */
  dieAfter: number;
  /** Testing the soak itself: a Bun work consumer leaves out the log line of a message with this probability. */
  dropLog: number;
  /** Random seed of this process. */
  seed: number;
}

/** Work messages: type 1 data, type 2 stop (consumers select with type -2: data first). */
export const WORK_TYPE = 1, STOP_TYPE = 2;

/** The message type of lane `lane`, sequence `seq`: (lane + 1) * 2^56 + seq (beyond 2^53: bigints in Bun, ints in PHP). */
export function laneType(lane: number, seq: number): bigint {
  return BigInt(lane + 1) * 2n ** 56n + BigInt(seq);
}

/** A small deterministic PRNG (mulberry32) so a run can be repeated with `--seed`. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
