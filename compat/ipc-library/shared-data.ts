/**
 * The PHP IPC library's `SharedData(key)`: named values in a shared segment, with `get(name)` and
 * `set(name, value, checkIntegrity)`. With `checkIntegrity`, `set` is a compare-and-set: it returns false
 * (and writes nothing) when another process changed the value since this object last read it, so the
 * library's retry loop never loses an update:
 *
 * ```ts ignore
 * do { counter = shm.get("counter") + 1; } while (!shm.set("counter", counter, true));
 * ```
 *
 * Each name is one PHP variable of the segment (the variable store of `shm_put_var`), holding
 * `[name, version, value]`; every get and set runs under a PHP-protocol mutex on the same key, whose
 * count the kernel gives back if the process dies (SIGKILL included).
 *
 * A set replaces the variable as PHP's `shm_put_var` does (remove, compact, append), which is not atomic.
 * So the segment is twice the store's size plus 8 bytes, and the second half is a journal: before a set
 * touches the store it copies the store's used bytes there and then sets a dirty byte (one byte: an atomic
 * write); after the set it clears it. The next holder of the lock that finds the byte set knows the last
 * setter died inside its set, and copies the journal back: the store is as it was before that set.
 * Journal layout, at offset `total` (the store header's size): byte 0 dirty flag, bytes 4-7 length
 * (uint32 LE), then the copy.
 *
 * @example
 * ```ts
 * import { SharedData } from "bun-sysv/compat";
 * import { ftok } from "bun-sysv";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const file = `${mkdtempSync(`${tmpdir()}/shared-data-`)}/key`;
 * writeFileSync(file, "");
 * const shm = new SharedData(ftok(file, "d"));
 * let counter: number;
 * do {
 *   counter = (shm.get<number>("counter") ?? 0) + 1;
 * } while (!shm.set("counter", counter, true));
 * console.log(shm.get("counter")); // 1
 * shm.remove();
 * ```
 * @module
 */
import { toKey, type KeyLike } from "../../src/keys/key.ts";
import { SharedMemory } from "../../src/shm/segment.ts";
import { SharedVariables } from "../../src/vars/variables.ts";
import { SystemObject } from "./handle.ts";

/** Bytes of the store's header (PHP_SM): the used bytes of a store are `HEADER + stat().used`. */
const HEADER = 40;
/** Journal header: dirty byte, 3 spare, uint32 length. */
const JOURNAL_HEADER = 8;

/** What each variable holds. */
type Entry = [name: string, version: number, value: unknown];

/** Variable key of a name: 32-bit FNV-1a of its UTF-8 bytes, probed linearly on a collision. */
function slotOf(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 1; // 31 bits: a positive PHP int key
}

const PROBES = 64;

/** Named shared values with an optional integrity check on set (see the module doc). */
export class SharedData extends SystemObject {
  /** The variable store underneath (`src/vars`). */
  readonly variables: SharedVariables;
  /** Versions this object last read or wrote, per name. */
  readonly #seen = new Map<string, number>();

  /** Sets that found a dead setter's half-done work and rolled it back (in this object). */
  recovered = 0;
  readonly #segment: SharedMemory;
  readonly #journalAt: number;

