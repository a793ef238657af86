import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Timer, type Tick } from "../src/index.ts";

const src = join(import.meta.dir, "..", "src", "index.ts");

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("Timer", () => {
  test("fixed rate: tick n is due at start + n x interval, whatever the callbacks take (no drift)", async () => {
    const interval = 40;
    const ticks: Tick[] = [];
    const timer = new Timer((tick) => {
      ticks.push(tick);
      busy(25); // a slow callback: a drifting timer would add this to every later tick
      if (ticks.length === 8) timer.stop();
    }, interval);
    while (timer.running) await Bun.sleep(interval);
    let expected = 1;
    for (const tick of ticks) {
      expect(tick.n).toBe(expected + tick.missed);
      expect(tick.scheduledAt).toBe(timer.startedAt + tick.n * interval);
      expect(tick.firedAt).toBeGreaterThanOrEqual(tick.scheduledAt - 1);
      expected = tick.n + 1;
    }
    // 8 ticks of 25 ms callbacks: a timer re-armed after each callback would now be 200 ms behind
    const last = ticks.at(-1)!;
    expect(last.firedAt - last.scheduledAt).toBeLessThan(interval);
    expect(timer.ticks).toBe(8);
  });

  test("a callback overrunning whole intervals skips the ticks it overran instead of bursting", async () => {
    const ticks: Tick[] = [];
    const timer = new Timer((tick) => {
      ticks.push(tick);
      if (tick.n === 1) busy(75); // overruns ticks 2 and 3 (30 ms interval)
      if (ticks.length === 3) timer.stop();
    }, 30);
    while (timer.running) await Bun.sleep(10);
    expect(ticks[0]!.n).toBe(1);
    expect(ticks[1]!.n).toBeGreaterThanOrEqual(3);
    expect(ticks[1]!.missed).toBe(ticks[1]!.n - 2);
    expect(timer.missed).toBeGreaterThanOrEqual(1);
  });

  test("stop() stops cleanly: no tick after it, start() begins a new schedule", async () => {
    let count = 0;
    const timer = new Timer(() => { count++; }, 10);
    while (count < 3) await Bun.sleep(5);
    timer.stop();
    const at = count;
    await Bun.sleep(60);
    expect(count).toBe(at);
    expect(timer.running).toBe(false);
    timer.start();
    while (count < at + 2) await Bun.sleep(5);
    timer.stop();
    expect(timer.running).toBe(false);
  });

  test("bad interval: RangeError", () => {
    expect(() => new Timer(() => {}, 0)).toThrow(RangeError);
    expect(() => new Timer(() => {}, Number.NaN)).toThrow(RangeError);
  });

  test("an interval beyond setTimeout's 2^31-1 ms limit waits, instead of firing every millisecond", async () => {
    let count = 0;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const month = new Timer(() => { count++; }, 30 * 24 * 3600 * 1000); // 30 days
    const forever = new Timer(() => { count++; }, 2 ** 40);
    try {
      await Bun.sleep(50);
      expect(count).toBe(0);
      expect(month.running && forever.running).toBe(true);
      expect(warnings).not.toContain("TimeoutOverflowWarning");
    } finally {
      month.stop();
      forever.stop();
      process.off("warning", onWarning);
    }
  });

  test("a callback that is not a function: TypeError at construction, not at the first tick", () => {
    expect(() => new Timer(42 as never, 10)).toThrow(TypeError);
    expect(() => new Timer(null as never)).toThrow("Timer callback must be a function");
  });

  async function child(code: string, waitMs = 10_000) {
    const proc = Bun.spawn(["bun", "-e", `import { Timer } from "${src}";\n${code}`], { stdout: "pipe", stderr: "pipe" });
    const exited = await Promise.race([proc.exited, Bun.sleep(waitMs).then(() => "alive" as const)]);
    proc.kill("SIGKILL");
    return { exited, stdout: await new Response(proc.stdout).text() };
  }

  test("a stopped timer does not keep the process alive; a running one does, unless unref'd", async () => {
    const stopped = await child(`let n = 0; const t = new Timer(() => { if (++n === 2) { t.stop(); console.log("stopped"); } }, 20);`);
    expect(stopped).toEqual({ exited: 0, stdout: "stopped\n" });
    const unrefd = await child(`new Timer(() => console.log("tick"), 10_000, { unref: true }); console.log("end");`);
    expect(unrefd).toEqual({ exited: 0, stdout: "end\n" });
    const running = await child(`new Timer(() => {}, 50); console.log("end");`, 600);
    expect(running.exited).toBe("alive");
  }, 30_000);
});
