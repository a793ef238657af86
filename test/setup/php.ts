/**
 * Test preload (bunfig.toml): the interop tests need the real `php` 8.2 binary with shmop, sysvshm,
 * sysvmsg, sysvsem, pcntl and posix. On a fresh machine `bun test` installs it (Debian's php8.2-cli, as
 * root, with apt-get), so that the README's test command is all the set-up there is; without root or apt it
 * stops at once, saying what to install, instead of failing hundreds of tests one by one.
 */
const EXTENSIONS = ["shmop", "sysvshm", "sysvmsg", "sysvsem", "pcntl", "posix"];

function missingExtensions(): string[] | null {
  if (!Bun.which("php")) return null;
  const r = Bun.spawnSync(["php", "-r", "echo implode(',', get_loaded_extensions());"]);
  const loaded = new Set(r.stdout.toString().toLowerCase().split(","));
  return EXTENSIONS.filter((e) => !loaded.has(e));
}

function run(cmd: string[]): boolean {
  return Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).exitCode === 0;
}

let missing = missingExtensions();
if (missing === null && process.getuid?.() === 0 && Bun.which("apt-get")) {
  console.error("bun-sysv tests: php is not installed; installing php8.2-cli with apt-get ...");
  if (run(["apt-get", "update", "-qq"])) run(["apt-get", "install", "-y", "-qq", "php8.2-cli"]);
  missing = missingExtensions();
}
if (missing === null || missing.length > 0) {
  const what = missing === null ? "php is not installed" : `php lacks the extensions ${missing.join(", ")}`;
  console.error(`bun-sysv tests: ${what}. The interop tests run the real PHP 8.2: apt-get install -y php8.2-cli`);
  process.exit(1);
}
