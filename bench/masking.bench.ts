// Masking engine throughput (agent/masking/mask-session.ts), masking off vs on side by side, in
// CPU time of the bench's thread (per core, unaffected by other processes on the machine):
// - request bodies: a ~1 MB chat completions body (40 messages of prompt-like text with one
//   personal value per ~2 KB), masked with every built-in detector, redacted and pseudonymized;
// - a long streamed reply: ~60 KB of text as chat completion SSE chunks of 4 characters each
//   (~15,000 events), through responseStream() in 4 KB network chunks, per MB of SSE bytes and
//   per event; and the first content byte: time from the first pushed chunk until the caller
//   has the first text, and how many characters the hold-back kept at that point.
import { BUILTIN_DETECTORS, compileDetectors } from "../core/detectors/compile-detectors.js";
import { createMaskSession, type MaskRule } from "../agent/masking/mask-session.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { promptText } from "./prompt-text.js";

const cpuMs = (): number => {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
};

// Thread CPU time ticks coarsely on some kernels (4 ms): fine for runs of 100 ms and more, not for
// the first chunk, which is timed on the monotonic clock (median of 5).
const wallMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Median CPU ms of `work` over `runs` runs after one warm-up. */
function median(work: () => unknown, runs: number): number {
  work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = cpuMs();
    work();
    samples.push(cpuMs() - start);
  }
  return percentile(samples, 50);
}

function chatBody(bytes: number): Buffer {
  const text = promptText(bytes, true);
  const messages = [];
  const size = Math.ceil(text.length / 40);
  for (let at = 0; at < text.length; at += size) messages.push({ role: messages.length % 2 === 0 ? "user" : "assistant", content: text.slice(at, at + size) });
  return Buffer.from(JSON.stringify({ model: "gpt-4o", messages }));
}

function chatSse(text: string, deltaChars: number): Buffer {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
  let out = "";
  for (let at = 0; at < text.length; at += deltaChars) {
    out += `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: text.slice(at, at + deltaChars) }, finish_reason: null }] })}\n\n`;
  }
  out += `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;
  return Buffer.from(out);
}

function playStream(rules: MaskRule[], sse: Buffer): { firstMs: number; heldChars: number } {
  const stream = createMaskSession("openai", "/v1/chat/completions", rules).responseStream();
  const start = wallMs();
  let firstMs = Number.NaN;
  let heldChars = 0;
  let pushed = 0;
  for (let at = 0; at < sse.length; at += 4096) {
    const chunk = sse.subarray(at, at + 4096);
    const out = stream.push(chunk);
    pushed += chunk.length;
    if (Number.isNaN(firstMs) && /"content":"[^"]/.test(out.client.toString())) {
      firstMs = wallMs() - start;
      const sentText = [...out.client.toString().matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]).join("");
      const pushedText = [...sse.subarray(0, pushed).toString().matchAll(/"content":"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]).join("");
      heldChars = pushedText.length - sentText.length;
    }
  }
  stream.end();
  return { firstMs, heldChars };
}

const perMb = (name: string, ms: number, bytes: number, extra = ""): Metric => {
  const value = ms / (bytes / 1e6);
  return { name, value, unit: "ms", note: `per MB, CPU, median = ${value > 0 ? (1000 / value).toFixed(1) : "∞"} MB/s per core${extra}` };
};

const bench: Bench = {
  description: "masking engine: request bodies and a long streamed reply in small deltas, masking off vs on (CPU time per core)",
  async run() {
    const all = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: [] });
    const redact: MaskRule[] = [{ policy: "pii", detectors: all, direction: "both", style: "redact", restore: false }];
    const pseudonymize: MaskRule[] = [{ ...redact[0], style: "pseudonymize", restore: true }];
    const body = chatBody(1_000_000);
    const request = (rules: MaskRule[]) => () => createMaskSession("openai", "/v1/chat/completions", rules).maskRequest(body);
    const reply = promptText(60_000, true);
    const sse = chatSse(reply, 4);
    const events = Math.ceil(reply.length / 4) + 2;
    const stream = (rules: MaskRule[]) => () => playStream(rules, sse);
    const streamOff = median(stream([]), 3);
    const streamOn = median(stream(redact), 3);
    const firstOf = (rules: MaskRule[]) => {
      const runs = [0, 1, 2, 3, 4].map(() => playStream(rules, sse.subarray(0, 65_536)));
      return { firstMs: percentile(runs.map((run) => run.firstMs), 50), heldChars: runs[0].heldChars };
    };
    const first = firstOf(redact);
    const firstOff = firstOf([]);
    return [
      perMb("request 1 MB chat body, masking off", median(request([]), 5), body.length),
      perMb("request 1 MB chat body, all built-ins, redact", median(request(redact), 5), body.length),
      perMb("request 1 MB chat body, all built-ins, pseudonymize", median(request(pseudonymize), 5), body.length),
      perMb("stream 60 KB reply in 4-char deltas, masking off", streamOff, sse.length, `; ${((streamOff * 1000) / events).toFixed(2)} µs per event`),
      perMb("stream 60 KB reply in 4-char deltas, all built-ins, redact", streamOn, sse.length, `; ${((streamOn * 1000) / events).toFixed(1)} µs per event (${events} events)`),
      { name: "stream first content byte, masking off", value: firstOff.firstMs * 1000, unit: "µs", note: "wall time from the first 4 KB pushed to the first text out, median of 5" },
      { name: "stream first content byte, all built-ins, redact", value: first.firstMs * 1000, unit: "µs", note: `wall time, median of 5; ${first.heldChars} characters held back at that point` },
    ];
  },
};
export default bench;
