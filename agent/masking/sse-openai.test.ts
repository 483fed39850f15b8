// OpenAI streams (chat completions and the Responses API) masked event by event, with every
// value split into one-character deltas and the bytes into 7-byte network chunks, then read by
// the real `openai` client.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { chatStream, playStream, responsesStream, sseFetch } from "./sse-fixtures.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 20 7946 0958";
const TEXT = `Write to ${EMAIL} or call ${PHONE}, thanks.`;
const ARGS = `{"to":"${EMAIL}","note":"line\\nbreak \\"q\\" \\u00e9"}`;

const client = (body: string) => new OpenAI({ apiKey: "k", baseURL: "http://stand-in.invalid/v1", fetch: sseFetch(body), maxRetries: 0 });

async function readChat(body: string) {
  const stream = client(body).chat.completions.stream({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
  let deltas = "";
  stream.on("content", (delta) => (deltas += delta));
  const final = await stream.finalChatCompletion();
  return { deltas, message: final.choices[0].message };
}

describe("SSE masking: OpenAI chat completions", () => {
  it("redacts values split one character per delta, in content and tool call arguments; the SDK parses every event", async () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const played = playStream(session, chatStream(TEXT, ARGS));
    expect(played.client).not.toContain("jane");
    expect(played.client).not.toContain("7946");
    const { deltas, message } = await readChat(played.client);
    expect(deltas).toBe("Write to [EMAIL] or call [PHONE], thanks.");
    expect(message.content).toBe(deltas);
    const call = message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ to: "[EMAIL]", note: 'line\nbreak "q" é' });
    expect(played.record).toBe(played.client);
    // The phone number is counted when it is released: at the finish (", thanks." may still become "ext. 12").
    expect(session.findings()).toEqual([
      { detector: "email", location: "response.stream.choices[0].content", count: 1 },
      { detector: "email", location: "response.stream.choices[0].tool_calls[0].function.arguments", count: 1 },
      { detector: "phone", location: "response.stream.choices[0].content", count: 1 },
    ]);
  });

  it("holds back only the word in progress: text before a value reaches the client before the value is complete", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const played = playStream(session, chatStream(TEXT), 1);
    const marker = played.pieces.findIndex((piece) => piece.includes("[EMAIL]"));
    const before = played.pieces.slice(0, marker).join("");
    expect(before).toMatch(/"content":"to ?"/); // "Write to" went out while the address was still arriving
    expect(before).not.toContain('"content":"jane'); // and none of the address did
  });

  it("restores this session's placeholders split across deltas for the caller; the record keeps them", async () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule()]);
    const sent = JSON.parse(session.maskRequest(Buffer.from(JSON.stringify({ messages: [{ role: "user", content: `I am ${EMAIL}, ${PHONE}` }] }))).toString());
    expect(sent.messages[0].content).toBe("I am <EMAIL_1>, <PHONE_1>");
    const played = playStream(session, chatStream("Hi <EMAIL_1>! Call <PHONE_1>, not <PHONE_9> or bob@example.org <EMAIL_", `{"to":"<EMAIL_1>"}`));
    const { deltas, message } = await readChat(played.client);
    expect(deltas).toBe(`Hi ${EMAIL}! Call ${PHONE}, not <PHONE_9> or <EMAIL_2> <EMAIL_`);
    const call = message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ to: EMAIL });
    const recorded = await readChat(played.record);
    expect(recorded.deltas).toBe("Hi <EMAIL_1>! Call <PHONE_1>, not <PHONE_9> or <EMAIL_2> <EMAIL_");
    expect(session.findings()).toContainEqual({ detector: "restored", location: "response.stream.choices[0].content", count: 2 });
  });

  it("passes the stream through untouched when nothing needs masking or restoring", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule({ direction: "request" })]);
    const body = chatStream(TEXT);
    expect(playStream(session, body).client).toBe(body);
  });
});

describe("SSE masking: OpenAI Responses API", () => {
  it("masks output_text deltas and repeats the same masked text in done, part, item and completed events", async () => {
    const session = createMaskSession("openai", "/v1/responses", [rule()]);
    const played = playStream(session, responsesStream(TEXT));
    expect(played.client).not.toContain("jane");
    const stream = client(played.client).responses.stream({ model: "gpt-4o", input: "hi" });
    let deltas = "";
    let done = "";
    stream.on("response.output_text.delta", (event) => (deltas += event.delta));
    stream.on("response.output_text.done", (event) => (done = event.text));
    const final = await stream.finalResponse();
    const masked = "Write to [EMAIL] or call [PHONE], thanks.";
    expect(deltas).toBe(masked);
    expect(done).toBe(masked);
    expect(final.output_text).toBe(masked);
    const item = final.output[0];
    expect(item.type === "message" && item.content[0].type === "output_text" && item.content[0].text).toBe(masked);
    expect(session.findings()).toEqual([
      { detector: "email", location: "response.stream.output[0].content[0].text", count: 1 },
      { detector: "phone", location: "response.stream.output[0].content[0].text", count: 1 },
    ]);
  });
});
