/**
 * `serveTasks` on its own: a real Bun worker process started without a pool, on queues the test made, so
 * that the test can put on its task queue what a pool never sends (another program's messages, broken
 * bytes) and see what the worker does with them. A pool worker lives as long as its daemon: a foreign
 * message must not end it.
 */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { ftok, MessageQueue, unserialize } from "../src/index.ts";
import { POOL_ENV, POOL_HELLO_TYPE, POOL_JSON_TYPE, POOL_MESSAGE_TYPE } from "../src/pool/protocol.ts";
import { SKIP_WARNINGS } from "../src/pool/worker.ts";
import { cleanupKeyFile, tempFile } from "./helpers/ipc.ts";

const FIXTURE_WORKER = join(import.meta.dir, "fixtures/examples/pool-worker.ts");

const keyFiles: string[] = [];
afterEach(() => {
  for (const file of keyFiles.splice(0)) cleanupKeyFile(file);
});

/** A task queue and a result queue of their own, and a fixture worker (number 5) serving them. */
function startWorker() {
  const file = tempFile("worker");
  keyFiles.push(file);
  const taskKey = ftok(file, "t"), resultKey = ftok(file, "r");
  const tasks = MessageQueue.create(taskKey), results = MessageQueue.create(resultKey);
  const proc = Bun.spawn([process.execPath, FIXTURE_WORKER], {
    env: { ...process.env, [POOL_ENV.taskKey]: String(taskKey), [POOL_ENV.resultKey]: String(resultKey), [POOL_ENV.worker]: "5" },
    stdout: "ignore", stderr: "pipe",
  });
  return { tasks, results, proc };
}

/** The next message on the result queue other than the worker's hello, decoded (waits at most 10 s). */
async function nextResult(results: MessageQueue): Promise<unknown> {
  for (;;) {
    const { type, bytes } = await results.receiveBytes({ timeout: 10_000 });
    if (type === POOL_JSON_TYPE) return JSON.parse(new TextDecoder().decode(bytes));
    if (type !== POOL_HELLO_TYPE) return unserialize(bytes);
  }
}

test("messages on the task queue that are not the pool's are skipped (a stderr line each); tasks are still answered; STOP ends the worker with 0", async () => {
  const { tasks, results, proc } = startWorker();
  try {
    tasks.sendSync(POOL_MESSAGE_TYPE, "not serialized", { serialize: false }); // not PHP serialize
    tasks.sendSync(POOL_MESSAGE_TYPE, { id: 0, something: "else" }); // PHP serialize, not a task
    tasks.sendSync(2, "a:1:{", { serialize: false }); // the batch type, cut short
    tasks.sendSync(3, "hello?", { serialize: false }); // the hello type, on the wrong queue
    tasks.sendSync(4, "{not json", { serialize: false }); // the JSON type, not JSON
    tasks.sendSync(4, '{"ids":[1],"other":[]}', { serialize: false }); // JSON, not a batch
    tasks.sendSync(POOL_MESSAGE_TYPE, { id: 7, task: { op: "double", value: 21 } });
    expect(await nextResult(results)).toMatchObject({ id: 7, worker: 5, result: 42 });
    tasks.sendSync(POOL_JSON_TYPE, JSON.stringify({ first: 10, tasks: [{ op: "double", value: 1 }, { op: "double", value: 2 }] }), { serialize: false });
    expect(await nextResult(results)).toMatchObject({ worker: 5, first: 10, results: [2, 4] });
    tasks.sendSync(POOL_MESSAGE_TYPE, "STOP");
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(exitCode).toBe(0);
    const lines = stderr.trim().split("\n");
    // A batch-taking worker asks for its batch type (4) first, then for the lowest type waiting.
    expect(lines).toEqual([4, 4, 1, 1, 2, 3].map((type) => expect.stringMatching(
      new RegExp(`^bun-sysv pool worker 5: skipped a message of type ${type} \\(\\d+ bytes\\) on the task queue: not a pool task$`),
    )));
  } finally {
    proc.kill();
    await proc.exited;
  }
});

test(`a flood of foreign messages: described ${SKIP_WARNINGS} times on stderr, then only counted; the worker still serves`, async () => {
  const { tasks, results, proc } = startWorker();
  try {
    for (let i = 0; i < SKIP_WARNINGS + 20; i++) tasks.sendSync(POOL_MESSAGE_TYPE, `junk ${i}`, { serialize: false });
    tasks.sendSync(POOL_MESSAGE_TYPE, { id: 1, task: { op: "double", value: 5 } });
    expect(await nextResult(results)).toMatchObject({ id: 1, result: 10 });
    tasks.sendSync(POOL_MESSAGE_TYPE, "STOP");
    const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    expect(exitCode).toBe(0);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(SKIP_WARNINGS);
    expect(lines.at(-1)).toEndWith("(further ones are counted, not shown)");
  } finally {
    proc.kill();
    await proc.exited;
  }
});
