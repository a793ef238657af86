/**
 * A Bun worker of the Elysia demo (started by the demo's pool, not by hand): takes `{ value, durationMs }`
 * jobs, records the job it took in its slot of the demo's slot segment (8 bytes per worker: job id + 1), sleeps
 * `durationMs`, answers `value * 2`. The slot lets the server tell a running job from a queued one and
 * name the job a dead worker took with it.
 *
 * @example
 * ```sh
 * bun run demo   # starts two of these and one PHP worker
 * ```
 * @module
 */
import { serveTasks, SharedMemory } from "../../src/index.ts";
import type { JobInput } from "./jobs.ts";

const slots = SharedMemory.open(Number(process.env.DEMO_SLOTS_KEY));
/** A replacement writes into the dead worker's slot (`DEMO_SLOT`); the first workers into their own number's. */
const mySlot = process.env.DEMO_SLOT === undefined ? undefined : Number(process.env.DEMO_SLOT);
const slot = new Uint8Array(8);
const view = new DataView(slot.buffer);

const { reason } = await serveTasks<JobInput, number>(async (job, { id, worker }) => {
  view.setBigUint64(0, BigInt(id + 1), true);
  slots.write(slot, (mySlot ?? worker) * 8);
  if (job.durationMs) await Bun.sleep(job.durationMs);
  return job.value * 2;
});
slots.detach();
process.exit(reason === "stop" ? 0 : 1);
