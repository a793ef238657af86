/**
 * Port of `b5-shm-read.php`: reads the array `b4-shm-write-base.ts` keeps in shared memory and writes
 * each entry to `<temp dir>/<time>.ts` (the original: `<time>.php`, since it stores PHP source),
 * printing each path. The temp dir is `os.tmpdir()` (TMPDIR), PHP's `sys_get_temp_dir()`.
 *
 * Keys: `ftok(SYSV_KEY_FILE || b4-shm-write-base.ts, "A")`: the segment of b4.
 *
 * Usage: bun examples/b5-shm-read.ts
 * @module
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ftok, shm_attach, shm_get_var, shm_has_var } from "../compat/index.ts";

// Read what b4-shm-write-base.ts stored and write each entry to a file.
const id = ftok(process.env.SYSV_KEY_FILE || join(import.meta.dir, "b4-shm-write-base.ts"), "A");
const shmId = shm_attach(id);
if (shmId === false) process.exit(1);
const variable = 1;

let data: Record<string, unknown>;
if (shm_has_var(shmId, variable)) {
  const stored = shm_get_var(shmId, variable);
  data = stored !== null && typeof stored === "object" ? (stored as Record<string, unknown>) : { 0: stored }; // (array)
} else {
  data = {};
}

for (const [key, value] of Object.entries(data)) {
  const path = join(tmpdir(), `${key}.ts`);
  writeFileSync(path, value as string | Uint8Array);
  console.log(path);
}
