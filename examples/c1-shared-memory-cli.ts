/**
 * Port of `c1-shared-memory-cli.php`: a send/get/delete command line over one sysvshm segment.
 *
 * Keys: the original's fixed key 987654, or `ftok(SYSV_KEY_FILE, "c")` when SYSV_KEY_FILE is set (to
 * keep tests and parallel runs apart). Without SYSV_KEY_FILE it shares the segment with the PHP original.
 *
 * Usage: bun examples/c1-shared-memory-cli.ts <send|get|delete> <integer identifier> <value>
 * @module
 */
import { ftok, shm_attach, shm_detach, shm_get_var, shm_put_var, shm_remove } from "../compat/index.ts";

const argv = process.argv.slice(1); // argv[0] = the script, as in PHP
if (argv.length < 2) {
  console.log("Usage: bun c1-shared-memory-cli.ts <send|get|delete> <integer identifier> <value>");
  process.exit(0);
}

/** PHP's int parameter from a command-line string: an integer string counts, anything else is PHP's TypeError. */
function intArgument(fn: string, text: string | undefined): number {
  if (text !== undefined && /^[ \t\n\r\v\f]*[+-]?\d+[ \t\n\r\v\f]*$/.test(text)) return Number(text);
  throw new TypeError(`${fn}(): Argument #2 ($key) must be of type int, ${text === undefined ? "null" : "string"} given`);
}

// Define shared memory segment properties.
const key = process.env.SYSV_KEY_FILE ? ftok(process.env.SYSV_KEY_FILE, "c") : Number("987654");
const permissions = 0o666;
const size = 1024;

// Create or open the shared memory segment.
const segment = shm_attach(key, size, permissions);
if (segment === false) process.exit(1);

// Handle operations for the segment.
switch (argv[1]) {
  case "send":
    shm_put_var(segment, intArgument("shm_put_var", argv[2]), argv[3] ?? null);
    console.log("Message sent to shared memory segment.");
    break;
  case "get": {
    const data = shm_get_var(segment, intArgument("shm_get_var", argv[2]));
    console.log(`Received data: ${data === false ? "" : data}`);
    break;
  }
  case "delete":
    shm_remove(segment);
    console.log("Shared memory segment released.");
    break;
}

// Detach when done (the data stays in the kernel until removed)
shm_detach(segment);
