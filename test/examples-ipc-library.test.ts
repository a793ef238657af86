/** examples/e1-php-ipc-library.ts: every class of the PHP IPC library's snippets (but the channels) in one run. */
import { expect, test } from "bun:test";
import { runExample } from "./fixtures/examples/run.ts";

test("e1: the PHP IPC library's snippets, line by line, print what the library documents and leave nothing", async () => {
  const run = await runExample("e1-php-ipc-library.ts");
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  expect(run.stdout).toBe([
    "SignalHandler: SIGUSR1 handled, stopping the bubbling",
    "Signal: SIGUSR1 handled",
    "SignalTrap: SIGINT trapped after 3 turns",
    "Timer: ...",
    "FileLock: acquired; another lock on the file gets false",
    "FileKey: project ids 0 and 1",
    "Semaphore: true true false",
    "Mutex: true false",
    'Queue: type 1, ["Some data",{"format":"foo"}]',
    "SharedData: counter = 1",
    "SharedMemory: shm[0] = 42",
    "",
  ].join("\n"));
  expect(run.leftovers).toEqual([]);
});
