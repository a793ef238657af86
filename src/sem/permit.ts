/**
 * A permit: one acquisition of a {@link Semaphore}, released once by `release()` or by `using`.
 *
 * @example
 * ```ts
 * {
 *   using permit = await sem.acquire();
 *   // ... critical section ...
 * } // released here, even on throw
 * ```
 * @module
 */

/** What a permit needs from its semaphore: a way to give itself back. */
export interface PermitOwner {
  /** Gives the permit back to the kernel (one semop +1). Throws IpcError if the kernel refuses. */
  releasePermit(permit: Permit): void;
}

/** Marks a permit released without calling its owner (for the owner, after it gave the permit back itself). */
export let markReleased: (permit: Permit) => void;

/**
 * One acquisition of a semaphore. Releasing it twice does nothing the second time; if the kernel
 * refuses a release (the set was removed), the error is thrown and the permit stays held.
 *
 * @example
 * ```ts
 * const permit = sem.tryAcquire();
 * if (permit) try { work(); } finally { permit.release(); }
 * ```
 */
export class Permit implements Disposable {
  #owner: PermitOwner | null;

  /** @internal Permits are made by {@link Semaphore} acquisitions. */
  constructor(owner: PermitOwner) {
    this.#owner = owner;
  }

  /** True once the permit has been given back. */
  get released(): boolean {
    return this.#owner === null;
  }

  /** Gives the permit back (no-op if already released). */
  release(): void {
    const owner = this.#owner;
    if (!owner) return;
    owner.releasePermit(this);
    this.#owner = null;
  }

  /** `using permit = ...` releases at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }

  static {
    markReleased = (permit) => {
      permit.#owner = null;
    };
  }
}
