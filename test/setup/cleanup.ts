/**
 * Test preload (bunfig.toml): when the whole run ends, however it ends, remove the run's temp folders
 * (`/tmp/bun-sysv-test-*`) and any object left under its keys. `bun test` emits no process `exit` event,
 * and an `afterAll` of a test file would remove the folder the next file still uses; an `afterAll` in a
 * preload runs once, after the last file. Interrupted runs are handled in `test/helpers/ipc.ts`.
 */
import { afterAll } from "bun:test";
import { cleanupRun, removeTempDirs } from "../helpers/ipc.ts";

afterAll(() => {
  cleanupRun();
  removeTempDirs();
});
