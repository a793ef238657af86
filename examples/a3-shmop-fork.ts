/**
 * Port of `a3-shmop-fork.php`: the child writes JSON into a shmop segment, the parent reads it and
 * deletes the segment. Where the original forks, this file starts itself again in the `child`
 * role (`spawnChild`).
 *
 * Ctrl-C, `kill` or a closed terminal (SIGINT/SIGTERM/SIGHUP) while it runs: the child is stopped and the segment removed, then exit 128 + signal
 * (`cleanupOnTerminate`); the original leaves them in `ipcs`.
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "a")`. Set SYSV_KEY_FILE to meet a PHP program on the same
 * segment (e.g. the path of a3-shmop-fork.php, whose ftok uses its own file).
 *
 * Usage: bun examples/a3-shmop-fork.ts
 * @module
 */
import { ftok, shmop_delete, shmop_open, shmop_read, shmop_write } from "../compat/index.ts";
import { cleanupOnTerminate, currentRole, spawnChild } from "../src/index.ts";

const KEY_FILE = process.env.SYSV_KEY_FILE || import.meta.path;

// Create shared memory segment
const key = ftok(KEY_FILE, "a"); // Generate unique key
const size = 1024; // bytes

if (currentRole() === "child") {
  // Child: open existing segment
  const shmId = shmop_open(key, "w", 0, 0);
  if (shmId === false) process.exit(1);

  // Write data
  const data = JSON.stringify({ result: 42, time: Math.floor(Date.now() / 1000) });
  shmop_write(shmId, data, 0);

  console.log("Child wrote to shared memory");
  process.exit(0);
}

// Parent creates shared memory
const shmId = shmop_open(key, "c", 0o644, size);

if (shmId === false) {
  console.log("Could not create shared memory");
  process.exit(1);
}

const child = spawnChild(import.meta.path, { role: "child" }); // pcntl_fork(): the same file, child role
const cleanup = cleanupOnTerminate(() => {
  child.kill("SIGKILL");
  shmop_delete(shmId);
});

// Wait for child
await child.exited;

// Read data
let data = shmop_read(shmId, 0, size);
data = String(data).replace(/\0+$/, ""); // Remove null padding (PHP: trim($data, "\0"))

console.log(`Parent read: ${data}`);

// Cleanup
shmop_delete(shmId);
cleanup.cancel();
