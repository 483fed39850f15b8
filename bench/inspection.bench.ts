// The request side's complete inspection (agent/inspection/) per request, in CPU time of the
// bench's thread (unaffected by other processes): a small chat completion (~1 KB, the overhead
// bench's body) through each step the pipeline runs — canonical body (decode, strict JSON), the
// request's text slots, the content view a keyword policy reads, and masking with email, phone,
// payment-card and secrets — with nothing to find (the common case) and with an e-mail to mask;
// a 200 KB chat body for scale. Compare with the agent's CPU per request in the overhead bench.
import { compileDetectors } from "../core/detectors/compile-detectors.js";
import { canonicalBody } from "../agent/inspection/canonical-body.js";
import { maskedRequest } from "../agent/inspection/mask-canonical.js";
import { contentView } from "../agent/inspection/content-view.js";
import { inspectRequest } from "../agent/inspection/request-inspection.js";
import { createMaskSession } from "../agent/masking/mask-session.js";
import { compileContentMatch } from "../agent/policy/content-match.js";
import { openai } from "../agent/providers/openai.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { promptText } from "./prompt-text.js";

const cpuUs = (): number => {
  const usage = process.threadCpuUsage();
  return usage.user + usage.system;
};

const paragraph =
  "Please review the following quarterly report and summarise the main risks for the board. " +
  "Revenue grew in every region except the north, where two large customers renewed late. ";
const small = (extra = "") => Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "system", content: "You are a careful analyst." }, { role: "user", content: paragraph.repeat(5) + extra }] }));

const headers = { "content-type": "application/json", "user-agent": "OpenAI/JS 7.55.0", "x-stainless-lang": "js", accept: "application/json" };
const route = { connection: "openai", rest: "/v1/chat/completions", search: "" };
const rules = [{ policy: "mask", detectors: compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }), direction: "request" as const, style: "redact" as const, restore: false }];
const keywords = compileContentMatch("deny", ["project nightingale", "social security"], [])!;

type Steps = "canonical" | "inspect" | "mask";

/** One request through the steps up to `until`; returns whether it masked anything. */
async function once(body: Buffer, until: Steps): Promise<void> {
  const decoded = await canonicalBody(body, headers, route.rest, openai.requestBodies, 16 << 20);
  if (!decoded.ok || until === "canonical") return;
  const inspection = inspectRequest(decoded.body, route, headers, "authorization");
  keywords.test(contentView(inspection));
  if (until === "inspect") return;
  maskedRequest(decoded.body, route, () => inspection, createMaskSession("openai", route.rest, rules));
}

/** Median CPU µs per request over `runs` batches of `batch` requests, after a warm-up. */
async function measure(body: Buffer, until: Steps, batch: number, runs = 15): Promise<number> {
  for (let index = 0; index < batch; index++) await once(body, until);
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = cpuUs();
    for (let index = 0; index < batch; index++) await once(body, until);
    samples.push((cpuUs() - start) / batch);
  }
  return percentile(samples, 50);
}

const bench: Bench = {
  description: "request inspection per request: canonical body, text slots and content view, masking (CPU µs)",
  async run(): Promise<Metric[]> {
    const clean = small();
    const dirty = small(" Reply to jane.doe@example.com please.");
    const large = Buffer.from(JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: promptText(200_000, true) }] }));
    const metrics: Metric[] = [];
    for (const [label, body] of [["small chat", clean], ["small chat with an e-mail", dirty]] as const) {
      const canonical = await measure(body, "canonical", 400);
      const inspect = await measure(body, "inspect", 400);
      const mask = await measure(body, "mask", 400);
      metrics.push(
        { name: `${label}: canonical body`, value: canonical, unit: "µs", note: "decode + strict JSON (duplicate keys, lone surrogates)" },
        { name: `${label}: + slots and keyword rules`, value: inspect, unit: "µs", note: "every string, path, query, headers; word view; 2 keywords" },
        { name: `${label}: + masking`, value: mask, unit: "µs", note: "email, phone, payment-card, secrets over every slot and the joined reading" },
      );
    }
    metrics.push({ name: "200 KB chat: complete inspection", value: await measure(large, "mask", 5, 7), unit: "µs", note: "with personal values every ~2 KB" });
    return metrics;
  },
};

export default bench;
