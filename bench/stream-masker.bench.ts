// The overhead bench's masked stream without the network or an agent process: its 261 chat chunks
// (role, 258 content deltas, finish, [DONE]) through one exchange's reply masker and the usage-chunk
// filter, in the bench's own thread, with the overhead bench's mask policy (email, phone,
// payment-card, secrets). CPU time per stream (median of alternating rounds, the figure least
// moved by other work on the machine), and the time until the first write that holds the first
// token: the stream arriving in one read masked whole, against its first 2 KB masked first (what
// agent/http/relay-inspected.ts does with a long first read).
import { createMaskSession, type MaskRule } from "../agent/masking/mask-session.js";
import { createUsageChunkFilter } from "../agent/providers/openai-stream-usage.js";
import { compileDetectors } from "../core/detectors/compile-detectors.js";
import { percentile, type Bench, type Metric } from "./bench.js";

const TOKENS = 258;
const FIRST_SLICE = 2048; // as relay-inspected.ts

// `obfuscated`: every chunk carries OpenAI's `obfuscation` field (random padding of varying length,
// on by default in OpenAI's own streams since 2025 unless stream_options.include_obfuscation is
// false), so no two chunks share a shape apart from their text.
function chatStream(obfuscated = false): Buffer {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", system_fingerprint: null };
  let seed = 7;
  const padding = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed.toString(36).slice(0, 1 + (seed % 9));
  };
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(obfuscated ? { obfuscation: padding() } : {}) })}\n\n`;
  let text = chunk({ role: "assistant", content: "" }, null);
  for (let index = 0; index < TOKENS; index++) text += chunk({ content: ` tok${index}` }, null);
  return Buffer.from(`${text}${chunk({}, "stop")}data: [DONE]\n\n`);
}

const cpuMs = (): number => {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
};

const bench: Bench = {
  description: "the overhead bench's 261-event masked stream through the reply masker in process: CPU per stream, time to the first write",
  async run(): Promise<Metric[]> {
    const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
    const rules: MaskRule[] = [{ policy: "mask-pii", detectors, direction: "both", style: "redact", restore: false }];
    const sse = chatStream();
    const obfuscatedSse = chatStream(true);
    const session = () => createMaskSession("openai", "/v1/chat/completions", rules);
    const masked = (input = sse) => {
      const stream = session().responseStream();
      const filter = createUsageChunkFilter();
      filter.push(stream.push(input).client);
      filter.push(stream.end().client);
      filter.end();
    };
    const unmasked = () => {
      const filter = createUsageChunkFilter();
      filter.push(sse);
      filter.end();
    };
    const firstWrite = (slice: boolean) => {
      const stream = session().responseStream();
      const start = process.hrtime.bigint();
      const out = stream.push(slice ? sse.subarray(0, FIRST_SLICE) : sse);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (!out.client.includes("tok0")) throw new Error("the first write holds no first token");
      return ms;
    };
    const cpu = { masked: [] as number[], obfuscated: [] as number[], unmasked: [] as number[] };
    for (let warm = 0; warm < 100; warm++) masked();
    // Rounds of 100 streams (the thread's CPU clock ticks coarsely on some kernels), alternated.
    for (let round = 0; round < 10; round++) {
      let start = cpuMs();
      for (let run = 0; run < 100; run++) masked();
      cpu.masked.push((cpuMs() - start) / 100);
      start = cpuMs();
      for (let run = 0; run < 100; run++) masked(obfuscatedSse);
      cpu.obfuscated.push((cpuMs() - start) / 100);
      start = cpuMs();
      for (let run = 0; run < 10_000; run++) unmasked(); // about a microsecond each: many, for the clock
      cpu.unmasked.push((cpuMs() - start) / 10_000);
    }
    const whole: number[] = [];
    const sliced: number[] = [];
    for (let run = 0; run < 200; run++) {
      whole.push(firstWrite(false));
      sliced.push(firstWrite(true));
    }
    const note = (samples: number[]) => `median of ${samples.length}, range ${Math.min(...samples).toFixed(3)}–${Math.max(...samples).toFixed(3)}`;
    const maskedMs = percentile([...cpu.masked], 50);
    return [
      { name: "masked stream CPU (masker + usage filter)", value: maskedMs, unit: "ms", note: `${note(cpu.masked)}; ${((maskedMs * 1000) / (TOKENS + 3)).toFixed(1)} µs per event` },
      { name: "masked stream CPU, OpenAI's obfuscation field on", value: percentile([...cpu.obfuscated], 50), unit: "ms", note: `${note(cpu.obfuscated)}; a padding per chunk: the known shape's second slot` },
      { name: "unmasked stream CPU (usage filter)", value: percentile([...cpu.unmasked], 50) * 1000, unit: "µs", note: `${note(cpu.unmasked)} ms` },
      { name: "first write, whole read masked", value: percentile([...whole], 50), unit: "ms", note: `wall time, ${note(whole)}` },
      { name: "first write, first 2 KB masked", value: percentile([...sliced], 50), unit: "ms", note: `wall time, ${note(sliced)}; what the relay does with a long first read` },
    ];
  },
};

export default bench;
