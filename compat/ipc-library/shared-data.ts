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
 * count the kernel gives back if the process dies (SIGKILL included), so a process killed mid-set never
 * blocks the others. A set replaces the variable as PHP's `shm_put_var` does (remove, compact, append): a
 * kill inside those sub-microsecond steps can lose that name's value or leave a store that reads as
 * CorruptError (see docs/ipc-library.md).
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
import { SharedVariables } from "../../src/vars/variables.ts";

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
export class SharedData implements Disposable {
  /** The variable store underneath (`src/vars`). */
  readonly variables: SharedVariables;
  /** Versions this object last read or wrote, per name. */
  readonly #seen = new Map<string, number>();

  /** Opens (or creates, mode 0666, `size` bytes) the key's segment and its lock. */
  constructor(key: KeyLike, size: number = 10000) {
    if (toKey(key) === 0) throw new RangeError("SharedData needs a key (its lock is a semaphore on the same key), not IPC_PRIVATE");
    this.variables = SharedVariables.create(key, { size, mode: 0o666 });
  }

  /** The value of `name` (`undefined` if unset); remembers its version for `set(..., true)`. */
  get<T = unknown>(name: string): T | undefined {
    using _permit = this.variables.lock.acquireSync();
    const [, entry] = this.#find(name);
    this.#seen.set(name, entry ? entry[1] : 0);
    return entry ? (entry[2] as T) : undefined;
  }

  /**
   * Stores `value` under `name`. With `checkIntegrity`, only if nobody changed it since this object last
   * read it (false otherwise, nothing written). True when written.
   */
  set(name: string, value: unknown, checkIntegrity: boolean = false): boolean {
    using _permit = this.variables.lock.acquireSync();
    const [slot, entry] = this.#find(name);
    const version = entry ? entry[1] : 0;
    if (checkIntegrity && version !== (this.#seen.get(name) ?? 0)) return false;
    this.variables.set(slot, [name, version + 1, value] satisfies Entry);
    this.#seen.set(name, version + 1);
    return true;
  }

  /** Removes `name`. */
  delete(name: string): boolean {
    using _permit = this.variables.lock.acquireSync();
    const [slot, entry] = this.#find(name);
    this.#seen.delete(name);
    return entry ? this.variables.delete(slot) : false;
  }

  /** Removes the segment from the system (the lock's semaphore too). */
  remove(): void {
    this.variables.lock.remove();
    this.variables.remove();
  }

  /** Detaches (the data stays in the system). */
  close(): void {
    this.variables.detach();
  }

  [Symbol.dispose](): void {
    this.close();
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
