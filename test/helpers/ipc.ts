/**
 * Test helpers for IPC objects: keys that never collide with anything well-known (derived with ftok
 * from temp files of this run), tracking of every key and private id a test uses, and a cleanup that
 * removes them even when the test failed.
 *
 * @example
 * ```ts
 * const keys = testKeys();           // afterAll removes whatever these keys name
 * const key = keys.next();
 * ```
 */
import { afterAll } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ftok } from "../../src/keys/index.ts";
import { listIpc, removeIpc, type IpcKind, type IpcObject } from "../../src/inspect/sysvipc.ts";

const dir = mkdtempSync(join(tmpdir(), "bun-sysv-test-"));
let fileCount = 0;
/**
 * Every key handed out in this process. ftok keeps only the low 16 bits of the inode, so two temp files
 * can give the same key: a key is never handed out twice, nor while the kernel has an object under it.
 */
const handedOut = new Set<number>();

/** A fresh temp file (its inode makes ftok keys of this run unique). */
export function tempFile(name = "key"): string {
  const path = join(dir, `${name}-${fileCount++}`);
  writeFileSync(path, "");
  return path;
}

/** Keys handed out for one test file, plus private ids to clean. */
export interface TestKeys {
  /** A new key no other test uses. */
  next(): number;
  /** Remember a private (IPC_PRIVATE) object so cleanup removes it. */
  track(kind: IpcKind, id: number): void;
  /** The live kernel objects among this file's keys and tracked ids. */
  live(): IpcObject[];
  /** Remove every live object of this file's keys and ids. Returns how many were removed. */
  cleanup(): number;
  /** The key file of the last key (for PHP scripts that must ftok the same file). */
  readonly lastFile: string;
}

/**
 * Keys for one test file. Registers an `afterAll` that removes every object named by these keys or
 * tracked ids, so nothing is left in `ipcs` even when a test failed.
 */
export function testKeys(): TestKeys {
  const keys = new Set<number>();
  const ids: Array<[IpcKind, number]> = [];
  let file = tempFile();
  let project = 1;
  const api: TestKeys = {
    next() {
      let key = 0;
      do {
        if (project > 255) { file = tempFile(); project = 1; }
        key = ftok(file, project++);
      } while (key === 0 || handedOut.has(key) || listIpc().some((o) => (o.key | 0) === key));
      handedOut.add(key);
      keys.add(key);
      return key;
    },
    track(kind, id) { ids.push([kind, id]); },
    live() {
      return listIpc().filter((o) => keys.has(o.key | 0) || ids.some(([k, id]) => k === o.kind && id === o.id));
    },
    cleanup() {
      let n = 0;
      for (const o of api.live()) {
        try { removeIpc(o.kind, o.id); n++; } catch { /* already gone */ }
      }
      return n;
    },
    get lastFile() { return file; },
  };
  afterAll(() => { api.cleanup(); });
  return api;
}
