// The real `openai` and `@anthropic-ai/sdk` clients read masked replies through an agent: crafted
// replies with values in text, reasoning, tool arguments (escaped), logprobs, annotations, thinking
// and citations, whole and streamed one character per delta. The SDKs parse every reply (streams
// rebuilt into their final objects), and nothing in what they return holds a masked value.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { anthropic, chars, chat, responses, type Json } from "./reply-builders.js";
import { EMAIL, PHONE, SSN } from "./response-corpus.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
  await bed.use([{ name: "mask-replies", priority: 90, action: PolicyAction.MASK, direction: 2, detectors: ["email", "phone", "us-ssn"] }, { name: "allow-all" }]);
}, 60_000);
afterAll(() => bed?.close());

/** Registers `body` at the stand-in and returns the request header that replays it. */
function scripted(body: Json | string, stream: boolean): Record<string, string> {
  const bytes = Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 11) chunks.push(bytes.subarray(at, at + 11));
  return { "x-stand-in-script": bed.provider.script({ headers: { "content-type": stream ? "text/event-stream" : "application/json" }, chunks }) };
}

const clean = (value: unknown) => {
  const text = JSON.stringify(value);
  for (const secret of [EMAIL, PHONE, SSN, "zoe.quill"]) expect(text).not.toContain(secret);
};
const TEXT = `Write to ${EMAIL} or call ${PHONE}.`;
const MASKED = "Write to [EMAIL] or call [PHONE].";
const ARGS = JSON.stringify({ to: EMAIL }).replace("@", "\\u0040");
const tokens = ["Write", " to", " zoe", ".", "quill", "@", "example", ".org", " or", " call", " +", "44", " 20", " 7946", " 0958", "."];
const logprob = (token: string) => ({ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)] }] });

