/**
 * A failed constructor leaves nothing behind (issue 8 defect 5): what it created it removes, what it
 * attached it detaches. Segments, stores, semaphores; permission cases run as `nobody` (root bypasses
 * System V permissions).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { shm_attach } from "../compat/index.ts";
import { listIpc, SharedMemory, SharedVariables } from "../src/index.ts";
import { testKeys } from "./helpers/ipc.ts";
import { compatOutcome } from "./helpers/outcome.ts";
import { bunAs, unprivileged } from "./helpers/unprivileged.ts";

const keys = testKeys();
const ROOT = join(import.meta.dir, "..");
const bad = "not a key" as unknown as number;

/** Segments this process created (shm_cpid): private ones cannot be found by key. */
function ownSegments(): Array<{ id: number; count: number }> {
  return listIpc("shm").filter((o) => o.raw.cpid === process.pid).map((o) => ({ id: o.id, count: o.count }));
}

function objectsOf(key: number) {
  return listIpc().filter((o) => o.key === key).map((o) => o.kind);
}

describe("SharedVariables constructors", () => {
  test("create(IPC_PRIVATE, { readOnly }) and createNew(key, { readOnly }) are refused before creating anything", () => {
    const before = ownSegments();
    const key = keys.next();
    expect(() => SharedVariables.create(0, { readOnly: true })).toThrow(/readOnly cannot create a segment/);
    expect(() => SharedVariables.createNew(key, { readOnly: true })).toThrow(TypeError);
    expect(ownSegments()).toEqual(before);
    expect(objectsOf(key)).toEqual([]);
  });

  test("create(key, { readOnly }) attaches an existing store and never creates one", () => {
    const key = keys.next();
    expect(() => SharedVariables.create(key, { readOnly: true })).toThrow(expect.objectContaining({ name: "NotFoundError" }));
    expect(objectsOf(key)).toEqual([]);
    using writer = SharedVariables.createNew(key);
    writer.set(1, "x");
    using reader = SharedVariables.create(key, { readOnly: true });
    expect(reader.get(1)).toBe("x");
    writer.remove();
  });

  test("createNew / create / private create that fail after creating the segment remove it (a bad lockKey)", () => {
    const before = ownSegments();
    const key = keys.next();
    expect(() => SharedVariables.createNew(key, { lockKey: bad })).toThrow(TypeError);
    expect(objectsOf(key)).toEqual([]);
    expect(() => SharedVariables.create(key, { lockKey: bad })).toThrow(TypeError);
    expect(objectsOf(key)).toEqual([]);
    expect(() => SharedVariables.create(0, { lockKey: bad })).toThrow(TypeError);
    expect(() => SharedVariables.create(0, { size: 2 ** 31 + 64, lockKey: bad })).toThrow(TypeError);
    expect(ownSegments()).toEqual(before);
  });

  test("open / create of an existing segment that fails detaches it and leaves the segment alone", () => {
    const key = keys.next();
    using shm = SharedMemory.createNew(key, 100);
    expect(() => SharedVariables.open(key, { readOnly: true })).toThrow(expect.objectContaining({ name: "CorruptError" }));
    expect(() => SharedVariables.create(key, { lockKey: bad })).toThrow(TypeError);
    expect(shm.stat().attachCount).toBe(1); // only ours
    shm.remove();
  });

  test("compat shm_attach: a store that cannot be made over the segment it created removes it", () => {
    // A 20-byte segment under the key: shm_attach attaches it and refuses it (smaller than the header).
    const key = keys.next();
    using tiny = SharedMemory.createNew(key, 20, { mode: 0o666 });
    expect(compatOutcome(() => shm_attach(key))).toEqual([`Warning: shm_attach(): Failed for key 0x${key.toString(16)}: segment too small`, "return: false"]);
    expect(tiny.stat().attachCount).toBe(1);
    tiny.remove();
  });
});

describe("as an unprivileged user: a new object that cannot be used is removed", () => {
  const nobody = unprivileged();
  test.skipIf(!nobody.prefix)(`SharedMemory.create, SharedVariables.create/createNew, Semaphore/Mutex.create/createNew (${nobody.why})`, () => {
    const k = Array.from({ length: 8 }, () => keys.next());
    const r = bunAs(nobody.prefix!, `
      import { SharedMemory, SharedVariables, Semaphore, Mutex } from ${JSON.stringify(join(ROOT, "src/index.ts"))};
      import { shmop_open, setDiagnosticHandler } from ${JSON.stringify(join(ROOT, "compat/index.ts"))};
      const out = [];
      const attempt = (fn) => { try { fn(); out.push("no error"); } catch (e) { out.push(e.name + " " + e.syscall + " " + e.code); } };
      attempt(() => SharedMemory.create(${k[0]}, 64, { mode: 0o200 }));          // IPC_STAT and shmat need read
      attempt(() => SharedMemory.createNew(${k[1]}, 64, { mode: 0o200 }));
      attempt(() => SharedVariables.create(${k[2]}, { mode: 0o200 }));
      attempt(() => Semaphore.create(${k[3]}, { mode: 0o400 }));                // semop needs alter
      attempt(() => Semaphore.createNew(${k[4]}, { mode: 0o400 }));
      attempt(() => Mutex.create(${k[5]}, { mode: 0o400 }));
      attempt(() => SharedVariables.create(0, { mode: 0o200 }));
      setDiagnosticHandler((d) => out.push(d.message));
      out.push(shmop_open(${k[7]}, "n", 0o200, 64));                             // compat: PHP's warning, no leak
      console.log(JSON.stringify(out));
    `);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      "PermissionError shmctl EACCES", "PermissionError shmctl EACCES", "PermissionError shmctl EACCES",
      "PermissionError semop EACCES", "PermissionError semop EACCES", "PermissionError semop EACCES",
      "PermissionError shmctl EACCES",
      'Unable to get shared memory segment information "Permission denied"', false,
    ]);
    for (const key of k) expect(objectsOf(key)).toEqual([]);
    // Nothing private either: no segment of nobody's (uid 65534) is left.
    expect(listIpc().filter((o) => o.uid === 65534)).toEqual([]);
  });
});

test("every object this file made is gone", () => {
  keys.cleanup();
  expect(keys.live()).toEqual([]);
});
