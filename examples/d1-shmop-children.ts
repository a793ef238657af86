/**
 * Port of `d1-shmop-children.php`: 4 children each write a random word to their own shmop block
 * (`"n"` mode), the parent reads each block (`"a"`) and deletes it. Where the original forks, this file
 * starts itself again in the `child` role with
 * argument N (`spawnChild`).
 *
 * Differs from the original: the parent trims the NUL bytes after the word (the original reads the whole
 * 1024-byte block and prints the word padded with NULs).
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "0".."3")` (PHP's `ftok($file, $i)` turns `$i` into the
 * character "0".."3"). Set SYSV_KEY_FILE to meet a PHP program on the same blocks.
 *
 * Ctrl-C, `kill` or a closed terminal (SIGINT/SIGTERM/SIGHUP): the children are stopped and their blocks
 * deleted, then exit 128 + signal (`cleanupOnTerminate`).
 *
 * Usage: bun examples/d1-shmop-children.ts
 * @module
 */
import { ftok, shmop_delete, shmop_open, shmop_read, shmop_write } from "../compat/index.ts";
import { cleanupOnTerminate, currentRole, listIpc, removeIpc, spawnChild } from "../src/index.ts";

// the file used by ftok. can be any file.
const shmop_file = process.env.SYSV_KEY_FILE || import.meta.path;

if (currentRole() === "child") {
  const i = Number(process.argv[2]);
  // a random 'word' for this child to write to shared memory
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const random_word = Array.from({ length: 5 }, () => letters[Math.floor(Math.random() * 26)]).join("");

  const shm_key = ftok(shmop_file, i);
  const shm_id = shmop_open(shm_key, "n", 0o755, 1024);
  if (shm_id === false) process.exit(1);
  shmop_write(shm_id, random_word, 0);

  console.log(`child ${i} wrote '${random_word}' to shmop`);
  process.exit(0);
}

const children: ReturnType<typeof spawnChild>[] = [];
for (let i = 0; i < 4; i++) {
  children.push(spawnChild(import.meta.path, { role: "child", args: [i] }));
}
// Interrupted: stop the children and delete the blocks they made so far.
const cleanup = cleanupOnTerminate(() => {
  for (const child of children) child.kill("SIGKILL");
  const keys = new Set([0, 1, 2, 3].map((i) => ftok(shmop_file, i)));
  for (const o of listIpc("shm")) if (keys.has(o.key)) removeIpc("shm", o.id);
});

// wait for all child processes to finish (reported in the order they finish)
await Promise.all(children.map(async (child) => {
  await child.exited;
  console.log(`pid ${child.pid} finished`);
}));

for (let i = 0; i < 4; i++) {
  const shm_key = ftok(shmop_file, i);
  const shm_id = shmop_open(shm_key, "a", 0o755, 1024);
  if (shm_id === false) continue;
  const shmop_contents = String(shmop_read(shm_id, 0, 1024)).replace(/\0+$/, ""); // the word, without the NUL padding
  console.log(`reading '${shmop_contents}' from child ${i}`);
  // delete the block so the key can be reused by the next run
  shmop_delete(shm_id);
}
cleanup.cancel();
