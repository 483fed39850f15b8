// Streamed OpenAI chat (and legacy) completions report usage only when the request says
// `stream_options: {include_usage: true}`. When the caller did not ask, the agent asks for it on the
// caller's behalf (so every stream is counted) and removes the one extra chunk it causes — the
// usage-only chunk with `choices: []` — from what the caller receives; the record keeps it. The
// `usage: null` field that option adds to every other chunk is left in place: it is part of the
// documented chunk shape, and the OpenAI SDKs read it as absent usage.
import { createSseSplitter } from "../masking/sse-splitter.js";
import { objectAt, parseJson } from "./json-fields.js";
import type { StreamFilter, StreamUsageRewrite } from "./provider.js";

const STREAMING_PATHS = /\/(?:chat\/)?completions$/;

/** The rewrite for a request that streams without asking for usage; undefined otherwise. */
export function openaiStreamUsage(path: string, body: unknown): StreamUsageRewrite | undefined {
  const request = objectAt(body);
  if (!request || request.stream !== true || !STREAMING_PATHS.test(path.split("?")[0]!)) return undefined;
  const options = objectAt(request.stream_options);
  if (options?.include_usage === true) return undefined;
  const rewritten = { ...request, stream_options: { ...(options ?? {}), include_usage: true } };
  return { body: Buffer.from(JSON.stringify(rewritten), "utf8"), filter: createUsageChunkFilter };
}

// An empty array has one spelling in JSON ("[", blanks, "]"): data without one cannot have
// `choices: []`, so the (2,000 a reply) content chunks are not parsed here at all.
const emptyArray = /\[[ \t\r\n]*\]/;

/** True for the chunk `include_usage` adds: usage set, no choices. */
function isUsageOnlyChunk(data: string | undefined): boolean {
  if (data === undefined || !emptyArray.test(data)) return false;
  const chunk = objectAt(parseJson(data));
  return Array.isArray(chunk?.choices) && chunk.choices.length === 0 && objectAt(chunk.usage) !== undefined;
}

/** Passes a chat completion stream through event by event, minus usage-only chunks. */
export function createUsageChunkFilter(): StreamFilter {
  const splitter = createSseSplitter();
  const keep = (events: ReturnType<typeof splitter.push>): Buffer =>
    Buffer.from(events.filter((event) => !isUsageOnlyChunk(event.data)).map((event) => event.raw).join(""), "utf8");
  return {
    push: (chunk) => keep(splitter.push(chunk)),
    end: () => keep(splitter.end()),
  };
}
