// Streamed OpenAI chat (and legacy) completions report usage only when the request says
// `stream_options: {include_usage: true}`. When the caller did not ask, the agent asks for it on the
// caller's behalf (so every stream is counted) and removes the one extra chunk it causes — the
// usage-only chunk with `choices: []` — from what the caller receives; the record keeps it. The
// `usage: null` field that option adds to every other chunk is left in place: it is part of the
// documented chunk shape, and the OpenAI SDKs read it as absent usage.
import { isUtf8 } from "node:buffer";
import { createSseSplitter, type RawEvent } from "../masking/sse-splitter.js";
import { objectAt, parseJson } from "./json-fields.js";
import type { StreamFilter, StreamUsageRewrite } from "./provider.js";

const STREAMING_PATHS = /\/(?:chat\/)?completions$/;

/** The rewrite for a request that streams without asking for usage; undefined otherwise. */
export function openaiStreamUsage(path: string, body: unknown): StreamUsageRewrite | undefined {
  const request = objectAt(body);
  if (request?.stream !== true || !STREAMING_PATHS.test(path.split("?")[0]!)) return undefined;
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

const LF = 0x0a;
const CR = 0x0d;
const BLANKS = new Set([0x20, 0x09, CR, LF]);

/** True when the bytes hold "[", blanks, "]" (emptyArray, without decoding them). */
function holdsEmptyArray(chunk: Buffer): boolean {
  for (let at = chunk.indexOf(0x5b); at !== -1; at = chunk.indexOf(0x5b, at + 1)) {
    let next = at + 1;
    while (next < chunk.length && BLANKS.has(chunk[next]!)) next++;
    if (next === chunk.length || chunk[next] === 0x5d) return true; // at the end: may close in the next chunk
  }
  return false;
}

/** True when the bytes end with a blank line ("\n\n" or "\r\n\r\n"): every event in them is complete. */
function endsWithBlankLine(chunk: Buffer): boolean {
  const n = chunk.length;
  return (n >= 2 && chunk[n - 1] === LF && chunk[n - 2] === LF) || (n >= 4 && chunk[n - 1] === LF && chunk[n - 2] === CR && chunk[n - 3] === LF && chunk[n - 4] === CR);
}

/**
 * Passes a chat completion stream through event by event, minus usage-only chunks. A chunk that
 * starts and ends on an event boundary (as the masker's output always does, and a provider's
 * stream read by read most of the time), is valid UTF-8 and holds no empty array goes through as
 * it is, neither split nor re-encoded: splitting it would give back the same bytes. The stream's
 * first chunk too (a fast provider's or the masker's whole reply is often one), unless it may open
 * with a byte order mark, which splitting drops; the splitter is made only when a chunk needs it,
 * told whether the stream's start went by untouched.
 */
export function createUsageChunkFilter(): StreamFilter {
  let splitter: ReturnType<typeof createSseSplitter> | undefined;
  let started = false;
  // The splitter holds nothing (no partial event or character) before this chunk.
  let atBoundary = true;
  const keep = (events: RawEvent[]): Buffer =>
    Buffer.from(events.filter((event) => !isUsageOnlyChunk(event.data)).map((event) => event.raw).join(""), "utf8");
  return {
    push(chunk) {
      if (chunk.length === 0) return chunk;
      const wasAtBoundary = atBoundary && (started || chunk[0] !== 0xef); // 0xEF opens a UTF-8 BOM
      atBoundary = endsWithBlankLine(chunk);
      if (wasAtBoundary && atBoundary && isUtf8(chunk) && !holdsEmptyArray(chunk)) {
        started = true;
        return chunk;
      }
      splitter ??= createSseSplitter(false, !started);
      started = true;
      return keep(splitter.push(chunk));
    },
    end: () => (splitter ? keep(splitter.end()) : Buffer.alloc(0)),
  };
}
