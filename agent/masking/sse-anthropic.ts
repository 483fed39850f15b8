// SSE masking for Anthropic Messages: a content block's `text_delta` text, `thinking_delta`
// thinking and `input_json_delta` partial JSON (tool input, as JSON text) are the API's appended
// deltas: each is a text stream of its block (starting with the text a `content_block_start`
// carries); a delta event carries what its stream releases now, and `content_block_stop` is preceded
// by one more `content_block_delta` with what the block still held (at `message_stop` or the end,
// every block's). Readers join consecutive text blocks (and thinking blocks): a block's stream
// continues the previous one's (a value reaching across the boundary is masked from the new block's
// start on). Every other field of every event (citations, signatures, server tool results,
// message_start's message, unknown delta or event types) is left to the generic pass.
import { createStreamSet, isEmpty, synthesize, type SseHandlerFactory, type Synthesized } from "./sse-handler.js";
import { objectAt } from "./walk-helpers.js";

type Json = Record<string, unknown>;

// Delta type → the field it carries, and whether that is JSON text.
const deltas: Record<string, { field: string; json?: boolean; location: string }> = {
  text_delta: { field: "text", location: "text" },
  thinking_delta: { field: "thinking", location: "thinking" },
  input_json_delta: { field: "partial_json", json: true, location: "input" },
};
// A block that opens with text of a delta type.
const startTypes: Record<string, string> = { text: "text_delta", thinking: "thinking_delta" };
const KNOWN_EVENTS = new Set(["message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta", "content_block_stop", "ping", "error"]);

export const anthropicSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  const deltaTypes = new Map<string, string>(); // stream key → delta type
  const tails = new Map<string, string>(); // delta type → tail of its last flushed block
  const stream = (block: number, deltaType: string) => {
    const spec = deltas[deltaType];
    const key = `${block}.${deltaType}`;
    deltaTypes.set(key, deltaType);
    const location = `response.stream.content[${block}].${spec.location}`;
    return spec.json ? streams.json(key, location) : streams.text(key, location, streams.get(key) ? undefined : tails.get(deltaType));
  };

  // One content_block_delta per stream of `block` (or of every block) that still held text.
  const flush = (block?: number): Synthesized[] => {
    const made: Synthesized[] = [];
    for (const key of streams.open()) {
      const index = Number(key.split(".")[0]);
      if (block !== undefined && index !== block) continue;
      const flushed = streams.get(key) as NonNullable<ReturnType<typeof streams.get>>;
      const tail = flushed.flush();
      const type = deltaTypes.get(key) as string;
      tails.set(type, flushed.tail);
      if (isEmpty(tail)) continue;
      const delta: Json = { type, [deltas[type].field]: "" };
      const event = synthesize("content_block_delta", { type: "content_block_delta", index, delta }, (draft) => draft.set(delta, deltas[type].field, tail));
      if (event) made.push(event);
    }
    return made;
  };

  return {
    event({ data, draft, claims }) {
      const object = objectAt(data);
      const type = object?.type;
      if (!object || typeof type !== "string" || !KNOWN_EVENTS.has(type)) return undefined;
      const block = typeof object.index === "number" ? object.index : 0;
      if (type === "content_block_delta") {
        const delta = objectAt(object.delta);
        const spec = delta && deltas[String(delta.type)];
        const piece = spec && delta[spec.field];
        if (!delta || !spec || typeof piece !== "string") return [];
        draft.set(delta, spec.field, stream(block, String(delta.type)).push(piece));
        claims.claim(delta, spec.field);
        return [];
      }
      if (type === "content_block_start") {
        const content = objectAt(object.content_block);
        const initial = content && startTypes[String(content.type)];
        const field = initial && deltas[initial].field;
        if (!content || !initial || !field || typeof content[field] !== "string") return [];
        draft.set(content, field, stream(block, initial).push(content[field] as string));
        claims.claim(content, field);
        return [];
      }
      if (type === "content_block_stop") return flush(block);
      if (type === "message_stop") return flush();
      return [];
    },
    end: () => flush(),
  };
};
