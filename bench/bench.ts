// What a benchmark is: a named module whose `run()` measures and returns figures. `bench/run.ts`
// runs every `bench/*.bench.ts`, prints the figures and compares them with the committed baseline.

/** One measured figure; lower is better for every unit used here (times, memory, ratios, load). */
export interface Metric {
  /** Stable name, the key in results and baseline files ("evaluate 1000 policies p99"). */
  name: string;
  value: number;
  unit: "ms" | "µs" | "s" | "MB" | "x" | "%";
  /** Free text shown beside the figure (how many iterations, what was skipped). */
  note?: string;
}

/** A benchmark module's default export. */
export interface Bench {
  /** What it measures, one line. */
  description: string;
  run(): Promise<Metric[]>;
}

/** Percentile `p` (0..100) of `samples` (sorted in place), nearest-rank. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  samples.sort((a, b) => a - b);
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1));
  return samples[rank];
}

/** Milliseconds `work` takes (monotonic clock). */
export async function timeMs(work: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
