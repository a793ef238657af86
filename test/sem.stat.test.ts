/**
 * readSemaphores, the one semctl reader behind Semaphore's value/waiters/users and the CLI: the kernel's
 * values, waiters and last pid of a set used by Bun and by the real `php`, and a clear error for a bad id.
 */
import { describe, expect, test } from "bun:test";
import { IpcError, readSemaphores, Semaphore } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { php } from "./helpers/php.ts";

const keys = testKeys();

describe("readSemaphores", () => {
  test("a set in use: counter, usage and init lock as PHP's protocol leaves them, this pid last", () => {
    using sem = Semaphore.createNew(keys.next(), { maxCount: 2 });
    try {
      using permit = sem.tryAcquire();
      expect(permit).not.toBeNull();
      const [counter, usage, lock] = readSemaphores(sem.id, 3);
      expect(counter).toEqual({ index: 0, value: 1, ncnt: 0, zcnt: 0, pid: process.pid });
      expect([usage!.value, lock!.value]).toEqual([1, 0]);
      expect([counter!.value, counter!.ncnt, usage!.value]).toEqual([sem.value, sem.waiters, sem.users]);
    } finally {
      sem.remove();
    }
  });

  test("after a php process took a permit and exited: its pid is the last, SEM_UNDO gave everything back", () => {
    const key = keys.next();
    using sem = Semaphore.createNew(key, { maxCount: 3 });
    try {
      const r = php(`$s = sem_get((int)$argv[1], 3); sem_acquire($s); echo getmypid();`, [key]);
      expect(r.stderr).toBe("");
      const [counter, usage] = readSemaphores(sem.id, 2);
      expect(counter!.pid).toBe(Number(r.stdout));
      expect([counter!.value, usage!.value]).toEqual([3, 1]);
    } finally {
      sem.remove();
    }
  });

  test("a removed set: an IpcError naming semctl, the id and the command", () => {
    const sem = Semaphore.createNew(keys.next());
    const id = sem.id;
    sem.remove();
    sem.close();
    let error: unknown;
    try {
      readSemaphores(id, 3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IpcError);
    expect((error as IpcError).code).toMatch(/^(EINVAL|EIDRM)$/);
    expect((error as IpcError).message).toContain(`semctl(id=${id})`);
    expect((error as IpcError).message).toContain("GETVAL of semaphore 0");
  });
});
