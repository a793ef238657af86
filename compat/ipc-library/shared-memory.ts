/**
 * The PHP IPC library's `SharedMemory(key)`: a shared, integer-indexed array. `shm[0] = 42` stores 42 at
 * index 0 (a `shm_put_var($shm, 0, 42)` that PHP reads back with `shm_get_var`), `shm[0]` reads it
 * (`undefined` when unset), `delete shm[0]` removes it, `0 in shm` tests it.
 *
 * @example
 * ```ts
 * import { SharedMemory } from "bun-sysv/compat";
 * import { ftok } from "bun-sysv";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * const file = `${mkdtempSync(`${tmpdir()}/shared-memory-`)}/key`;
 * writeFileSync(file, "");
 * const shm = new SharedMemory(ftok(file, "m"));
 * shm[0] = 42;
 * console.log(shm[0], 1 in shm); // 42 false
 * shm.remove();
 * ```
 * @module
 */
import type { KeyLike } from "../../src/keys/key.ts";
import { SharedVariables } from "../../src/vars/variables.ts";
import { SystemObject } from "./handle.ts";

/** A PHP int array key written as a property name: "0", "7", "-3" (negative ints are PHP keys too). */
const INDEX = /^(0|-?[1-9]\d*)$/;

function indexOf(property: string | symbol): number | undefined {
  if (typeof property !== "string" || !INDEX.test(property)) return undefined;
  const n = Number(property);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A shared integer-indexed array over PHP's variable store (see the module doc). */
export class SharedMemory extends SystemObject {
  [index: number]: unknown;
  /** The variable store underneath (`src/vars`). */
  readonly variables!: SharedVariables;

  /** Opens (or creates, mode 0666, `size` bytes) the key's segment. */
  constructor(key: KeyLike, size: number = 10000) {
    super();
    const variables = SharedVariables.create(key, { size, mode: 0o666 });
    Object.defineProperty(this, "variables", { value: variables });
    return new Proxy(this, {
      get(target, property, receiver) {
        const i = indexOf(property);
        return i === undefined ? Reflect.get(target, property, receiver) : variables.get(i);
      },
      set(target, property, value, receiver) {
        const i = indexOf(property);
        if (i === undefined) return Reflect.set(target, property, value, receiver);
        variables.set(i, value);
        return true;
      },
      has(target, property) {
        const i = indexOf(property);
        return i === undefined ? Reflect.has(target, property) : variables.has(i);
      },
      deleteProperty(target, property) {
        const i = indexOf(property);
        if (i === undefined) return Reflect.deleteProperty(target, property);
        variables.delete(i);
        return true;
      },
    });
  }

  /** The indexes that hold a value. */
  indexes(): number[] {
    return this.variables.keys().map(Number);
  }

  /** `close()` detaches (the data stays in the system). */
  protected get handle(): SharedVariables {
    return this.variables;
  }
}
