/**
 * Test helpers for IPC objects: keys that never collide with anything well-known (derived with ftok
 * from temp files of this run), tracking of every key and private id a test uses, and a cleanup that
 * removes them even when the test failed.
 *
 * Interrupted runs leave nothing either: every key, tracked id and temp folder of the run is removed if
 * `bun test` gets SIGINT (Ctrl-C), SIGTERM or SIGHUP (then it exits with 128 + the signal's number),
 * and the temp folders are removed when the run ends, however it ends.
 *
 * @example
 * ```ts
 * const keys = testKeys();           // afterAll removes whatever these keys name
 * const key = keys.next();
 * ```
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ftok } from "../../src/keys/index.ts";
import { listIpc, removeIpc, type IpcKind, type IpcObject } from "../../src/inspect/sysvipc.ts";
import { cleanupOnTerminate } from "../../src/cleanup/index.ts";

/** Temp folders of this run: removed at exit and on SIGINT/SIGTERM/SIGHUP. */
const dirs: string[] = [];
/** Every key handed out and private id tracked in this process, by any test file. */
const runKeys = new Set<number>();
const runIds: Array<[IpcKind, number]> = [];

/**
 * A new temp folder (`/tmp/<prefix>XXXXXX`) that is removed when the run ends, also when it is
 * interrupted.
 */
export function tempDir(prefix = "bun-sysv-test-"): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(path);
  return path;
}

/** Removes the temp folders of this run (the test preload calls it after the last file). */
export function removeTempDirs(): void {
  for (const path of dirs.splice(0)) rmSync(path, { recursive: true, force: true });
}

/** The live objects named by any key or id of this run. */
function liveOfRun(): IpcObject[] {
  return listIpc().filter((o) => runKeys.has(o.key) || runIds.some(([k, id]) => k === o.kind && id === o.id));
}

/** Adds keys made outside {@link TestKeys} (e.g. an example's ftok keys) to what an interrupted run removes. */
export function trackRunKeys(keys: Iterable<number>): void {
  for (const key of keys) runKeys.add(key);
}

/** Removes each object (one already gone is fine); returns how many this call removed. */
export function removeObjects(objects: Iterable<IpcObject>): number {
  let n = 0;
  for (const o of objects) {
    try { removeIpc(o.kind, o.id); n++; } catch { /* already gone */ }
  }
  return n;
}

/** Removes every live object of this run; returns how many. */
export function cleanupRun(): number {
  return removeObjects(liveOfRun());
}

/** The keys `ftok(file, 0..255)`: every key a program can derive from a key file. */
export function keysOf(file: string): Set<number> {
  return new Set(Array.from({ length: 256 }, (_, project) => ftok(file, project)));
}

/** The live objects whose key derives from `file`. */
export function liveObjects(file: string): IpcObject[] {
  const keys = keysOf(file);
  return listIpc().filter((o) => keys.has(o.key | 0));
}

/** Removes every object whose key derives from `file`; returns what was there. */
export function cleanupKeyFile(file: string): IpcObject[] {
  const live = liveObjects(file);
  removeObjects(live);
  return live;
}

// Ctrl-C (and kill, and a closed terminal) in the middle of a test: remove the run's objects and folders.
cleanupOnTerminate(() => {
  cleanupRun();
  removeTempDirs();
});
process.on("exit", removeTempDirs); // plain bun scripts using these helpers

const dir = tempDir();
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
      runKeys.add(key);
      return key;
    },
    track(kind, id) {
      ids.push([kind, id]);
      runIds.push([kind, id]);
    },
    live() {
      return listIpc().filter((o) => keys.has(o.key | 0) || ids.some(([k, id]) => k === o.kind && id === o.id));
    },
    cleanup() {
      return removeObjects(api.live());
    },
    get lastFile() { return file; },
  };
  afterAll(() => { api.cleanup(); });
  return api;
}
