/**
 * The pool's book of tasks: which are unsent, which are out (sent, not answered), and the one outcome
 * each id gets. Results are checked here: a second result for an id is a duplicate, never a second outcome.
 *
 * @example
 * ```ts
 * const ledger = new TaskLedger<number, number>(2);
 * const id = ledger.add(21);
 * ledger.take();                      // 21 (ledger.takenId: 0), into the message being built
 * ledger.sent(40);                    // that message was sent as 40 payload bytes: now out
 * ledger.accept({ id, worker: 1, result: 42 }); // a received result: outcome "done"
 * ```
 * @module
 */
import { Channel } from "./channel.ts";
import { isResultMessage } from "./protocol.ts";

/** The getter `name` of `type`'s instances. */
function getter(type: { prototype: object }, name: string): Function {
  return Object.getOwnPropertyDescriptor(type.prototype, name)!.get!;
}

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

/**
 * The ids out and their byte shares, without a map entry per task: ids are handed out in order and
 * mostly answered in order, so a window of shares (0 = not out) from the lowest id out covers them;
 * an id left far behind (its worker died; answered when the pool ends) moves to a small map so that the
 * window, and the memory of a long-running pool, stay bounded.
 */
class OutSet {
  static readonly #MAX_WINDOW = 1 << 16;
  #shares = new Float64Array(1024);
  /** Id of `#shares[0]`. */
  #base = 0;
  /** Lowest id that may be out in the window, and one past the highest added. */
  #low = 0;
  #high = 0;
  #count = 0;
  readonly #far = new Map<number, number>();

  get size(): number {
    return this.#count + this.#far.size;
  }

