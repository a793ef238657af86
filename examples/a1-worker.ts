/**
 * Port of `worker.php`, the child `a1-pipes-proc-open.ts` starts: reads a JSON task on stdin and
 * answers `{"task": ..., "sum": ...}` on stdout.
 *
 * Usage: echo '{"task":"t","data":[1,2]}' | bun examples/a1-worker.ts
 * @module
 */
export {};

const task = JSON.parse(await Bun.stdin.text()) as { task: string; data: number[] };
process.stdout.write(JSON.stringify({ task: task.task, sum: task.data.reduce((sum, n) => sum + n, 0) }));
