// Masks one SSE response as it streams: splits the upstream bytes into events, lets the
// provider's handler rewrite the events it knows (per-content text streams with hold-back), masks
// every string of any other JSON event (and any non-JSON data as text) on its own, and returns,
// per push, the bytes to send the caller now and the bytes the record keeps. Order is preserved;
// an event is delayed only while text it carries is held back.
import { createFieldEditor } from "./field-editor.js";
import type { MaskContext, ReplyMasker } from "./mask-context.js";
import type { MaskedBody } from "../../core/detectors/mask-types.js";
import type { ParsedData, ParsedEvents } from "../sse/parsed-events.js";
import { parseJsonBodyExact } from "./json-body.js";
import type { Emit, SseHandler, SseHandlerFactory } from "./sse-handler.js";
import { anthropicSse } from "./sse-anthropic.js";
import { openaiChatSse } from "./sse-openai-chat.js";
import { openaiResponsesSse } from "./sse-openai-responses.js";
import { createSseSplitter, withData, type RawEvent } from "./sse-splitter.js";

/** What to send now, and the events in it whose data was parsed here (readers after the masker reuse it). */
export type StreamOutput = MaskedBody & { parsed?: ParsedEvents };

export interface ResponseStream {
  push(chunk: Buffer): StreamOutput;
  end(): StreamOutput;
}

/** An emitted event with the JSON value its data parsed to, when it is known here. */
type Parsed = { emit: Emit; value?: { of: unknown } };

const empty = Buffer.alloc(0);
const LOCATION = "response.stream";

// Chat chunks and Responses events both come from OpenAI connections; a generic connection is often
// an OpenAI- or Anthropic-compatible server: each handler claims only events of its own shape.
const handlerFactories: Record<string, SseHandlerFactory[]> = {
  openai: [openaiChatSse, openaiResponsesSse],
  anthropic: [anthropicSse],
};
const anyShape = [openaiChatSse, openaiResponsesSse, anthropicSse];

function handlerFor(provider: string, reply: ReplyMasker): SseHandler {
  const handlers = (handlerFactories[provider] ?? anyShape).map((factory) => factory(reply));
  return {
    event(event, data) {
      for (const handler of handlers) {
        const emits = handler.event(event, data);
        if (emits) return emits;
      }
      return undefined;
    },
    end: () => handlers.flatMap((handler) => handler.end()),
  };
}

// An event no handler knows: every string of its JSON masked on its own (a value split across such events is not caught).
function maskWhole(event: RawEvent, data: unknown, reply: ReplyMasker): Emit {
  const text = event.data ?? "";
  if (data === undefined) {
    const masked = reply.mask(text, LOCATION);
    return masked.client === text && masked.record === text ? { keep: event } : { otherLines: event.otherLines, data: masked };
  }
  const editor = createFieldEditor((value, location) => {
    const masked = reply.mask(value, location);
    return masked.client === value && masked.record === value ? undefined : masked;
  });
  const root = { data }; // the event's data may itself be a string
  editor.all(root, "data", LOCATION);
  if (!editor.changed) return { keep: event };
  editor.apply("record");
  const record = JSON.stringify(root.data);
  editor.apply("client");
  return { otherLines: event.otherLines, data: { client: JSON.stringify(root.data), record }, root: root.data };
}

// The parsed value goes with an event only while it is what JSON.parse makes of that side's data:
// an edited event's value holds the caller's texts, so the record's side (when it differs) has none.
function render(items: Parsed[]): StreamOutput {
  if (items.length === 0) return { client: empty, record: empty };
  let client = "";
  let record = "";
  const parsed: ParsedEvents = { client: [], record: [] };
  const list = (side: ParsedData[], data: string | undefined, value: { of: unknown } | undefined) => {
    if (value && data !== undefined) side.push({ data, value: value.of });
  };
  for (const { emit, value } of items) {
    if ("keep" in emit) {
      client += emit.keep.raw;
      record += emit.keep.raw;
      list(parsed.client, emit.keep.data, value);
      list(parsed.record, emit.keep.data, value);
    } else {
      client += withData(emit, emit.data.client);
      record += withData(emit, emit.data.record);
      list(parsed.client, emit.data.client, value);
      if (emit.data.record === emit.data.client) list(parsed.record, emit.data.record, value);
    }
  }
  const clientBytes = Buffer.from(client, "utf8");
  const same = client === record;
  return { client: clientBytes, record: same ? clientBytes : Buffer.from(record, "utf8"), parsed: same ? { client: parsed.client, record: parsed.client } : parsed };
}

/** A masker for one SSE response of `provider` (the stream is passed through when the reply needs no masking). */
export function createResponseStream(provider: string, _path: string, context: MaskContext): ResponseStream {
  const reply = context.reply;
  if (!reply.active) return { push: (chunk) => ({ client: chunk, record: chunk }), end: () => ({ client: empty, record: empty }) };
  const splitter = createSseSplitter();
  const handler = handlerFor(provider, reply);
  const process = (events: RawEvent[]): Parsed[] =>
    events.flatMap((event): Parsed[] => {
      if (event.data === undefined) return [{ emit: { keep: event } }];
      const { value: data, plain } = parseJsonBodyExact(event.data);
      const emits = handler.event(event, data) ?? [maskWhole(event, data, reply)];
      // Shared only when it is JSON.parse's value (no number kept as source text) of this event's data.
      if (!plain) return emits.map((emit) => ({ emit }));
      return emits.map((emit) => {
        if ("keep" in emit) return { emit, value: emit.keep === event ? { of: data } : undefined };
        return { emit, value: emit.root === undefined ? undefined : { of: emit.root } };
      });
    });
  return {
    push: (chunk) => render(process(splitter.push(chunk))),
    end: () => render([...process(splitter.end()), ...handler.end().map((emit) => ({ emit }))]),
  };
}
