// Masking edges in the agent's pipeline (fake control plane, real agent, stand-in provider): a
// refused request is recorded as its policies say (masked, or no bodies at all), a whole masked
// response carries its new Content-Length and stays valid JSON, a masked stream arriving in one
// long burst is released as it is settled (not read whole first), and an encoded response that must
// be masked is refused (502) rather than passed on unread.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordedBodies, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { MaskStyle, PolicyAction, RecordMode } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { standInReply } from "../support/stand-in-provider.js";

const EMAIL = "erin@example.com";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

async function post(model: string, content: string, headers: Record<string, string> = {}, stream = false) {
  const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], stream }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, session: response.headers.get("x-palisade-session") };
}

/**
 * A streamed chat call whose upstream runs `script` paused at its pause point: reads until the
 * reply holds `until` (which must reach the caller while the upstream waits; else the test times
 * out), then lets the upstream go on and reads the rest.
 */
async function readPausedStream(script: string, until: string): Promise<string> {
  bed.provider.pauseStreams();
  try {
    const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json", "x-stand-in-script": script },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "go" }], stream: true }),
    });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes(until)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${JSON.stringify(until)} arrived`);
      text += Buffer.from(value).toString("utf8");
    }
    bed.provider.resumeStreams();
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += Buffer.from(read.value).toString("utf8");
    return text;
  } finally {
    bed.provider.resumeStreams();
  }
}

describe("masking edges in the pipeline", () => {
  it("records a refused request masked, or without bodies, as its policies say", async () => {
    await bed.use([
      { name: "mask-email", priority: 90, action: PolicyAction.MASK, detectors: ["email"] },
      { name: "no-secrets", priority: 50, action: PolicyAction.DENY, keywords: ["secret"], when: 'request.model == "masked"' },
      { name: "no-secrets-unrecorded", priority: 50, action: PolicyAction.DENY, keywords: ["secret"], when: 'request.model == "none"', record: RecordMode.NONE },
      { name: "allow-all" },
    ]);
    const masked = await post("masked", `the secret is with ${EMAIL}`);
    expect(masked.status).toBe(403);
    const record = await bed.recorded(masked.session);
    expect(record).toMatchObject({ verdict: Verdict.DENIED, policy: "no-secrets", recordedBodies: RecordedBodies.MASKED, maskPolicies: ["mask-email"] });
    expect(record.requestBody).toContain("the secret is with [EMAIL]");
    expect(record.findings.map((f) => f.detector)).toEqual(["email"]);

    const none = await post("none", `the secret is with ${EMAIL}`);
    expect(none.status).toBe(403);
    expect(await bed.recorded(none.session)).toMatchObject({ recordedBodies: RecordedBodies.NONE, requestBody: "", responseBody: "" });
  });

  it("refuses (400, in the provider's format) a body nested too deeply to mask, and forwards and records none of it", async () => {
    await bed.use([
      { name: "mask-email", priority: 90, action: PolicyAction.MASK, detectors: ["email"] },
      { name: "allow-all" },
    ]);
    const before = bed.provider.requests.length;
    const depth = 60_000; // under the 100,000 values a request may hold (413 too_many_values)
    const body = `{"model":"deep","messages":[{"role":"user","content":"write to ${EMAIL}"}],"metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(error.error).toMatchObject({ type: "invalid_request_error", code: "uninspectable_body" });
    expect(error.error.message).toContain("nested too deeply");
    expect(bed.provider.requests.length).toBe(before);
    const record = await bed.recorded(response.headers.get("x-palisade-session"));
    expect(record).toMatchObject({ verdict: Verdict.DENIED, status: 400, recordedBodies: RecordedBodies.NONE, requestBody: "" });
    expect(record.reason).toContain("nested too deeply");
  });

  it("sends a whole masked response with its new Content-Length, restored for the caller", async () => {
    await bed.use([
      { name: "pseudo", priority: 90, action: PolicyAction.MASK, detectors: ["email"], style: MaskStyle.PSEUDONYMIZE, restore: true },
      { name: "allow-all" },
    ]);
    const prompt = `reach ${EMAIL} — ünïcode ok`;
    const answer = await post("gpt-test", prompt);
    expect(answer.status).toBe(200);
    expect(bed.provider.requests.at(-1)?.body).toContain("reach <EMAIL_1>");
    expect(Number(answer.headers.get("content-length"))).toBe(answer.bytes.length);
    const json = JSON.parse(answer.bytes.toString("utf8")) as { choices: { message: { content: string } }[] };
    expect(json.choices[0].message.content).toBe(standInReply(prompt));
    const record = await bed.recorded(answer.session);
    expect(record.verdict).toBe(Verdict.MASKED);
    expect(record.responseBody).toContain("<EMAIL_1>");
  });

  it("restores placeholders for a rule that masks only requests (direction request), whole and streamed", async () => {
    await bed.use([
      { name: "pseudo-out", priority: 90, action: PolicyAction.MASK, detectors: ["email"], style: MaskStyle.PSEUDONYMIZE, restore: true, direction: 1 },
      { name: "allow-all" },
    ]);
    const whole = await post("gpt-test", `reach ${EMAIL}`);
    expect(bed.provider.requests.at(-1)?.body).toContain("reach <EMAIL_1>");
    expect(JSON.parse(whole.bytes.toString("utf8")).choices[0].message.content).toBe(standInReply(`reach ${EMAIL}`));
    const streamed = await post("gpt-test", `reach ${EMAIL}`, { "x-stand-in-chunks": "char" }, true);
    const text = streamed.bytes.toString("utf8").split("\n\n").filter((event) => event.startsWith("data: {"))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(standInReply(`reach ${EMAIL}`));
  });

  it("streams a masked JSON-lines reply (application/x-ndjson, Ollama-style) line by line, not read whole first", async () => {
    await bed.use([
      { name: "mask-replies", priority: 90, action: PolicyAction.MASK, detectors: ["email"], direction: 2 },
      { name: "allow-all" },
    ]);
    const line = (content: string, done = false) => `${JSON.stringify({ model: "m", message: { role: "assistant", content }, done })}\n`;
    const script = bed.provider.script({
      headers: { "content-type": "application/x-ndjson" },
      chunks: [line("first words,"), line(" second"), line(" write to zoe.quill@"), line("example.org now.", true)],
      pauseBefore: 2,
    });
    // The upstream is paused after two lines: the first reaches the caller now (loose text waits at most for the next line), or the test times out.
    const text = await readPausedStream(script, "first words,");
    const content = text.split("\n").filter(Boolean).map((each) => JSON.parse(each).message.content).join("");
    expect(content).toBe("first words, second write to [EMAIL] now.");
  });

  it("streams a masked reply whose first network read is long (a whole burst of events) as it is settled, not read whole first", async () => {
    await bed.use([
      { name: "mask-replies", priority: 90, action: PolicyAction.MASK, detectors: ["email"], direction: 2 },
      { name: "allow-all" },
    ]);
    const chunk = (content: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    // ~24 KB of events in one write (more than the few KB the form is told by), then the rest once the caller has it.
    const burst = Array.from({ length: 200 }, (_, index) => chunk(` word${index},`)).join("");
    const script = bed.provider.script({
      headers: { "content-type": "text/event-stream" },
      chunks: [burst, chunk(` write to ${EMAIL} now.`), "data: [DONE]\n\n"],
      pauseBefore: 1,
    });
    // The upstream is paused after the burst: its events reach the caller now, or the test times out.
    const text = await readPausedStream(script, "word199,");
    const content = text.split("\n\n").filter((event) => event.startsWith("data: {"))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "").join("");
    expect(content.endsWith(" word199, write to [EMAIL] now.")).toBe(true);
    expect(text).not.toContain(EMAIL);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("decodes a gzip response it must mask and sends it masked, decoded; passes it as it is when nothing is masked in responses", async () => {
    await bed.use([
      { name: "mask-replies", priority: 90, action: PolicyAction.MASK, detectors: ["email"], direction: 2, when: 'request.model == "masked"' },
      { name: "allow-all" },
    ]);
    const masked = await post("masked", `hello ${EMAIL}`, { "x-stand-in-gzip": "1" });
    expect(masked.status).toBe(200);
    expect(masked.headers.get("content-encoding")).toBeNull();
    expect(JSON.parse(masked.bytes.toString("utf8")).choices[0].message.content).toBe(standInReply("hello [EMAIL]"));
    expect(await bed.recorded(masked.session)).toMatchObject({ verdict: Verdict.MASKED, status: 200 });

    const passed = await post("plain", "hello", { "x-stand-in-gzip": "1" });
    expect(passed.status).toBe(200);
    expect(passed.headers.get("content-encoding")).toBe("gzip");
  });
});
