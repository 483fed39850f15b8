// The chunk the chat handler makes to flush held text at the end of a stream copies the last
// chunk's identifiers (id, object, model, system_fingerprint, service_tier). The chunk they came in had
// them masked; the copy went out as the upstream wrote them, the value in clear to the caller and
// in the record.
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";

function stream(field: string) {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", system_fingerprint: "fp_1" };
  const chunk = (content: string, extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ ...base, ...extra, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] })}\n\n`;
  // " tok2" ends the last chunk: its tail is held (it may still grow into a value) until [DONE].
  return `${chunk(" tok1")}${chunk(" tok2", { [field]: EMAIL })}data: [DONE]\n\n`;
}

function play(field: string, rules = [rule()]) {
  const session = createMaskSession("openai", "/v1/chat/completions", rules);
  const masker = session.responseStream();
  const first = masker.push(Buffer.from(stream(field)));
  const last = masker.end();
  return { client: `${first.client}${last.client}`, record: `${first.record}${last.record}` };
}

describe("the chunk flushing held text at the end of a chat stream", () => {
  it.each(["id", "object", "model", "system_fingerprint", "service_tier"])("masks the %s it copies from the last chunk", (field) => {
    const { client, record } = play(field);
    expect(client).toContain("tok2");
    expect(client).not.toContain(EMAIL);
    expect(record).not.toContain(EMAIL);
    expect(client).toContain(`"${field}":"[EMAIL]"`);
  });

  it("restores and pseudonymises the copy as the chunk it comes from", () => {
    const { client, record } = play("model", [pseudonymRule()]);
    expect(record).not.toContain(EMAIL);
    const models = [...client.matchAll(/"model":"([^"]*)"/g)].map((match) => match[1]);
    expect(models).toHaveLength(3);
    expect(models[1]).not.toBe(EMAIL);
    expect(models[2]).toBe(models[1]);
  });

  it("masks the item id a Responses stream's flushing delta copies", () => {
    const event = (type: string, extra: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, item_id: EMAIL, output_index: 0, content_index: 0, ...extra })}\n\n`;
    const session = createMaskSession("openai", "/v1/responses", [rule()]);
    const masker = session.responseStream();
    const body = event("response.output_text.delta", { sequence_number: 1, delta: " tok1" }) + event("response.output_text.delta", { sequence_number: 2, delta: " tok2" }) + event("response.output_text.done", { sequence_number: 3, text: " tok1 tok2" });
    const first = masker.push(Buffer.from(body));
    const last = masker.end();
    const client = `${first.client}${last.client}`;
    expect(client).toContain("tok2");
    expect(client).not.toContain(EMAIL);
    expect(`${first.record}${last.record}`).not.toContain(EMAIL);
  });

  it("masks the delta members it names as the chunks before it named them", () => {
    const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
    const body = `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { [EMAIL]: " tok0", tool_calls: [{ index: 0, function: { [EMAIL]: " x" } }] }, finish_reason: null }] })}\n\ndata: [DONE]\n\n`;
    const masker = createMaskSession("openai", "/v1/chat/completions", [rule()]).responseStream();
    const first = masker.push(Buffer.from(body));
    const last = masker.end();
    expect(`${first.client}${last.client}`).toContain("tok0");
    expect(`${first.client}${last.client}`).not.toContain(EMAIL);
    expect(`${first.record}${last.record}`).not.toContain(EMAIL);
  });
});
