/**
 * Port of `a4-sysv-shm-fork.php`: the child stores variables with `shm_put_var`, the parent reads one
 * back with `shm_get_var` (PHP's sysvshm layout, so PHP and Bun can share the segment) and removes the
 * segment. Where the original forks, this file starts itself again in the `child` role
 * (`spawnChild`).
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "b")`. Set SYSV_KEY_FILE to meet a PHP program on the same segment.
 *
 * Ctrl-C, `kill` or a closed terminal (SIGINT/SIGTERM/SIGHUP): the child is stopped and the segment removed, then exit 128 + signal
 * (`cleanupOnTerminate`).
 *
 * Usage: bun examples/a4-sysv-shm-fork.ts
 * @module
 */
import { ftok, print_r, shm_attach, shm_get_var, shm_has_var, shm_put_var, shm_remove } from "../compat/index.ts";
import { cleanupOnTerminate, currentRole, spawnChild } from "../src/index.ts";

// More features than shmop
const key = ftok(process.env.SYSV_KEY_FILE || import.meta.path, "b");

if (currentRole() === "child") {
  // Child writes
  const shmId = shm_attach(key);
  if (shmId === false) process.exit(1);

  shm_put_var(shmId, 1, { count: 100 });
  shm_put_var(shmId, 2, "hello");

  process.exit(0);
}

// Create shared memory segment
const shmId = shm_attach(key, 1024, 0o644);

if (shmId === false) {
  console.log("Could not attach shared memory");
  process.exit(1);
}

const child = spawnChild(import.meta.path, { role: "child" }); // pcntl_fork(): the same file, child role
const cleanup = cleanupOnTerminate(() => {
  child.kill("SIGKILL");
  shm_remove(shmId);
});
await child.exited; // pcntl_waitpid()

// Parent reads
if (shm_has_var(shmId, 1)) {
  const data = shm_get_var(shmId, 1);
  print_r(data); // ['count' => 100]
}

// Cleanup
shm_remove(shmId);
cleanup.cancel();
