// Detector throughput: every built-in detector together, and each alone, over a realistic 1 MB
// prompt (prose with numbers, dates, versions, ids, code-ish tokens) with and without personal
// data sprinkled in (about one value per 2 KB). Figures are milliseconds per MB on one core (the
// detectors are synchronous, so that is also the per-core cost); the note gives MB/s.
import { BUILTIN_DETECTORS, compileDetectors } from "../agent/masking/detectors/compile-detectors.js";
import { percentile, type Bench, type Metric } from "./bench.js";

const words = (
  "the a of to and in is for on with that this it as be are by at from or an we you can will model request response " +
  "please summarise following customer account order invoice deploy service cluster version release note table report " +
  "meeting tomorrow budget quarter revenue growth issue ticket error stack trace function return value config update"
).split(" ");
const noise = ["order 1234567890", "v1.2.3", "2024-01-15", "10:30", "123e4567-e89b-12d3-a456-426614174000", "3.14", "#4521", "$1,299.00", "id=8842", "x86_64", "ISO 8601", "HTTP/1.1 200"];
const personal = [
  "jane.doe@example.com", "+44 20 7946 0958", "+1 (415) 555-2671", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
  "123-45-6789", "10.0.0.7", "2001:db8::1", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789", "AKIAIOSFODNN7EXAMPLE",
];

/** About `bytes` of prompt-like text, deterministic; with `pii`, one personal value per ~2 KB. */
function promptText(bytes: number, pii: boolean): string {
  let seed = 42;
  const next = (range: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % range;
  };
  const parts: string[] = [];
  let length = 0;
  let sincePii = 0;
  while (length < bytes) {
    let part = words[next(words.length)];
    if (next(25) === 0) part = noise[next(noise.length)];
    if (pii && sincePii > 2_000) {
      part = personal[next(personal.length)];
      sincePii = 0;
    }
    if (next(14) === 0) part += next(3) === 0 ? ".\n" : ",";
    parts.push(part);
    length += part.length + 1;
    sincePii += part.length + 1;
  }
  return parts.join(" ");
}

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
