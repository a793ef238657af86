/**
 * Port of `a1-pipes-proc-open.php`: a JSON task goes to a child's stdin, the answer comes back on its
 * stdout. `proc_open` with three pipes becomes `Bun.spawn` with `stdin/stdout/stderr: "pipe"`; the
 * child is `a1-worker.ts` (the port of `worker.php`).
 *
 * Differs from the original: stdout and stderr are read together (reading one to its end first can
 * deadlock once the child fills the other pipe), and errors the child printed are shown.
 *
 * Usage: bun examples/a1-pipes-proc-open.ts
 * @module
 */
import { join } from "node:path";

// Create a pipe
const child = Bun.spawn([process.execPath, join(import.meta.dir, "a1-worker.ts")], {
  stdin: "pipe", // stdin
  stdout: "pipe", // stdout
  stderr: "pipe", // stderr
});

if (child) {
  // Send data to child's stdin
  child.stdin.write(JSON.stringify({ task: "process", data: [1, 2, 3] }));
  await child.stdin.end();

  // Read from child's stdout and its errors (both at once)
  const [output, errors] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);

  const returnCode = await child.exited;

  console.log(`Output: ${output}`);
  console.log(`Return code: ${returnCode}`);
  if (errors !== "") console.error(`Errors: ${errors}`);
}
