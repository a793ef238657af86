/**
 * Port of `a1-pipes-proc-open.php`: a JSON task goes to a child's stdin, the answer comes back on its
 * stdout. `proc_open` with three pipes becomes `spawnProcess` with `stdin/stdout/stderr: "pipe"`; the
 * child is `a1-worker.ts` (the port of `worker.php`).
 *
 * Differs from the original: stdout and stderr are read together (`child.output()`: reading one to its
 * end first can deadlock once the child fills the other pipe), and errors the child printed are shown.
 *
 * Usage: bun examples/a1-pipes-proc-open.ts
 * @module
 */
import { join } from "node:path";
import { spawnProcess } from "../src/index.ts";

// Create a pipe
const child = spawnProcess([process.execPath, join(import.meta.dir, "a1-worker.ts")], {
  stdin: "pipe", // stdin
  stdout: "pipe", // stdout
  stderr: "pipe", // stderr
});

if (child) {
  // Send data to child's stdin, read its stdout and its errors (both at once), wait for it to exit
  const { stdout, stderr, exit } = await child.output(JSON.stringify({ task: "process", data: [1, 2, 3] }));
  const output = new TextDecoder().decode(stdout);
  const errors = new TextDecoder().decode(stderr);

  const returnCode = exit.code;

  console.log(`Output: ${output}`);
  console.log(`Return code: ${returnCode}`);
  if (errors !== "") console.error(`Errors: ${errors}`);
}