describe("real clients read masked replies", () => {
  it("openai chat completions, whole: content, reasoning, escaped tool arguments, logprobs", async () => {
    const client = new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const body = chat.whole(
      { content: TEXT, reasoning_content: `user ${SSN}`, tool_calls: [{ id: "call_1", type: "function", function: { name: "send", arguments: ARGS } }] },
      {},
      { logprobs: { content: tokens.map(logprob), refusal: null } },
    );
    const completion = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], logprobs: true }, { headers: scripted(body, false) });
    const choice = completion.choices[0];
    expect(choice.message.content).toBe(MASKED);
    const call = choice.message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ to: "[EMAIL]" });
    // Only the tokens spelling unchanged text are left, in order.
    expect(choice.logprobs?.content?.map((entry) => entry.token)).toEqual(["Write", " to", " or", " call", "."]);
    clean(completion);
  });

  it("openai chat completions, streamed one character per delta: the stream helper's final completion", async () => {
    const client = new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const sse = chat.stream([
      ...chars(`think ${SSN}`).map((reasoning_content) => ({ reasoning_content })),
      ...tokens.map((token) => chat.chunk({ content: token }, {}, { logprobs: { content: [logprob(token)], refusal: null } })),
      { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } }] },
      ...chars(ARGS).map((piece) => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
    ], "tool_calls");
    const stream = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "hi" }], logprobs: true }, { headers: scripted(sse, true) });
    let deltas = "";
    stream.on("content", (delta) => (deltas += delta));
    const final = await stream.finalChatCompletion();
    expect(deltas).toBe(MASKED);
    expect(final.choices[0].message.content).toBe(MASKED);
    const call = final.choices[0].message.tool_calls?.[0];
    expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ to: "[EMAIL]" });
    expect(final.choices[0].logprobs?.content?.map((entry) => entry.token)).toEqual(["Write", " to", " or", " call", "."]);
    clean(final);
  });

  it("openai Responses, whole and streamed: output text, annotations, reasoning summary", async () => {
    const client = new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const message = responses.message(TEXT, { annotations: [{ type: "url_citation", url: `mailto:${EMAIL}`, title: SSN, start_index: 0, end_index: 5 }] });
    const whole = await client.responses.create({ model: "m", input: "hi" }, { headers: scripted(responses.whole([{ id: "rs", type: "reasoning", summary: [{ type: "summary_text", text: `user ${SSN}` }] }, message]), false) });
    expect(whole.output_text).toBe(MASKED);
    clean(whole);

    const sse = responses.stream([
      ...responses.textEvents(chars(TEXT)),
      ["response.output_text.annotation.added", { item_id: "msg_ev", output_index: 0, content_index: 0, annotation_index: 0, annotation: { type: "url_citation", url: `mailto:${EMAIL}`, title: SSN, start_index: 0, end_index: 5 } }],
    ], [responses.message(TEXT)]);
    const stream = client.responses.stream({ model: "m", input: "hi" }, { headers: scripted(sse, true) });
    let deltas = "";
    stream.on("response.output_text.delta", (event) => (deltas += event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toBe(MASKED);
    expect(final.output_text).toBe(MASKED);
    clean(final);
  });

  it("anthropic messages, whole and streamed: thinking, text, citations, tool input", async () => {
    const client = new Anthropic({ baseURL: `${bed.agent.url}/claude`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const content = [
      { type: "thinking", thinking: `user ${EMAIL}`, signature: "c2ln" },
      { type: "text", text: TEXT, citations: [{ type: "char_location", cited_text: `SSN ${SSN}`, document_index: 0, document_title: "doc", start_char_index: 0, end_char_index: 5 }] },
      { type: "tool_use", id: "tu", name: "send", input: { to: EMAIL } },
    ];
    const whole = await client.messages.create({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { headers: scripted(anthropic.whole(content), false) });
    expect(whole.content[1]).toMatchObject({ type: "text", text: MASKED });
    expect(whole.content[2]).toMatchObject({ type: "tool_use", input: { to: "[EMAIL]" } });
    clean(whole);

    const sse = anthropic.stream([
      ...anthropic.block(0, { type: "thinking", thinking: "" }, "thinking_delta", "thinking", chars(`user ${EMAIL}`)),
      ["content_block_start", { index: 1, content_block: { type: "text", text: "", citations: [] } }],
      ["content_block_delta", { index: 1, delta: { type: "citations_delta", citation: { type: "char_location", cited_text: `SSN ${SSN}`, document_index: 0, document_title: "doc", start_char_index: 0, end_char_index: 5 } } }],
      ...chars(TEXT).map((text): [string, Json] => ["content_block_delta", { index: 1, delta: { type: "text_delta", text } }]),
      ["content_block_stop", { index: 1 }],
      ...anthropic.block(2, { type: "tool_use", id: "tu", name: "send", input: {} }, "input_json_delta", "partial_json", chars(ARGS)),
    ]);
    const stream = client.messages.stream({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { headers: scripted(sse, true) });
    let text = "";
    stream.on("text", (piece) => (text += piece));
    const final = await stream.finalMessage();
    expect(text).toBe(MASKED);
    expect(final.content[0]).toMatchObject({ type: "thinking", thinking: "user [EMAIL]" });
    expect(final.content[1]).toMatchObject({ type: "text", text: MASKED });
    expect(final.content[2]).toMatchObject({ type: "tool_use", input: { to: "[EMAIL]" } });
    clean(final);
  });

  it("text sent after a stream's end marker, which the SDKs append: masked whole, and logprob alternatives of unchanged text read", async () => {
    const openai = new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const withAlternative = (token: string) => ({ logprobs: { content: [{ token, logprob: -0.1, bytes: [...Buffer.from(token)], top_logprobs: [{ token: EMAIL, logprob: -3, bytes: [...Buffer.from(EMAIL)] }] }], refusal: null } });
    const chatSse = chat.stream([chat.chunk({ content: "mail zoe.quill@" }, {}, withAlternative("mail zoe.quill@")), chat.chunk({}, {}, { finish_reason: "stop" }), { content: "example.org" }]);
    const chatStream = openai.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "hi" }], logprobs: true }, { headers: scripted(chatSse, true) });
    const completion = await chatStream.finalChatCompletion();
    expect(completion.choices[0].message.content).toBe("mail [EMAIL]");
    clean(completion);

    const at = { item_id: "msg_ev", output_index: 0, content_index: 0 };
    const responsesSse = responses.stream([
      ["response.output_item.added", { output_index: 0, item: { id: "msg_ev", type: "message", status: "in_progress", role: "assistant", content: [] } }],
      ["response.content_part.added", { ...at, part: { type: "output_text", text: "", annotations: [] } }],
      ["response.output_text.delta", { ...at, delta: "mail zoe.quill@" }],
      ["response.output_text.done", { ...at, text: "mail zoe.quill@" }],
      ["response.output_text.delta", { ...at, delta: "example.org" }],
      ["response.content_part.done", { ...at, part: { type: "output_text", text: "mail zoe.quill@example.org", annotations: [] } }],
      ["response.output_item.done", { output_index: 0, item: responses.message("mail zoe.quill@example.org") }],
    ], [responses.message("mail zoe.quill@example.org")]);
    const responseStream = openai.responses.stream({ model: "m", input: "hi" }, { headers: scripted(responsesSse, true) });
    let deltas = "";
    responseStream.on("response.output_text.delta", (event) => (deltas += event.delta));
    const response = await responseStream.finalResponse();
    expect(deltas).toBe("mail [EMAIL]");
    expect(response.output_text).toBe("mail [EMAIL]");
    clean(response);

    const claude = new Anthropic({ baseURL: `${bed.agent.url}/claude`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const anthropicSse = anthropic.stream([
      ["content_block_start", { index: 0, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "text_delta", text: "mail zoe.quill@" } }],
      ["content_block_stop", { index: 0 }],
      ["content_block_delta", { index: 0, delta: { type: "text_delta", text: "example.org" } }],
    ]);
    const message = await claude.messages.stream({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { headers: scripted(anthropicSse, true) }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text", text: "mail [EMAIL]" });
    clean(message);
  });
});

describe("a crafted stream index", () => {
  it("an Anthropic block whose index is no array index: the stream's error event, uninspectable_response", async () => {
    const claude = new Anthropic({ baseURL: `${bed.agent.url}/claude`, apiKey: await bed.issuer.token(), maxRetries: 0 });
    const sse = anthropic.stream([
      ["content_block_start", { index: "__proto__", content_block: { type: "__proto__", text: "" } }],
      ["content_block_delta", { index: "__proto__", delta: { type: "text_delta", text: TEXT } }],
    ]);
    const stream = claude.messages.stream({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { headers: scripted(sse, true) });
    await expect(stream.finalMessage()).rejects.toThrow(/cannot inspect the reply.*no array index a reader can use/);
  });
});

// The openai SDK asks for base64 embeddings by default (`encoding_format: "base64"`): the vectors
// are base64 of float32s, numbers and not text, and pass as a float array does (embedding-vectors.ts).
describe("embeddings as base64 under a response mask rule", () => {
  const floats = (count: number, seed: number) => Float32Array.from({ length: count }, (_, at) => Math.sin(seed + at * 0.37) * 0.08);
  const vector = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("base64");
  const reply = (items: Json[], extra: Json = {}): Json => ({ object: "list", data: items, model: "text-embedding-3-small", usage: { prompt_tokens: 2, total_tokens: 2 }, ...extra });
  const item = (embedding: string, index = 0, extra: Json = {}): Json => ({ object: "embedding", index, embedding, ...extra });
  const client = async () => new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), maxRetries: 0 });
  const refused = { status: 502, code: "uninspectable_response" };

  it("the SDK's default request: the vectors pass as numbers, whole", async () => {
    const openai = await client();
    const [first, second] = [floats(256, 1), floats(256, 2)];
    const result = await openai.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] }, { headers: scripted(reply([item(vector(first)), item(vector(second), 1)]), false) });
    expect(Array.from(result.data[0].embedding)).toEqual(Array.from(first));
    expect(Array.from(result.data[1].embedding)).toEqual(Array.from(second));
  });

  it("base64 elsewhere in the reply, a vector of a length no float32s have, text in a vector's bytes, floats asked for: refused", async () => {
    const openai = await client();
    const ask = (body: Json, format?: "float" | "base64") => openai.embeddings.create({ model: "m", input: "a", ...(format && { encoding_format: format }) }, { headers: scripted(body, false) });
    const good = vector(floats(256, 3));
    const bytes = Buffer.from(good, "base64");
    await expect(ask(reply([item(good, 0, { extra: vector(floats(256, 4)) })]))).rejects.toMatchObject(refused);
    await expect(ask(reply([item(good)], { note: vector(floats(256, 4)) }))).rejects.toMatchObject(refused);
    await expect(ask(reply([item(bytes.subarray(0, bytes.length - 2).toString("base64"))]))).rejects.toMatchObject(refused);
    await expect(ask(reply([{ object: "thing", index: 0, embedding: good }]))).rejects.toMatchObject(refused);
    const spelled = Buffer.concat([bytes.subarray(0, 512), Buffer.from(`mail ${EMAIL} `.padEnd(32, " ")), bytes.subarray(512)]);
    await expect(ask(reply([item(spelled.toString("base64"))]))).rejects.toMatchObject(refused);
    await expect(ask(reply([item(good)]), "float")).rejects.toMatchObject(refused);
    await expect(ask(reply([item(good)]), "base64")).resolves.toMatchObject({ data: [{ embedding: good }] });
  });
});
