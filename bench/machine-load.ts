// The idle check before each measured window: how busy the whole machine is (every core, every
// process, from /proc/stat) while the bench itself sends nothing. On a shared machine a window
// taken while others compute measures the queue for a CPU; the figure is printed beside the
// results so that a reader can tell an idle run from a busy one.
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

async function cpuTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n", 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, tick) => sum + tick, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

/** Fraction (0..1) of all cores' time spent busy over the next `ms`; NaN where /proc is absent. */
export async function busyFraction(ms: number): Promise<number> {
  const before = await cpuTicks().catch(() => undefined);
  await sleep(ms);
  const after = await cpuTicks().catch(() => undefined);
  if (before === undefined || after === undefined || after.total === before.total) return Number.NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}

/**
 * Waits (up to `patienceMs`) for the machine to be quiet — at most `threshold` of its CPU busy
 * over half a second — and returns the last busy fraction seen: quiet or not, the window goes on,
 * and the figure is reported with it.
 */
export async function awaitQuiet(threshold = 0.15, patienceMs = 3_000): Promise<number> {
  const deadline = Date.now() + patienceMs;
  let busy = await busyFraction(500);
  while (!(busy <= threshold) && Date.now() < deadline) busy = await busyFraction(500);
  return busy;
}