  /** `id` is out with `share` bytes (> 0). */
  add(id: number, share: number): void {
    if (id < this.#low) {
      this.#far.set(id, share);
      return;
    }
    let i = id - this.#base;
    if (i >= this.#shares.length) {
      this.#compact(id);
      i = id - this.#base;
    }
    this.#shares[i] = share;
    this.#count++;
    if (id >= this.#high) this.#high = id + 1;
  }

  /** Takes `id` off: its share, or 0 if it was not out. */
  remove(id: number): number {
    const i = id - this.#base;
    if (i >= 0 && i < this.#shares.length && id >= this.#low) {
      const share = this.#shares[i]!;
      if (share === 0) return 0;
      this.#shares[i] = 0;
      this.#count--;
      if (id === this.#low) this.#advance();
      return share;
    }
    const share = this.#far.get(id);
    if (share === undefined) return 0;
    this.#far.delete(id);
    return share;
  }

  /**
   * Takes the ids `first .. first + count - 1` off at once when every one of them is out in the window (the
   * usual answer to a batch): the sum of their shares; -1 (nothing taken) otherwise.
   */
  removeRun(first: number, count: number): number {
    const from = first - this.#base;
    if (first < this.#low || from < 0 || first + count > this.#high) return -1;
    const shares = this.#shares;
    let total = 0;
    for (let i = from; i < from + count; i++) {
      const share = shares[i]!;
      if (share === 0) return -1;
      total += share;
    }
    shares.fill(0, from, from + count);
    this.#count -= count;
    if (first === this.#low) this.#advance();
    return total;
  }

  #advance(): void {
    const shares = this.#shares;
    let low = this.#low;
    while (low < this.#high && shares[low - this.#base] === 0) low++;
    this.#low = low;
  }

  /** Makes room up to `id`: slides the window to `#low`, moving ids left far behind to the map; grows if needed. */
  #compact(id: number): void {
    while (id - this.#low >= OutSet.#MAX_WINDOW && this.#low < this.#high) {
      const share = this.#shares[this.#low - this.#base]!;
      if (share !== 0) {
        this.#far.set(this.#low, share);
        this.#shares[this.#low - this.#base] = 0;
        this.#count--;
      }
      this.#low++;
      this.#advance();
    }
    const from = this.#low - this.#base, used = this.#high - this.#low;
    const need = id - this.#low + 1;
    const shares = need > this.#shares.length ? new Float64Array(Math.max(need, this.#shares.length * 2)) : this.#shares;
    if (shares === this.#shares) {
      shares.copyWithin(0, from, from + used);
      shares.fill(0, used);
    } else {
      shares.set(this.#shares.subarray(from, from + used));
    }
    this.#shares = shares;
    this.#base = this.#low;
  }

  /** The methods a pool runs per task (see `tiers.ts`). */
  hotPaths(): Function[] {
    return [this.add, this.remove, this.removeRun, this.#advance, getter(OutSet, "size")];
  }

  /** Every id out, ascending. */
  ids(): number[] {
    const ids = [...this.#far.keys()];
    for (let id = this.#low; id < this.#high; id++) if (this.#shares[id - this.#base] !== 0) ids.push(id);
    return ids.sort((a, b) => a - b);
  }

  clear(): void {
    this.#shares.fill(0);
    this.#far.clear();
    this.#count = 0;
    this.#base = this.#low = this.#high;
  }
}

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
  /** Highest id each worker answered: a worker that dies holds tasks after it (a hint for `heldBy`). */
  readonly #lastId: number[];
  /** Ids sent and not answered, with their share of payload bytes (see {@link OutSet}). */
  readonly #out = new OutSet();
  #outBytes = 0;
  #unsent: T[] = [];
  #head = 0;
  #nextId = 0;
  /** Tasks taken for the message being built, not sent yet: their ids (reused array, see {@link TaskLedger.taken}). */
  readonly #taken: number[] = [];
  /** Tasks that went back to be sent again (a batch nobody can take any more), served before the unsent ones. */
  #retryIds: number[] = [];
  #retryTasks: T[] = [];
  /** Id of the task the last {@link TaskLedger.take} returned. */
  takenId = -1;

  constructor(workers = 0) {
    this.answered = new Array<number>(workers).fill(0);
    this.#lastId = new Array<number>(workers).fill(-1);
  }

  /** The methods a pool runs per task or per message, with those of its id set and outcome channel (see `tiers.ts`). */
  hotPaths(): Function[] {
    return [
      this.add, this.take, this.takeRun, this.unsentAt, this.sent, this.settle, this.settleBatch, this.#record, this.#answeredUpTo, this.accept, this.#back,
      this.#drop, this.#compactUnsent, getter(TaskLedger, "hasUnsent"), getter(TaskLedger, "runnable"),
      getter(TaskLedger, "out"), getter(TaskLedger, "unsentCount"), ...this.#out.hotPaths(), ...this.outcomes.hotPaths(),
    ];
  }

  /** One more worker (the next index): its counts start at zero. */
  addWorker(): void {
    this.answered.push(0);
    this.#lastId.push(-1);
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
    return this.#head < this.#unsent.length || this.#retryIds.length > 0;
  }

  /** How many tasks wait to be sent. */
  get unsentCount(): number {
    return this.#unsent.length - this.#head + this.#retryIds.length;
  }

  /** Ids taken for the message being built (in the order taken); valid until the next send or failure. */
  get taken(): readonly number[] {
    return this.#taken;
  }

  /** Queues a task; returns its id. */
  add(task: T): number {
    this.#unsent.push(task);
    return this.#nextId++;
  }

  /**
   * Takes the next task to send into the message being built (its id: {@link TaskLedger.takenId}). It stays
   * "taken" until {@link TaskLedger.sent} (then out) or {@link TaskLedger.unsendable} (then failed).
   */
  take(): T {
    let task: T;
    if (this.#retryIds.length > 0) {
      this.takenId = this.#retryIds.pop()!;
      task = this.#retryTasks.pop()!;
    } else {
      this.takenId = this.#nextId - (this.#unsent.length - this.#head);
      task = this.#unsent[this.#head] as T;
      this.#drop();
    }
    this.#taken.push(this.takenId);
    return task;
  }

  /** How many unsent tasks can be taken as one run of ids ({@link TaskLedger.takeRun}): 0 while a retry waits. */
  get runnable(): number {
    return this.#retryIds.length > 0 ? 0 : this.#unsent.length - this.#head;
  }

  /** The `i`-th of the {@link TaskLedger.runnable} tasks, not taken. */
  unsentAt(i: number): T {
    return this.#unsent[this.#head + i] as T;
  }

  /**
   * Takes the next `count` (at most {@link TaskLedger.runnable}) unsent tasks into `into`, like `count`
   * calls of {@link TaskLedger.take}: their ids are the run from the returned first id.
   */
  takeRun(count: number, into: T[]): number {
    const unsent = this.#unsent, taken = this.#taken;
    const first = this.#nextId - (unsent.length - this.#head);
    let head = this.#head;
    for (let i = 0; i < count; i++) {
      into.push(unsent[head] as T);
      unsent[head++] = undefined as T;
      taken.push(first + i);
    }
    this.#head = head;
    this.#compactUnsent();
    if (count > 0) this.takenId = first + count - 1;
    return first;
  }

  /** The message of every task taken was sent (`size` payload bytes): they are out. */
  sent(size: number): void {
    const taken = this.#taken;
    const share = size / taken.length;
    for (let i = 0; i < taken.length; i++) this.#out.add(taken[i]!, share);
    this.#outBytes += size;
    taken.length = 0;
  }

  /** The last task taken cannot be sent at all (too big, not serializable): it fails at once. */
  unsendable(error: unknown): void {
    const id = this.#taken.pop()!;
    this.counts.failed++;
    this.outcomes.push({ id, status: "failed", worker: -1, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }

  /** The last task taken goes back, to be taken first next time (it did not fit in the message). */
  untake(task: T): void {
    this.#retryIds.push(this.#taken.pop()!);
    this.#retryTasks.push(task);
  }

  /** A task taken or out but still queued, in a message nobody can take any more: to be sent again. */
  requeue(id: number, task: T): void {
    const taken = this.#taken.indexOf(id);
    if (taken >= 0) this.#taken.splice(taken, 1);
    else if (!this.#back(id)) return;
    this.#retryIds.push(id);
    this.#retryTasks.push(task);
  }

  /** Takes `id` off the out list: whether it was out. */
  #back(id: number): boolean {
    const size = this.#out.remove(id);
    if (size === 0) return false;
    this.#outBytes -= size;
    return true;
  }

  #drop(): void {
    this.#unsent[this.#head++] = undefined as T;
    this.#compactUnsent();
  }

  #compactUnsent(): void {
    if (this.#head > 4096 && this.#head * 2 > this.#unsent.length) {
      this.#unsent = this.#unsent.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Takes one received (unserialized) single-result message: whether it settled a task (else duplicate or garbage). */
  accept(value: unknown): boolean {
    if (!isResultMessage(value)) {
      this.counts.garbage++;
      return false;
    }
    return this.settle(value.id, value.worker, value.result, value.error);
  }

  /**
   * One result of a batch (or of a single message): `error` a string when the task failed. Whether it
   * settled a task; a result for an id not out is a duplicate (an id handed out) or garbage.
   */
  settle(id: number, worker: number, result: unknown, error: string | undefined): boolean {
    if (!this.#back(id)) {
      if (Number.isSafeInteger(id) && id >= 0 && id < this.#nextId) this.counts.duplicates++;
      else this.counts.garbage++;
      return false;
    }
    this.#answeredUpTo(worker, id, 1);
    this.#record(id, worker, result, error);
    return true;
  }

  /** The outcome of a task taken off the out list: failed with `error`, else done with `result`. */
  #record(id: number, worker: number, result: unknown, error: string | undefined): void {
    if (error !== undefined) {
      this.counts.failed++;
      this.outcomes.push({ id, status: "failed", worker, error });
    } else {
      this.counts.done++;
      this.outcomes.push({ id, status: "done", worker, result: result as R });
    }
  }

  /** Worker `worker` (if it is one of ours) answered `count` more tasks, the highest `id`. */
  #answeredUpTo(worker: number, id: number, count: number): void {
    if (worker >= 0 && worker < this.answered.length) {
      this.answered[worker]! += count;
      if (id > this.#lastId[worker]!) this.#lastId[worker] = id;
    }
  }

  /**
   * The results of a batch message: {@link TaskLedger.settle} for each, `errors[i]` a string where task i
   * failed. `ids` is the batch's ids, or the first of a run `first, first + 1, ...` (one per result): a run
   * whose ids are all out is taken off the out list at once.
   */
  settleBatch(ids: readonly number[] | number, worker: number, results: readonly unknown[], errors: Readonly<Record<number, unknown>> | undefined): void {
    const count = results.length;
    const shares = typeof ids === "number" && count > 0 ? this.#out.removeRun(ids, count) : -1;
    if (shares >= 0) {
      const first = ids as number;
      this.#outBytes -= shares;
      this.#answeredUpTo(worker, first + count - 1, count);
      for (let i = 0; i < count; i++) {
        const error = errors === undefined ? undefined : errors[i];
        this.#record(first + i, worker, results[i], typeof error === "string" ? error : undefined);
      }
      return;
    }
    // Ids listed, or some of the run not out (duplicates, garbage, or far behind): one by one.
    for (let i = 0; i < count; i++) {
      const error = errors === undefined ? undefined : errors[i];
      this.settle(typeof ids === "number" ? ids + i : ids[i]!, worker, results[i], typeof error === "string" ? error : undefined);
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
    for (const id of this.#out.ids()) {
      const later = deadWorkers.filter((index) => this.#lastId[index]! < id);
      this.#settle({ id, status: "lost", heldBy: later.length > 0 ? later : [...deadWorkers] }, this.lost);
    }
    this.#out.clear();
    this.#outBytes = 0;
    for (const id of this.#takeUnsent()) this.#settle({ id, status: "unstarted" }, this.unstarted);
  }

  /** Everything not settled yet becomes `cancelled`; the outcome stream ends. */
  close(): void {
    const ids = [...this.#out.ids(), ...this.#takeUnsent()].sort((a, b) => a - b);
    this.#out.clear();
    this.#outBytes = 0;
    for (const id of ids) this.#settle({ id, status: "cancelled" }, this.cancelled);
    this.outcomes.close();
  }

  /** Ids never sent: taken for a message not sent, sent back for a retry, and the unsent ones. */
  #takeUnsent(): number[] {
    const count = this.#unsent.length - this.#head;
    const first = this.#nextId - count;
    const ids = [...this.#taken, ...this.#retryIds.sort((a, b) => a - b), ...Array.from({ length: count }, (_, i) => first + i)];
    this.#taken.length = 0;
    this.#retryIds = [];
    this.#retryTasks = [];
    this.#unsent = [];
    this.#head = 0;
    return ids;
  }

  #settle(outcome: TaskOutcome<R>, list: number[]): void {
    list.push(outcome.id);
    this.outcomes.push(outcome);
  }
}
