// Detector throughput: every built-in detector together, and each alone, over a realistic 1 MB
// prompt (prose with numbers, dates, versions, ids, code-ish tokens) with and without personal
// data sprinkled in (about one value per 2 KB). Figures are milliseconds per MB on one core (the
// detectors are synchronous, so that is also the per-core cost); the note gives MB/s.
import { BUILTIN_DETECTORS, compileDetectors } from "../core/detectors/compile-detectors.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { promptText } from "./prompt-text.js";

function msPerMb(find: (text: string) => unknown, text: string): number {
  find(text); // warm-up: JIT and the phone metadata
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    find(text);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return percentile(samples, 50) / (text.length / 1e6);
}

function metric(name: string, ms: number): Metric {
  return { name, value: ms, unit: "ms", note: `per MB, median of 5 = ${(1000 / ms).toFixed(1)} MB/s per core` };
}

const bench: Bench = {
  description: "detector throughput over a 1 MB prompt, all built-ins and each alone, with and without personal data",
  async run() {
    const clean = promptText(1_000_000, false);
    const dirty = promptText(1_000_000, true);
    const compileSamples: number[] = [];
    for (let run = 0; run < 20; run++) {
      const start = process.hrtime.bigint();
      compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: ["\\bticket-\\d{4}\\b"], words: ["Project Falcon", "credit card"], phoneRegion: "US" });
      compileSamples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const all = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: [] });
    const allUs = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: [], phoneRegion: "US" });
    const metrics: Metric[] = [
      { name: "compile all built-ins + 1 pattern + 2 words", value: percentile(compileSamples, 50), unit: "ms", note: "median of 20, once per snapshot" },
      metric("all built-ins, 1 MB without PII", msPerMb(all.find, clean)),
      metric("all built-ins, 1 MB with PII", msPerMb(all.find, dirty)),
      metric("all built-ins, phone region US, 1 MB with PII", msPerMb(allUs.find, dirty)),
    ];
    for (const name of BUILTIN_DETECTORS) {
      const one = compileDetectors({ builtins: [name], patterns: [], words: [] });
      metrics.push(metric(`${name}, 1 MB with PII`, msPerMb(one.find, dirty)));
    }
    return metrics;
  },
};
export default bench;
