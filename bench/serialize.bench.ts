/**
 * The PHP serialize codec against PHP 8.2's native `serialize`/`unserialize` (timed by a PHP script
 * in the same run), the npm peers (`php-serialize`, `phpunserialize`, `locutus`) and
 * `JSON.parse`/`JSON.stringify` of the same data. Payloads: 1000 rows
 * `['id'=>$i,'name'=>"user$i",'score'=>$i*1.5,'tags'=>['a','b'],'ok'=>$i%2==0]` (about 125 KB) and a
 * small 3-key array. Also checks each library on a few values PHP writes (64-bit ints, INF, -0,
 * binary strings, references, enums) and reports what comes back.
 *
 * @example
 * ```sh
 * bun run bench serialize
 * ```
 */
import { serialize as locutusSerialize } from "locutus/php/var/serialize";
import { unserialize as locutusUnserialize } from "locutus/php/var/unserialize";
import { do_not_optimize } from "mitata";
import * as phpSerialize from "php-serialize";
import phpUnserializeModule from "phpunserialize";
import { PhpFloat, PhpRef, serialize, unserialize } from "../src/serialize/index.ts";
import { measure, phpBench, table, writeSection } from "./lib/harness.ts";

// phpunserialize is CommonJS exporting the function itself (its .d.ts declares a named export).
const phpUnserialize = phpUnserializeModule as unknown as (text: string) => unknown;

const ROWS_PHP = `array_map(fn($i) => ['id'=>$i,'name'=>"user$i",'score'=>$i*1.5,'tags'=>['a','b'],'ok'=>$i%2==0], range(0, 999))`;
const SMALL_PHP = `['id' => 7, 'value' => 70, 'duration' => 0]`;
// `score` is a PHP float even when whole ($i*1.5 = 3.0): PhpFloat gives PHP's exact bytes (d:3;).
const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `user${i}`, score: new PhpFloat(i * 1.5), tags: ["a", "b"], ok: i % 2 === 0 }));
// The same rows as plain JS data (what the peers and JSON take); whole scores become ints here.
const plainRows = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `user${i}`, score: i * 1.5, tags: ["a", "b"], ok: i % 2 === 0 }));
const small = { id: 7, value: 70, duration: 0 };

const rowBytes = serialize(rows);
const smallBytes = serialize(small);
const php = (code: string) => Bun.spawnSync(["php", "-r", code]).stdout.toString();
if (Buffer.from(rowBytes).toString("hex") !== php(`echo bin2hex(serialize(${ROWS_PHP}));`)) throw new Error("rows do not serialize to PHP's bytes");
if (Buffer.from(smallBytes).toString("hex") !== php(`echo bin2hex(serialize(${SMALL_PHP}));`)) throw new Error("small array does not serialize to PHP's bytes");
const rowText = Buffer.from(rowBytes).toString("latin1"); // the peers take JS strings (the payload is ASCII)
const smallText = Buffer.from(smallBytes).toString("latin1");
const rowJson = JSON.stringify(plainRows);
const smallJson = JSON.stringify(small);
const exactRows = unserialize(rowBytes, { exact: true });

const U = "unserialize 1000 rows";
const S = "serialize 1000 rows";
const US = "unserialize small array";
const SS = "serialize small array";
const UE = "unserialize 1000 rows, exact mode";
const SE = "serialize 1000 rows, exact tree";

const times = await measure({
  [`ours: ${U}`]: () => do_not_optimize(unserialize(rowBytes)),
  [`ours: ${UE}`]: () => do_not_optimize(unserialize(rowBytes, { exact: true })),
  [`php-serialize: ${U}`]: () => do_not_optimize(phpSerialize.unserialize(rowText)),
  [`phpunserialize: ${U}`]: () => do_not_optimize(phpUnserialize(rowText)),
  [`locutus: ${U}`]: () => do_not_optimize(locutusUnserialize(rowText, "throw")),
  [`JSON.parse: ${U}`]: () => do_not_optimize(JSON.parse(rowJson)),
});
Object.assign(
  times,
  await measure({
    [`ours: ${S}`]: () => do_not_optimize(serialize(rows)),
    [`ours: ${SE}`]: () => do_not_optimize(serialize(exactRows)),
    [`php-serialize: ${S}`]: () => do_not_optimize(phpSerialize.serialize(plainRows)),
    [`locutus: ${S}`]: () => do_not_optimize(locutusSerialize(plainRows)),
    [`JSON.stringify: ${S}`]: () => do_not_optimize(JSON.stringify(plainRows)),
  }),
  await measure({
    [`ours: ${US}`]: () => do_not_optimize(unserialize(smallBytes)),
    [`php-serialize: ${US}`]: () => do_not_optimize(phpSerialize.unserialize(smallText)),
    [`phpunserialize: ${US}`]: () => do_not_optimize(phpUnserialize(smallText)),
    [`locutus: ${US}`]: () => do_not_optimize(locutusUnserialize(smallText, "throw")),
    [`JSON.parse: ${US}`]: () => do_not_optimize(JSON.parse(smallJson)),
    [`ours: ${SS}`]: () => do_not_optimize(serialize(small)),
    [`php-serialize: ${SS}`]: () => do_not_optimize(phpSerialize.serialize(small)),
    [`locutus: ${SS}`]: () => do_not_optimize(locutusSerialize(small)),
    [`JSON.stringify: ${SS}`]: () => do_not_optimize(JSON.stringify(small)),
  }),
);

