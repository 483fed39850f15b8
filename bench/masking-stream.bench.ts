// Masking on a long streamed reply through a real agent, side by side with masking off in the same
// run: time to the first content token and to the end of a 2,000-token chat completion stream from
// a fast local provider (worker thread), through an agent process with the 20-policy mix. The only
// difference between the two paths is the model name, which a mask policy (email, phone,
// payment-card and secrets detectors, both directions) matches: the same agent, the same stream.
import { create } from "@bufbuild/protobuf";
import { Pool } from "undici";
import { MaskDirection, PolicyAction, ResourceSchema } from "../gen/palisade/admin/v1/resources_pb.js";
import type { Bench, Metric } from "./bench.js";
import { percentile } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { startPalisadePath, type PalisadePath } from "./overhead-stack.js";

const TOKENS = 2_000;
const STREAMS = 20;
const MASKED_MODEL = "gpt-4o-mini-masked";

const maskPolicy = create(ResourceSchema, {
  resource: {
    case: "policy",
    value: {
      name: "mask-pii", priority: 2000, connections: ["*"], when: `request.model == "${MASKED_MODEL}"`, action: PolicyAction.MASK,
      detectors: ["email", "phone", "payment-card", "secrets"], direction: MaskDirection.BOTH,
    },
  },
});

const body = (model: string) => JSON.stringify({
  model, stream: true, messages: [{ role: "user", content: "Write a long story for jane.doe@example.com." }],
});

/** Median time to the first content token and to the end of the stream, in ms. */
async function measure(path: PalisadePath, model: string): Promise<{ firstToken: number; total: number }> {
  const url = new URL(`${path.baseURL}/chat/completions`);
  const pool = new Pool(url.origin, { connections: 1 });
  const headers = { authorization: `Bearer ${path.token}`, "content-type": "application/json" };
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let run = 0; run < STREAMS + 2; run++) {
      const start = process.hrtime.bigint();
      const response = await pool.request({ path: url.pathname, method: "POST", headers, body: body(model) });
      if (response.statusCode !== 200) throw new Error(`${model} stream answered ${response.statusCode}: ${await response.body.text()}`);
      let firstMs = Number.NaN;
      let text = "";
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString("utf8");
        // The masker may cut deltas differently (" tok0" can arrive as " " then "tok0 "): look for the word.
        if (Number.isNaN(firstMs) && text.includes("tok0")) firstMs = Number(process.hrtime.bigint() - start) / 1e6;
      }
      const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (!text.includes(`tok${TOKENS - 1}`) || !text.includes("[DONE]")) throw new Error(`${model} stream ended early`);
      if (run < 2) continue; // warm-up
      first.push(firstMs);
      total.push(totalMs);
    }
  } finally {
    await pool.close();
  }
  return { firstToken: percentile(first, 50), total: percentile(total, 50) };
}

const bench: Bench = {
  description: "2,000-token streamed reply through an agent, masking off vs on (email, phone, payment-card, secrets)",
  async run(): Promise<Metric[]> {
    const provider = await startFastProvider(TOKENS);
    const path = await startPalisadePath(provider.url, [maskPolicy]);
    try {
      // Alternate, so that a slower moment of the machine does not fall on one side only.
      const off = await measure(path, "gpt-4o-mini");
      const on = await measure(path, MASKED_MODEL);
      const offAgain = await measure(path, "gpt-4o-mini");
      const plain = { firstToken: Math.min(off.firstToken, offAgain.firstToken), total: Math.min(off.total, offAgain.total) };
      const note = `median of ${STREAMS}, ${TOKENS} chunks`;
      return [
        { name: "stream masking off first token", value: plain.firstToken, unit: "ms", note },
        { name: "stream masking on first token", value: on.firstToken, unit: "ms", note: `added ${(on.firstToken - plain.firstToken).toFixed(2)} ms` },
        { name: "stream masking off total", value: plain.total, unit: "ms", note },
        { name: "stream masking on total", value: on.total, unit: "ms", note: `added ${(on.total - plain.total).toFixed(2)} ms, ${(on.total / plain.total).toFixed(2)}x` },
      ];
    } finally {
      await path.close();
      await provider.close();
    }
  },
};

export default bench;
