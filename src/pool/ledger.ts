/**
 * The pool's book of tasks: which are unsent, which are out (sent, not answered), and the one outcome
 * each id gets. Results are checked here: a second result for an id is a duplicate, never a second outcome.
 *
 * @example
 * ```ts
 * const ledger = new TaskLedger<number, number>(2);
 * const id = ledger.add(21);
 * ledger.nextMessage();              // { id: 0, task: 21 }
 * ledger.sent(40);                    // sent as 40 payload bytes: now out
 * ledger.accept({ id, worker: 1, result: 42 }); // a received result: outcome "done"
 * ```
 * @module
 */
import { Channel } from "./channel.ts";
import { isResultMessage, type TaskMessage } from "./protocol.ts";

/** What became of one task. Every submitted id gets exactly one outcome. */
export type TaskOutcome<R = unknown> =
  | { id: number; status: "done"; worker: number; result: R }
  /** The handler threw (`worker` >= 0), or the task could not be sent (`worker` -1: too big, not serializable). */
  | { id: number; status: "failed"; worker: number; error: string }
  /** Taken by a worker that exited before answering; `heldBy`: the dead workers that can have held it. */
  | { id: number; status: "lost"; heldBy: number[] }
  /** No worker took it (every worker had exited). */
  | { id: number; status: "unstarted" }
  /** Not settled when the pool was aborted. */
  | { id: number; status: "cancelled" };

/** Tasks of one pool from submit to outcome. */
export class TaskLedger<T, R> {
  /** Outcomes in the order they were settled. */
  readonly outcomes = new Channel<TaskOutcome<R>>();
  readonly counts = { done: 0, failed: 0, duplicates: 0, garbage: 0 };
  readonly lost: number[] = [];
  readonly unstarted: number[] = [];
  readonly cancelled: number[] = [];
  /** Results (and errors) each worker sent. */
  readonly answered: number[];
  /** Highest id each worker answered: tasks leave the queue in id order, so a worker holds a later one. */
  readonly #lastId: number[];
  /** Ids sent and not answered, with their payload sizes. */
  readonly #out = new Map<number, number>();
  #outBytes = 0;
  #unsent: T[] = [];
  #head = 0;
  #nextId = 0;

  constructor(workers: number) {
    this.answered = new Array<number>(workers).fill(0);
    this.#lastId = new Array<number>(workers).fill(-1);
  }

  /** Ids handed out so far. */
  get submitted(): number {
    return this.#nextId;
  }

  /** Tasks sent and not answered. */
  get out(): number {
    return this.#out.size;
  }

  /** Payload bytes of the tasks out: an upper bound of what they occupy in the task queue. */
  get outBytes(): number {
    return this.#outBytes;
  }

  /** Whether a task waits to be sent. */
  get hasUnsent(): boolean {
    return this.#head < this.#unsent.length;
  }

  /** Queues a task; returns its id. */
  add(task: T): number {
    this.#unsent.push(task);
    return this.#nextId++;
  }

  /** The next task to send, as its message (it stays unsent until {@link TaskLedger.sent}). */
  nextMessage(): TaskMessage<T> {
    return { id: this.#nextUnsentId(), task: this.#unsent[this.#head] };
  }

  /** The next task was sent (`size` payload bytes): it is out. */
  sent(size: number): void {
    this.#out.set(this.#nextUnsentId(), size);
    this.#outBytes += size;
    this.#drop();
  }

  /** Takes `id` off the out list: whether it was out. */
  #back(id: number): boolean {
    const size = this.#out.get(id);
    if (size === undefined) return false;
    this.#out.delete(id);
    this.#outBytes -= size;
    return true;
  }

  #nextUnsentId(): number {
    return this.#nextId - (this.#unsent.length - this.#head);
  }

  /** The next task cannot be sent at all (too big, not serializable): it fails at once. */
  unsendable(error: unknown): void {
    const id = this.#nextUnsentId();
    this.#drop();
    this.counts.failed++;
    this.outcomes.push({ id, status: "failed", worker: -1, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }

  #drop(): void {
    this.#unsent[this.#head++] = undefined as T;
    if (this.#head > 4096 && this.#head * 2 > this.#unsent.length) {
      this.#unsent = this.#unsent.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Takes one received (unserialized) result message: an outcome, a duplicate or garbage. */
  accept(value: unknown): void {
    if (!isResultMessage(value)) {
      this.counts.garbage++;
      return;
    }
    const { id, worker } = value;
    if (!this.#back(id)) {
      if (id >= 0 && id < this.#nextId) this.counts.duplicates++;
      else this.counts.garbage++;
      return;
    }
    if (worker >= 0 && worker < this.answered.length) {
      this.answered[worker]++;
      if (id > this.#lastId[worker]) this.#lastId[worker] = id;
    }
    if (value.error !== undefined) {
      this.counts.failed++;
      this.outcomes.push({ id, status: "failed", worker, error: value.error });
    } else {
      this.counts.done++;
      this.outcomes.push({ id, status: "done", worker, result: value.result as R });
    }
  }

  /** A task found still queued once every worker is gone: nobody ran it. */
  notTaken(id: number): void {
    if (this.#back(id)) this.#settle({ id, status: "unstarted" }, this.unstarted);
  }

  /**
   * Every worker has exited and the queues are drained: tasks still out were held by dead workers
   * (`lost`), tasks never sent are `unstarted`.
   */
  settleStranded(deadWorkers: readonly number[]): void {
    for (const id of [...this.#out.keys()].sort((a, b) => a - b)) {
      const heldBy = deadWorkers.filter((index) => this.#lastId[index] < id);
      this.#settle({ id, status: "lost", heldBy }, this.lost);
    }
    this.#out.clear();
    this.#outBytes = 0;
    for (const id of this.#takeUnsent()) this.#settle({ id, status: "unstarted" }, this.unstarted);
  }

  /** Everything not settled yet becomes `cancelled`; the outcome stream ends. */
  close(): void {
    const ids = [...this.#out.keys()].sort((a, b) => a - b);
    this.#out.clear();
    this.#outBytes = 0;
    for (const id of [...ids, ...this.#takeUnsent()]) this.#settle({ id, status: "cancelled" }, this.cancelled);
    this.outcomes.close();
  }

  #takeUnsent(): number[] {
    const count = this.#unsent.length - this.#head;
    const first = this.#nextId - count;
    this.#unsent = [];
    this.#head = 0;
    return Array.from({ length: count }, (_, i) => first + i);
  }

  #settle(outcome: TaskOutcome<R>, list: number[]): void {
    list.push(outcome.id);
    this.outcomes.push(outcome);
  }
}