const native = phpBench(`
$rows = ${ROWS_PHP}; $bytes = serialize($rows);
$small = ${SMALL_PHP}; $smallBytes = serialize($small);
bench(${JSON.stringify(U)}, 2000, fn() => unserialize($bytes));
bench(${JSON.stringify(S)}, 2000, fn() => serialize($rows));
bench(${JSON.stringify(US)}, 500000, fn() => unserialize($smallBytes));
bench(${JSON.stringify(SS)}, 500000, fn() => serialize($small));
`);

const row = (op: string, ourName = op, goal?: string) => ({
  op,
  ours: times[`ours: ${ourName}`]!,
  vs: {
    "PHP 8.2": native[op],
    "php-serialize": times[`php-serialize: ${op}`],
    phpunserialize: times[`phpunserialize: ${op}`],
    locutus: times[`locutus: ${op}`],
    JSON: times[`JSON.parse: ${op}`] ?? times[`JSON.stringify: ${op}`],
  },
  goal,
});
const GOAL = "<= 1x PHP 8.2; >= 10x faster than php-serialize";
const rowsTable = [
  row(U, U, GOAL),
  row(S, S, GOAL),
  { ...row(U, UE), op: UE },
  { ...row(S, SE), op: SE },
  row(US),
  row(SS),
];

const goals = [U, S].map((op) => {
  const ours = times[`ours: ${op}`]!;
  const vsPhp = ours / native[op]!;
  const vsPeer = times[`php-serialize: ${op}`]! / ours;
  return `- ${op}: ${vsPhp.toFixed(2)}x PHP 8.2 (${vsPhp <= 1 ? "met" : "NOT met"}), ${vsPeer.toFixed(1)}x faster than php-serialize (${vsPeer >= 10 ? "met" : "NOT met"})`;
});

/** What each library makes of values PHP writes (and what it writes for JS values). */
function correctness(): string {
  const ref = new PhpRef(5);
  const decodes: [string, string, (v: unknown) => boolean][] = [
    ["PHP_INT_MAX", "i:9223372036854775807;", (v) => v === 9223372036854775807n],
    ["INF", "d:INF;", (v) => v === Infinity],
    ["-0.0", "d:-0;", (v) => Object.is(v, -0)],
    ["binary string", 's:2:"\xff\xfe";', (v) => v instanceof Uint8Array && v[0] === 0xff && v[1] === 0xfe],
    ["reference R:", "a:2:{i:0;a:1:{i:0;i:1;}i:1;R:2;}", (v) => Array.isArray(v) && v[0] === v[1]],
    ["enum E:", 'E:11:"Suit:Hearts";', (v) => typeof v === "object" && v !== null && (v as { caseName?: string }).caseName === "Hearts"],
  ];
  const decoders: [string, (s: string) => unknown][] = [
    ["ours", (s) => unserialize(Buffer.from(s, "latin1"))],
    ["php-serialize", (s) => phpSerialize.unserialize(s)],
    ["phpunserialize", (s) => phpUnserialize(s)],
    ["locutus", (s) => locutusUnserialize(s, "throw")],
  ];
  const attempt = (f: () => unknown): { value?: unknown; error?: string } => {
    try {
      return { value: f() };
    } catch (e) {
      return { error: (e as Error).message.slice(0, 30) };
    }
  };
  const lines = [`| PHP writes | ${decoders.map(([n]) => n).join(" | ")} |`, `|---|${"---|".repeat(decoders.length)}`];
  for (const [name, input, ok] of decodes) {
    const cells = decoders.map(([, f]) => {
      const r = attempt(() => f(input));
      return r.error !== undefined ? "throws" : ok(r.value) ? "ok" : `wrong (${Bun.inspect(r.value).replace(/\s+/g, " ").slice(0, 24)})`;
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  const encodes: [string, unknown, string][] = [
    ["Infinity", Infinity, "d:INF;"],
    ["1e25", 1e25, "d:1.0E+25;"],
    ["2n ** 62n", 2n ** 62n, "i:4611686018427387904;"],
    ["PhpRef twice", [ref, ref], "a:2:{i:0;i:5;i:1;R:2;}"],
  ];
  const encoders: [string, (v: unknown) => string][] = [
    ["ours", (v) => Buffer.from(serialize(v)).toString("latin1")],
    ["php-serialize", (v) => phpSerialize.serialize(v as never)],
    ["locutus", (v) => locutusSerialize(v as never)],
  ];
  lines.push("", `| JS value -> PHP bytes | ${encoders.map(([n]) => n).join(" | ")} |`, `|---|${"---|".repeat(encoders.length)}`);
  for (const [name, value, expected] of encodes) {
    const cells = encoders.map(([, f]) => {
      const r = attempt(() => f(value));
      return r.error !== undefined ? "throws" : r.value === expected ? "ok" : `wrong (\`${String(r.value).slice(0, 24)}\`)`;
    });
    lines.push(`| ${name} (PHP: \`${expected}\`) | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

writeSection(
  "serialize",
  "PHP serialize codec",
  `${table(rowsTable)}

Goals on the 1000-row payload (mean of mitata's run for ours and the peers, mean of a loop of 2000 for PHP 8.2):
${goals.join("\n")}

Ours writes and reads PHP's exact bytes (checked against \`php\` before timing: \`score\` is a PhpFloat so whole values stay \`d:3;\`).
The peers take the payload as a JS string and build plain JS values (their \`serialize\` gets the same rows with JS numbers).
JSON is \`JSON.parse\`/\`JSON.stringify\` of the same rows as JSON text.

Correctness on values PHP writes:

${correctness()}`,
);
