/**
 * Port of `b4-shm-write-base.php`: keeps a growing array in a sysvshm segment across runs: each run adds
 * this file's contents under the current time (seconds). `b5-shm-read.ts` writes the entries out.
 * The segment has PHP's default size (10000 bytes): after a few runs the array no longer fits and
 * `shm_put_var` warns "Not enough shared memory left", as in PHP (the old value is kept).
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "A")`. Set SYSV_KEY_FILE to share the array with the PHP original.
 *
 * Usage: bun examples/b4-shm-write-base.ts   (run it a few times, then b5-shm-read.ts)
 * @module
 */
import { readFileSync } from "node:fs";
import { ftok, shm_attach, shm_get_var, shm_has_var, shm_put_var } from "../compat/index.ts";

// The recommended way to obtain a key: ftok uses the file's inode and the one-letter project id.
const id = ftok(process.env.SYSV_KEY_FILE || import.meta.path, "A");

// Create or open the memory block (default size)
const shmId = shm_attach(id);
if (shmId === false) process.exit(1);

// Shared variables are addressed by an integer
const variable = 1;

let data: Record<string, unknown>;
if (shm_has_var(shmId, variable)) {
  const stored = shm_get_var(shmId, variable);
  data = stored !== null && typeof stored === "object" ? (stored as Record<string, unknown>) : { 0: stored }; // (array)
} else {
  data = {};
}

// Save this file's contents under the current time
data[Math.floor(Date.now() / 1000)] = readFileSync(import.meta.path, "utf8");

shm_put_var(shmId, variable, data);
