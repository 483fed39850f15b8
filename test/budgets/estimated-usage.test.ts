// A forwarded request whose provider usage never arrives whole is recorded with an estimate,
// flagged `estimated`: budgets, limits and `palisade usage` read the record's usage, so a caller
// that reads a stream and leaves right before its usage chunk (or a provider that sends none) no
// longer spends nothing. Through a real agent with the real openai and Anthropic clients; the
// stand-in stalls a stream after its first content chunk, or omits usage (x-stand-in-usage: omit).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { PolicyAction, RecordMode } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
  await bed.use([{ name: "allow-all", priority: 0 }]);
});
afterAll(() => bed?.close());

const prompt = "x".repeat(400); // 100 tokens at four bytes a token
const usageOf = async (session: string | null) => {
  const { usage } = await bed.recorded(session);
  return usage && { prompt: Number(usage.promptTokens), completion: Number(usage.completionTokens), total: Number(usage.totalTokens), estimated: usage.estimated };
};

/** Streams a chat through the openai client and leaves (breaks out) after the first text; the session. */
async function leaveStream(extra: { max_tokens?: number }, headers: Record<string, string>): Promise<string | null> {
  const openai = await bed.openai();
  const { data: stream, response } = await openai.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: prompt }], stream: true, ...extra }, { headers })
    .withResponse();
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break; // the client aborts its request
  return response.headers.get("x-palisade-session");
}

describe("usage the provider never reported is recorded as an estimate", () => {
  it("a stream the openai client leaves before its usage chunk: its prompt and max_tokens, flagged estimated", async () => {
    const session = await leaveStream({ max_tokens: 300 }, { "x-stand-in-fault": "stall-mid-stream" });
    expect(await usageOf(session)).toEqual({ prompt: 100, completion: 300, total: 400, estimated: true });
  });

  it("a provider that reports no usage: a whole reply and a stream read to the end, charged the reply's size without max_tokens", async () => {
    const reply = "y".repeat(2000); // 500 tokens at four bytes a token
    const headers = { "x-stand-in-usage": "omit", "x-stand-in-reply": reply };
    const openai = await bed.openai();
    const whole = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: prompt }] }, { headers }).withResponse();
    expect(whole.data.usage).toBeUndefined();
    // A whole reply is measured whole (its JSON around the text too: a little more, never less).
    const body = Buffer.byteLength((await bed.recorded(whole.response.headers.get("x-palisade-session"))).responseBody);
    expect(body).toBeGreaterThan(2000);
    const completion = Math.ceil(body / 4);
    expect(await usageOf(whole.response.headers.get("x-palisade-session"))).toEqual({ prompt: 100, completion, total: 100 + completion, estimated: true });
    const streamed = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: prompt }], stream: true }, { headers }).withResponse();
    let text = "";
    for await (const chunk of streamed.data) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(reply);
    expect(await usageOf(streamed.response.headers.get("x-palisade-session"))).toEqual({ prompt: 100, completion: 500, total: 600, estimated: true });
  });

  it("measures the reply before the record drops it: a policy keeping no bodies still charges the text relayed", async () => {
    await bed.use([{ name: "no-bodies", priority: 0, record: RecordMode.NONE }]);
    try {
      const session = await leaveStream({}, { "x-stand-in-fault": "stall-mid-stream", "x-stand-in-reply": `${"z".repeat(800)} tail` });
      expect(await usageOf(session)).toEqual({ prompt: 100, completion: 200, total: 300, estimated: true });
    } finally {
      await bed.use([{ name: "allow-all", priority: 0 }]);
    }
  });

  it("an Anthropic stream left after message_start: never below what was reported, the rest estimated", async () => {
    const anthropic = await bed.anthropic();
    const { data: stream, response } = await anthropic.messages
      .create({ model: "claude-test", max_tokens: 300, stream: true, messages: [{ role: "user", content: prompt }] }, { headers: { "x-stand-in-fault": "stall-mid-stream" } })
      .withResponse();
    for await (const event of stream) if (event.type === "content_block_delta") break;
    // message_start reported 1 input token (the stand-in counts words) and 1 output token.
    expect(await usageOf(response.headers.get("x-palisade-session"))).toEqual({ prompt: 100, completion: 300, total: 400, estimated: true });
  });

  it("reported usage stays as reported, and the provider's own error carries none (neither is estimated)", async () => {
    const openai = await bed.openai();
    const plain = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "one two three" }] }).withResponse();
    const reported = plain.data.usage!;
    expect(await usageOf(plain.response.headers.get("x-palisade-session"))).toEqual({
      prompt: reported.prompt_tokens, completion: reported.completion_tokens, total: reported.total_tokens, estimated: false,
    });
    const failed = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json", "x-stand-in-status": "500" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: prompt }], max_tokens: 300 }),
    });
    expect(failed.status).toBe(500);
    await failed.text();
    expect(await usageOf(failed.headers.get("x-palisade-session"))).toBeUndefined();
  });

  it("a policy can require max_tokens (request.maxTokens == 0 when unset), so no estimate is unbounded by it", async () => {
    await bed.use([
      { name: "bound-output", priority: 10, action: PolicyAction.DENY, when: "request.maxTokens == 0 || request.maxTokens > 4000", reason: "Set max_tokens (at most 4000)" },
      { name: "allow-all", priority: 0 },
    ]);
    try {
      const openai = await bed.openai();
      const unbounded = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }).catch((error: unknown) => error);
      expect(unbounded).toBeInstanceOf(OpenAI.PermissionDeniedError);
      const choices = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], max_tokens: 1000, n: 5 }).catch((error: unknown) => error);
      expect(choices).toBeInstanceOf(OpenAI.PermissionDeniedError); // 5 choices of 1000: 5000
      const bounded = await openai.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], max_completion_tokens: 4000 });
      expect(bounded.choices[0]?.message.content).toBeTruthy();
    } finally {
      await bed.use([{ name: "allow-all", priority: 0 }]);
    }
  });

  it("a read (GET /v1/models) generates nothing: recorded without usage, not estimated", async () => {
    const models = await fetch(`${bed.agent.url}/openai/v1/models`, { headers: { authorization: `Bearer ${await bed.issuer.token()}` } });
    expect(models.status).toBe(200);
    await models.text();
    expect(await usageOf(models.headers.get("x-palisade-session"))).toBeUndefined();
  });
});
