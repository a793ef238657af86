/**
 * Port of `b6-shm-semaphore-binary.php`: under a semaphore, stores a binary file of a few megabytes in
 * shared memory, or, if one is already there, takes it out, saves it to `<temp dir>/<time>` and removes
 * the segment. Run it twice on the same file and compare the two with md5sum.
 *
 * Differs from the original: the second run also removes the semaphore (the original leaves it in the
 * kernel forever), after releasing it.
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "A")`, for the semaphore and the segment alike. Set
 * SYSV_KEY_FILE to hand the file over to or from the PHP original.
 *
 * Usage: bun examples/b6-shm-semaphore-binary.ts FILE   (run twice)
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ftok, sem_acquire, sem_get, sem_release, sem_remove, shm_attach, shm_get_var, shm_has_var, shm_put_var, shm_remove,
} from "../compat/index.ts";

const file = process.argv[2];
if (!file) {
  console.log("Usage: bun b6-shm-semaphore-binary.ts FILE   (run twice; compare the files with md5sum)");
  process.exit(1);
}
const id = ftok(process.env.SYSV_KEY_FILE || import.meta.path, "A");

// A semaphore guards the block; the same key as the memory is fine
const semId = sem_get(id);
if (semId === false) process.exit(1);

// If another process holds the lock, wait until it is released
sem_acquire(semId);

let data: unknown = new Uint8Array(readFileSync(file)); // bytes as they are (a PHP string)

// Allocate enough for the data
const shmId = shm_attach(id, (data as Uint8Array).length + 4096);
const variable = 1;
let removeLock = false;

if (shmId === false) {
  console.log("Could not attach shared memory");
} else if (shm_has_var(shmId, variable)) {
  data = shm_get_var(shmId, variable);
  const filename = join(tmpdir(), String(Math.floor(Date.now() / 1000)));
  writeFileSync(filename, data as Uint8Array | string);
  console.log(`saved to ${filename}`);
  shm_remove(shmId);
  removeLock = true;
} else {
  shm_put_var(shmId, variable, data);
  console.log(`stored ${(data as Uint8Array).length} bytes`);
}

sem_release(semId);
if (removeLock) sem_remove(semId);
