// Anthropic Messages streams masked event by event (text and tool input JSON split into
// one-character deltas, bytes into 7-byte chunks), then read by the real `@anthropic-ai/sdk` client.
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { anthropicStream, playStream, sseFetch } from "./sse-fixtures.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 20 7946 0958";

async function read(body: string) {
  const client = new Anthropic({ apiKey: "k", baseURL: "http://stand-in.invalid", fetch: sseFetch(body), maxRetries: 0 });
  const stream = client.messages.stream({ model: "claude", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
  let deltas = "";
  stream.on("text", (text) => (deltas += text));
  const message = await stream.finalMessage();
  return { deltas, message };
}

describe("SSE masking: Anthropic messages", () => {
  it("redacts text_delta and input_json_delta values split one character per event; the SDK parses every event", async () => {
    const session = createMaskSession("anthropic", "/v1/messages", [rule()]);
    const played = playStream(session, anthropicStream(`Mail ${EMAIL}, phone ${PHONE}. Bye`, `{"to":"${EMAIL}","n":1}`));
    expect(played.client).not.toContain("jane");
    expect(played.client).not.toContain("7946");
    const { deltas, message } = await read(played.client);
    expect(deltas).toBe("Mail [EMAIL], phone [PHONE]. Bye");
    expect(message.content[0]).toMatchObject({ type: "text", text: deltas });
    expect(message.content[1]).toMatchObject({ type: "tool_use", name: "send", input: { to: "[EMAIL]", n: 1 } });
    expect(message.stop_reason).toBe("tool_use");
  });

  it("restores placeholders split across deltas for the caller and keeps them in the record", async () => {
    const session = createMaskSession("anthropic", "/v1/messages", [pseudonymRule()]);
    session.maskRequest(Buffer.from(JSON.stringify({ messages: [{ role: "user", content: `I am ${EMAIL}` }] })));
    const played = playStream(session, anthropicStream("Hello <EMAIL_1>!", `{"who":"<EMAIL_1>"}`), 3);
    const client = await read(played.client);
    expect(client.deltas).toBe(`Hello ${EMAIL}!`);
    expect(client.message.content[1]).toMatchObject({ input: { who: EMAIL } });
    const record = await read(played.record);
    expect(record.deltas).toBe("Hello <EMAIL_1>!");
    expect(session.masked).toBe(true);
  });

  it("releases a block's held tail before its content_block_stop, and everything at the end of a cut stream", () => {
    const session = createMaskSession("anthropic", "/v1/messages", [rule()]);
    const whole = anthropicStream(`reach me at ${EMAIL}`);
    const cut = whole.slice(0, whole.indexOf("event: content_block_stop"));
    const played = playStream(session, cut);
    expect(played.client.endsWith('"delta":{"type":"text_delta","text":"[EMAIL]"}}\n\n')).toBe(true);
  });

  it("masks a value split over two consecutive text blocks whole, its marker in the first, with no fragment sent", async () => {
    const named = (type: string, fields: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
    const block = (index: number, pieces: string[]) =>
      named("content_block_start", { index, content_block: { type: "text", text: "" } }) +
      pieces.map((text) => named("content_block_delta", { index, delta: { type: "text_delta", text } })).join("") +
      named("content_block_stop", { index });
    for (const [first, second] of [["Mail jane.doe@", "example.com today."], ["Mail jane.", "doe@example.com today."], ["Mail jane.doe@example.", "com today."]]) {
      const sse = named("message_start", { message: { id: "m", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } }) +
        block(0, [...first]) + block(1, [...second]) +
        named("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } }) + named("message_stop", {});
      for (const size of [1, 7, 1000]) {
        const played = playStream(createMaskSession("anthropic", "/v1/messages", [rule()]), sse, size);
        expect(played.client).not.toContain("jane");
        const { deltas, message } = await read(played.client);
        expect(deltas).toBe("Mail [EMAIL] today.");
        expect(message.content).toMatchObject([{ type: "text", text: "Mail [EMAIL]" }, { type: "text", text: " today." }]);
      }
    }
  });
});
