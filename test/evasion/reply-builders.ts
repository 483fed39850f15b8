// Builders of provider replies for the response-side evasion corpus: whole bodies and SSE streams in
// the shapes of OpenAI chat completions, the OpenAI Responses API and Anthropic Messages, with
// helpers that split a text into the pieces a crafted stream sends it in.

export type Json = Record<string, unknown>;

/** `text` in `count` pieces of roughly equal length (at least one character each). */
export function split(text: string, count: number): string[] {
  const chars = [...text];
  const size = Math.max(1, Math.ceil(chars.length / count));
  const pieces: string[] = [];
  for (let at = 0; at < chars.length; at += size) pieces.push(chars.slice(at, at + size).join(""));
  return pieces;
}

/** One piece per character. */
export const chars = (text: string) => [...text];

const sseData = (value: unknown) => `data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`;
const sseNamed = (name: string, value: unknown) => `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;

/** OpenAI chat completions. */
export const chat = {
  whole(message: Json, extra: Json = {}, choice: Json = {}): Json {
    return {
      id: "chatcmpl-ev", object: "chat.completion", created: 1, model: "gpt-ev", system_fingerprint: null,
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, ...message }, logprobs: null, finish_reason: "stop", ...choice }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      ...extra,
    };
  },
  chunk(delta: Json, extra: Json = {}, choice: Json = {}): Json {
    return { id: "chatcmpl-ev", object: "chat.completion.chunk", created: 1, model: "gpt-ev", choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...choice }], ...extra };
  },
  /** A stream: a role chunk, `chunks` (deltas or whole chunk objects), a finish chunk, [DONE]. */
  stream(chunks: (Json | string)[], finish = "stop"): string {
    let out = sseData(chat.chunk({ role: "assistant", content: "" }));
    for (const chunk of chunks) out += typeof chunk === "string" ? chunk : sseData("choices" in chunk ? chunk : chat.chunk(chunk));
    out += sseData(chat.chunk({}, {}, { finish_reason: finish }));
    return out + sseData("[DONE]");
  },
};

/** The OpenAI Responses API. */
export const responses = {
  whole(output: Json[], extra: Json = {}): Json {
    return { id: "resp_ev", object: "response", created_at: 1, status: "completed", model: "gpt-ev", output, usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 }, error: null, ...extra };
  },
  message(text: string, part: Json = {}): Json {
    return { id: "msg_ev", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [], ...part }] };
  },
  /** A stream of `events` (type and fields) between response.created and response.completed with `final` output. */
  stream(events: [string, Json][], final: Json[] = []): string {
    let sequence = 0;
    const event = (type: string, fields: Json) => sseNamed(type, { type, sequence_number: sequence++, ...fields });
    let out = event("response.created", { response: responses.whole([], { status: "in_progress", usage: null }) });
    for (const [type, fields] of events) out += event(type, fields);
    return out + event("response.completed", { response: responses.whole(final) });
  },
  /** Text deltas of one output_text part, with its added/done events. */
  textEvents(pieces: string[], extra: (piece: string) => Json = () => ({})): [string, Json][] {
    const at = { item_id: "msg_ev", output_index: 0, content_index: 0 };
    const text = pieces.join("");
    return [
      ["response.output_item.added", { output_index: 0, item: { id: "msg_ev", type: "message", status: "in_progress", role: "assistant", content: [] } }],
      ["response.content_part.added", { ...at, part: { type: "output_text", text: "", annotations: [] } }],
      ...pieces.map((delta): [string, Json] => ["response.output_text.delta", { ...at, delta, ...extra(delta) }]),
      ["response.output_text.done", { ...at, text }],
      ["response.content_part.done", { ...at, part: { type: "output_text", text, annotations: [] } }],
      ["response.output_item.done", { output_index: 0, item: responses.message(text) }],
    ];
  },
};

/** Anthropic Messages. */
export const anthropic = {
  whole(content: Json[], extra: Json = {}): Json {
    return { id: "msg_ev", type: "message", role: "assistant", model: "claude-ev", content, stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 }, ...extra };
  },
  /** A stream: message_start, `events` (type and fields), message_delta, message_stop. */
  stream(events: [string, Json][], start: Json = {}): string {
    let out = sseNamed("message_start", { type: "message_start", message: { ...anthropic.whole([], { stop_reason: null }), ...start } });
    for (const [type, fields] of events) out += sseNamed(type, { type, ...fields });
    out += sseNamed("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } });
    return out + sseNamed("message_stop", { type: "message_stop" });
  },
  /** A content block at `index`: start, one delta per piece (of `deltaType`, field `field`), stop. */
  block(index: number, start: Json, deltaType: string, field: string, pieces: string[]): [string, Json][] {
    return [
      ["content_block_start", { index, content_block: start }],
      ...pieces.map((piece): [string, Json] => ["content_block_delta", { index, delta: { type: deltaType, [field]: piece } }]),
      ["content_block_stop", { index }],
    ];
  },
};

/** SSE text of one event (for hand-made lines). */
export const sse = { data: sseData, named: sseNamed };
