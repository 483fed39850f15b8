// Provider SSE streams for the engine's tests, as the real APIs send them, with the text (and tool
// arguments) split into one-character deltas; and a helper that plays bytes through a session in
// small network chunks.
import type { MaskSession } from "./mask-session.js";

type Json = Record<string, unknown>;
const chars = (text: string) => [...text];
const data = (value: unknown) => `data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`;
const named = (name: string, value: Json) => `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;

/** A chat completions stream: `text` then a tool call with `args`, one character per chunk. */
export function chatStream(text: string, args?: string): string {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", system_fingerprint: null };
  const chunk = (delta: Json, finish: string | null = null) => data({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  let out = chunk({ role: "assistant", content: "" });
  for (const c of chars(text)) out += chunk({ content: c });
  if (args !== undefined) {
    out += chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } }] });
    for (const c of chars(args)) out += chunk({ tool_calls: [{ index: 0, function: { arguments: c } }] });
  }
  out += chunk({}, args === undefined ? "stop" : "tool_calls");
  out += data({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  return out + data("[DONE]");
}

/** A Responses API stream of one message with `text`, one character per delta. */
export function responsesStream(text: string): string {
  let sequence = 0;
  const event = (type: string, fields: Json) => named(type, { type, sequence_number: sequence++, ...fields });
  const part = (partText: string) => ({ type: "output_text", text: partText, annotations: [], logprobs: [] });
  const item = (status: string, content: Json[]) => ({ id: "msg_1", type: "message", status, role: "assistant", content });
  const response = (status: string, output: Json[]) => ({ id: "resp_1", object: "response", created_at: 1, status, model: "gpt-4o", output, usage: null, error: null, incomplete_details: null, instructions: null, metadata: {}, parallel_tool_calls: true, temperature: 1, top_p: 1, tool_choice: "auto", tools: [], text: { format: { type: "text" } } });
  const at = { item_id: "msg_1", output_index: 0, content_index: 0 };
  let out = event("response.created", { response: response("in_progress", []) });
  out += event("response.output_item.added", { output_index: 0, item: item("in_progress", []) });
  out += event("response.content_part.added", { ...at, part: part("") });
  for (const c of chars(text)) out += event("response.output_text.delta", { ...at, delta: c, logprobs: [] });
  out += event("response.output_text.done", { ...at, text, logprobs: [] });
  out += event("response.content_part.done", { ...at, part: part(text) });
  out += event("response.output_item.done", { output_index: 0, item: item("completed", [part(text)]) });
  return out + event("response.completed", { response: response("completed", [item("completed", [part(text)])]) });
}

/** An Anthropic Messages stream: a text block with `text`, then a tool_use block whose input JSON is `input`. */
export function anthropicStream(text: string, input?: string): string {
  const message = { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
  let out = named("message_start", { type: "message_start", message });
  out += named("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  out += named("ping", { type: "ping" });
  for (const c of chars(text)) out += named("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: c } });
  out += named("content_block_stop", { type: "content_block_stop", index: 0 });
  if (input !== undefined) {
    out += named("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "send", input: {} } });
    for (const c of chars(input)) out += named("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: c } });
    out += named("content_block_stop", { type: "content_block_stop", index: 1 });
  }
  out += named("message_delta", { type: "message_delta", delta: { stop_reason: input === undefined ? "end_turn" : "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } });
  return out + named("message_stop", { type: "message_stop" });
}

/** Plays `sse` through a fresh response stream of `session` in chunks of `size` bytes. */
export function playStream(session: MaskSession, sse: string, size = 7): { client: string; record: string; pieces: string[] } {
  const stream = session.responseStream();
  const bytes = Buffer.from(sse, "utf8");
  const client: Buffer[] = [];
  const record: Buffer[] = [];
  const pieces: string[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const out = stream.push(bytes.subarray(at, at + size));
    client.push(out.client);
    record.push(out.record);
    pieces.push(out.client.toString("utf8"));
  }
  const out = stream.end();
  client.push(out.client);
  record.push(out.record);
  return { client: Buffer.concat(client).toString("utf8"), record: Buffer.concat(record).toString("utf8"), pieces };
}

/** A fetch that answers every request with `body` as an event stream (to feed a real SDK). */
export function sseFetch(body: string): typeof fetch {
  return async () => new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}
