// Masking on a long streamed reply through a real agent, side by side with masking off in the same
// run: time to the first content token and to the end of a 2,000-token chat completion stream from
// a fast local provider (worker thread), through an agent process with the 20-policy mix, and the
// agent process's CPU time per stream (from /proc: the figure least moved by other work on the
// machine). The only difference between the two paths is the model name, which a mask policy
// (email, phone, payment-card and secrets detectors, both directions) matches: the same agent, the
// same stream, every event inspected completely on the masked path.
import type { Bench, Metric } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { maskPolicy, startPalisadePath, type PalisadePath } from "./overhead-stack.js";
import { cpuTimeMs } from "./processes.js";
import { type StreamFigures, timeStreams } from "./stream-timing.js";

const TOKENS = 2_000;
const STREAMS = 20;
const MASKED_MODEL = "gpt-4o-mini-masked";

const body = (model: string) => JSON.stringify({
  model, stream: true, messages: [{ role: "user", content: "Write a long story for jane.doe@example.com." }],
});

/** Median time to the first content token and to the end of the stream, in ms, and the agent's mean CPU ms per stream. */
async function measure(path: PalisadePath, model: string): Promise<StreamFigures & { cpu: number }> {
  const headers = { authorization: `Bearer ${path.token}`, "content-type": "application/json" };
  const before = await cpuTimeMs(path.agentPid);
  const figures = await timeStreams(new URL(`${path.baseURL}/chat/completions`), headers, body(model), TOKENS, STREAMS);
  const cpu = ((await cpuTimeMs(path.agentPid)) - before) / (STREAMS + 2); // with the two warm-up streams
  return { ...figures, cpu };
}

const bench: Bench = {
  description: "2,000-token streamed reply through an agent, masking off vs on (email, phone, payment-card, secrets)",
  async run(): Promise<Metric[]> {
    const provider = await startFastProvider(TOKENS);
    const path = await startPalisadePath(provider.url, [maskPolicy(`request.model == "${MASKED_MODEL}"`)]);
    try {
      // Alternate, so that a slower moment of the machine does not fall on one side only.
      const off = await measure(path, "gpt-4o-mini");
      const on = await measure(path, MASKED_MODEL);
      const offAgain = await measure(path, "gpt-4o-mini");
      const plain = { firstToken: Math.min(off.firstToken, offAgain.firstToken), total: Math.min(off.total, offAgain.total), cpu: Math.min(off.cpu, offAgain.cpu) };
      const note = `median of ${STREAMS}, ${TOKENS} chunks`;
      return [
        { name: "stream masking off first token", value: plain.firstToken, unit: "ms", note },
        { name: "stream masking on first token", value: on.firstToken, unit: "ms", note: `added ${(on.firstToken - plain.firstToken).toFixed(2)} ms` },
        { name: "stream masking off total", value: plain.total, unit: "ms", note },
        { name: "stream masking on total", value: on.total, unit: "ms", note: `added ${(on.total - plain.total).toFixed(2)} ms, ${(on.total / plain.total).toFixed(2)}x` },
        { name: "stream masking off agent CPU per stream", value: plain.cpu, unit: "ms", note: `mean over ${STREAMS + 2} streams` },
        { name: "stream masking on agent CPU per stream", value: on.cpu, unit: "ms", note: `added ${(on.cpu - plain.cpu).toFixed(2)} ms, ${(on.cpu / plain.cpu).toFixed(2)}x` },
      ];
    } finally {
      await path.close();
      await provider.close();
    }
  },
};

export default bench;