  /** Opens (or creates, mode 0666) the key's segment, a store of `size` bytes plus its journal, and its lock. */
  constructor(key: KeyLike, size: number = 10000) {
    super();
    if (toKey(key) === 0) throw new RangeError("SharedData needs a key (its lock is a semaphore on the same key), not IPC_PRIVATE");
    if (!Number.isSafeInteger(size) || size <= HEADER) {
      throw new RangeError(`SharedData: size must be an integer > ${HEADER} (the store's header), got ${String(size)}`);
    }
    this.#segment = SharedMemory.create(key, 2 * size + JOURNAL_HEADER, { mode: 0o666 });
    // The creator's size decides (an existing segment keeps its size): the journal is its second half.
    this.#journalAt = Math.floor((this.#segment.size - JOURNAL_HEADER) / 2);
    this.variables = SharedVariables.fromSegment(this.#segment, { size: this.#journalAt, mode: 0o666 }, true);
    try {
      // Checked before the lock is taken (a rollback never changes `total`): a key that names some other
      // store fails here without creating a semaphore set on it.
      const total = this.variables.stat().total;
      if (total !== this.#journalAt) throw new RangeError(`SharedData: key ${toKey(key)} names a segment that is not a SharedData store (store size ${total}, expected ${this.#journalAt})`);
      using _permit = this.#lock(); // a setter that died just now is rolled back before the store is read
    } catch (e) {
      this.variables.detach();
      throw e;
    }
  }

  /** The value of `name` (`undefined` if unset); remembers its version for `set(..., true)`. */
  get<T = unknown>(name: string): T | undefined {
    using _permit = this.#lock();
    const [, entry] = this.#find(name);
    this.#seen.set(name, entry ? entry[1] : 0);
    return entry ? (entry[2] as T) : undefined;
  }

  /**
   * Stores `value` under `name`. With `checkIntegrity`, only if nobody changed it since this object last
   * read it (false otherwise, nothing written). True when written.
   */
  set(name: string, value: unknown, checkIntegrity: boolean = false): boolean {
    using _permit = this.#lock();
    const [slot, entry] = this.#find(name);
    const version = entry ? entry[1] : 0;
    if (checkIntegrity && version !== (this.#seen.get(name) ?? 0)) return false;
    this.#journaled(() => this.variables.set(slot, [name, version + 1, value] satisfies Entry));
    this.#seen.set(name, version + 1);
    return true;
  }

  /** Removes `name`. */
  delete(name: string): boolean {
    using _permit = this.#lock();
    const [slot, entry] = this.#find(name);
    this.#seen.delete(name);
    if (!entry) return false;
    return this.#journaled(() => {
      this.variables.delete(slot);
      this.#refill(slot);
      return true;
    });
  }

  /**
   * After `freed` was emptied: moves each entry of the probe run that follows it to the first free slot on
   * its own probe path, so no name is left behind an empty slot (where `#find` stops looking).
   */
  #refill(freed: number): void {
    for (let i = 1; i < PROBES; i++) {
      const slot = (freed + i) % 0x80000000;
      const entry = this.variables.get<Entry>(slot);
      if (entry === undefined) return;
      if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
      const [target] = this.#find(entry[0]);
      if (target !== slot) {
        this.variables.delete(slot);
        this.variables.set(target, entry);
      }
    }
  }

  /** `close()` detaches (the data stays in the system). */
  protected get handle(): SharedVariables {
    return this.variables;
  }

  /** Removes the segment from the system (the lock's semaphore too). */
  override remove(): void {
    this.variables.lock.remove();
    super.remove();
  }

  /** Takes the lock, then rolls back the half-done set of a holder that died in it (if any). */
  #lock(): Disposable {
    const permit = this.variables.lock.acquireSync();
    try {
      if (this.#segment.read(this.#journalAt, 1)[0] === 1) {
        this.#rollBack();
        this.recovered++;
      }
    } catch (e) {
      permit.release();
      throw e;
    }
    return permit;
  }

  /** Runs a store change with the journal armed: a death inside `change` is rolled back by the next holder. */
  #journaled<T>(change: () => T): T {
    const used = HEADER + this.variables.stat().used;
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, used, true);
    this.#segment.write(this.#segment.read(0, used), this.#journalAt + JOURNAL_HEADER);
    this.#segment.write(length, this.#journalAt + 4);
    this.#segment.write(Uint8Array.of(1), this.#journalAt); // one byte: armed, atomically
    try {
      const result = change();
      this.#segment.write(Uint8Array.of(0), this.#journalAt);
      return result;
    } catch (e) {
      this.#rollBack(); // a change that failed half-way leaves the store as it was
      throw e;
    }
  }

  /** Copies the journal back over the store and disarms it (idempotent: a death in here is redone). */
  #rollBack(): void {
    const head = this.#segment.read(this.#journalAt, JOURNAL_HEADER);
    const length = new DataView(head.buffer).getUint32(4, true);
    if (length < HEADER || length > this.#journalAt) throw new RangeError(`SharedData: journal length ${length} out of range`);
    this.#segment.write(this.#segment.read(this.#journalAt + JOURNAL_HEADER, length), 0);
    this.#segment.write(Uint8Array.of(0), this.#journalAt);
  }

  /** The slot that holds `name` (with its entry), or the first free slot on its probe path. */
  #find(name: string): [number, Entry | undefined] {
    const start = slotOf(name);
    let free = -1;
    for (let i = 0; i < PROBES; i++) {
      const slot = (start + i) % 0x80000000;
      const entry = this.variables.get<Entry>(slot);
      if (entry === undefined) {
        if (free < 0) free = slot;
        break;
      }
      if (Array.isArray(entry) && entry[0] === name) return [slot, entry];
    }
    if (free < 0) throw new RangeError(`SharedData: no free slot for ${JSON.stringify(name)} after ${PROBES} collisions`);
    return [free, undefined];
  }
}
