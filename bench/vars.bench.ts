/**
 * Shared variables: `set` + `get` of one variable, for a small array and for the 1000-row payload.
 * Ours: `SharedVariables.set` + `get` (serialize, PHP layout with bounds checks, unserialize);
 * PHP 8.2 `shm_put_var` + `shm_get_var`; the raw copy floor: the same serialized bytes copied into the
 * segment and back out, by `SharedMemory.write` + `read` in Bun and by `memcpy` in C (gcc -O2).
 * Also `update` (lock + get + set + unlock) against PHP's `sem_acquire` + get + put + `sem_release`.
 *
 * @example
 * ```sh
 * bun run bench vars
 * ```
 */
import { do_not_optimize } from "mitata";
import { SharedVariables } from "../src/index.ts";
import { PhpFloat, serialize, unserialize } from "../src/serialize/index.ts";
import { cBench, measure, phpBench, table, writeSection } from "./lib/harness.ts";

const SMALL = "set+get small array";
const ROWS = "set+get 1000-row payload";
const SMALL_FLOOR = "raw copy in+out, small array bytes";
const ROWS_FLOOR = "raw copy in+out, 1000-row bytes";
const UPDATE = "updateSync small array (lock+get+set+unlock)";
const CODEC = "serialize+unserialize small array (codec only, no shm)";
// The small array of the anchors (/work/shared/anchors/php-ops.php: 575 ns for PHP there).
const SMALL_ARRAY = { id: 7, value: 70, duration: 0 };
const SMALL_ARRAY_PHP = `['id' => 7, 'value' => 70, 'duration' => 0]`;
// score is a PHP float even when whole (`$i*1.5` gives 0.0, 3.0, ...), so it is a PhpFloat here to give PHP's bytes.
const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `user${i}`, score: new PhpFloat(i * 1.5), tags: ["a", "b"], ok: i % 2 === 0 }));
const ROWS_PHP = `array_map(fn($i) => ['id'=>$i,'name'=>"user$i",'score'=>$i*1.5,'tags'=>['a','b'],'ok'=>$i%2==0], range(0, 999))`;

const smallBytes = serialize(SMALL_ARRAY);
const rowBytes = serialize(rows);
const php = (code: string) => Bun.spawnSync(["php", "-r", code]).stdout.toString();
if (Buffer.from(smallBytes).toString("hex") !== php(`echo bin2hex(serialize(${SMALL_ARRAY_PHP}));`)) {
  throw new Error("the small array does not serialize to PHP's bytes");
}
if (Buffer.from(rowBytes).toString("hex") !== php(`echo bin2hex(serialize(${ROWS_PHP}));`)) {
  throw new Error("the 1000-row payload does not serialize to PHP's bytes");
}

const vars = SharedVariables.create(0, { size: 1 << 20, lockKey: 0x7e5a0001 });
let ours: Record<string, number>;
try {
  for (let i = 0; i < 2000; i++) { vars.set(1, SMALL_ARRAY); vars.get(1); vars.set(2, rows); vars.get(2); }
  const shm = vars.segment;
  ours = await measure({
    [SMALL]: () => { vars.set(1, SMALL_ARRAY); do_not_optimize(vars.get(1)); },
    [SMALL_FLOOR]: () => { shm.write(smallBytes, 4096); do_not_optimize(shm.read(4096, smallBytes.length)); },
    [ROWS]: () => { vars.set(2, rows); do_not_optimize(vars.get(2)); },
    [ROWS_FLOOR]: () => { shm.write(rowBytes, 4096); do_not_optimize(shm.read(4096, rowBytes.length)); },
    [UPDATE]: () => { do_not_optimize(vars.updateSync(1, () => SMALL_ARRAY)); },
    [CODEC]: () => { do_not_optimize(unserialize(serialize(SMALL_ARRAY))); },
  });
} finally {
  vars.lock.remove();
  vars.remove();
  vars.detach();
}

const phpTimes = phpBench(`
  $shm = shm_attach(0, 1 << 20); $sem = sem_get(0x7e5a0002);
  $small = ${SMALL_ARRAY_PHP}; $rows = ${ROWS_PHP};
  bench('${SMALL}', 200000, function () use ($shm, $small) { shm_put_var($shm, 1, $small); shm_get_var($shm, 1); });
  bench('${ROWS}', 300, function () use ($shm, $rows) { shm_put_var($shm, 2, $rows); shm_get_var($shm, 2); });
  bench('${CODEC}', 200000, function () use ($small) { unserialize(serialize($small)); });
  bench('${UPDATE}', 200000, function () use ($shm, $sem, $small) {
    sem_acquire($sem); shm_get_var($shm, 1); shm_put_var($shm, 1, $small); sem_release($sem);
  });
  shm_remove($shm); sem_remove($sem);
`);

const c = cBench("vars", `
  int id = shmget(IPC_PRIVATE, 1 << 20, 0600 | IPC_CREAT);
  char *seg = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  static char out[1 << 20];
  BENCH("${SMALL_FLOOR}", 2000000, { memcpy(seg + 4096, src, ${smallBytes.length}); memcpy(out, seg + 4096, ${smallBytes.length}); });
  BENCH("${ROWS_FLOOR}", 20000, { memcpy(seg + 4096, src, ${rowBytes.length}); memcpy(out, seg + 4096, ${rowBytes.length}); });
  shmdt(seg);
`, `static char src[1 << 20];`);

const section = table([
  { op: SMALL, ours: ours[SMALL], vs: { "PHP 8.2": phpTimes[SMALL], "copy floor (Bun)": ours[SMALL_FLOOR], "memcpy (C)": c[SMALL_FLOOR] }, goal: "<= 1.0x PHP" },
  { op: ROWS, ours: ours[ROWS], vs: { "PHP 8.2": phpTimes[ROWS], "copy floor (Bun)": ours[ROWS_FLOOR], "memcpy (C)": c[ROWS_FLOOR] } },
  { op: UPDATE, ours: ours[UPDATE], vs: { "PHP 8.2": phpTimes[UPDATE] } },
  { op: CODEC, ours: ours[CODEC], vs: { "PHP 8.2": phpTimes[CODEC] } },
]);
writeSection("vars", "Shared variables (sysvshm layout)", `${section}

Small array: \`${SMALL_ARRAY_PHP}\` (${smallBytes.length} serialized bytes); 1000-row payload: ${rowBytes.length} bytes.
PHP's update row is \`sem_acquire\` + \`shm_get_var\` + \`shm_put_var\` + \`sem_release\`. The codec row is
\`serialize\` + \`unserialize\` alone (\`src/serialize\`): most of the small-array time is there, the rest is the
bounds-checked layout (~50 ns per lookup) and GC.`);
