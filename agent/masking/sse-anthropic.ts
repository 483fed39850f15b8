// SSE masking for Anthropic Messages: each content block's `text_delta` text, `thinking_delta`
// thinking and `input_json_delta` partial JSON (tool input) is a text stream of that block; a
// delta event carries what the stream releases now; `content_block_stop` is preceded by one more
// `content_block_delta` with what the block still held. Held text left at `message_stop` (or the
// end of the stream) goes out the same way.
import { createJsonEdits, createStreamSet, emitEdited, isEmpty, synthesized, type Emit, type SseHandlerFactory } from "./sse-handler.js";
import { objectAt } from "./walk-helpers.js";

type Json = Record<string, unknown>;

// Delta type → the field it carries, and whether that is JSON text.
const deltas: Record<string, { field: string; json?: boolean; location: string }> = {
  text_delta: { field: "text", location: "text" },
  thinking_delta: { field: "thinking", location: "thinking" },
  input_json_delta: { field: "partial_json", json: true, location: "input" },
};

export const anthropicSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  const deltaTypes = new Map<string, string>(); // stream key → delta type
  const stream = (block: number, deltaType: string) => {
    const spec = deltas[deltaType];
    const key = `${block}.${deltaType}`;
    deltaTypes.set(key, deltaType);
    return (spec.json ? streams.json : streams.text)(key, `response.stream.content[${block}].${spec.location}`);
  };

  // One content_block_delta per stream of `block` (or of every block) that still held text.
  const flush = (block?: number): Emit[] => {
    const emits: Emit[] = [];
    for (const key of streams.open()) {
      const index = Number(key.split(".")[0]);
      if (block !== undefined && index !== block) continue;
      const tail = (streams.get(key) ?? stream(index, "text_delta")).flush();
      if (isEmpty(tail)) continue;
      const type = deltaTypes.get(key) as string;
      const delta: Json = { type, [deltas[type].field]: "" };
      const event = { type: "content_block_delta", index, delta };
      const edits = createJsonEdits();
      edits.set(delta, deltas[type].field, tail);
      const data = edits.render(event);
      if (data) emits.push(synthesized("content_block_delta", data));
    }
    return emits;
  };

  return {
    event(event, data) {
      const object = objectAt(data);
      const type = object?.type;
      if (!object || typeof type !== "string") return undefined;
      const block = typeof object.index === "number" ? object.index : 0;
      if (type === "content_block_delta") {
        const delta = objectAt(object.delta);
        const spec = delta && deltas[String(delta.type)];
        if (!delta || !spec) return [{ keep: event }]; // signature_delta, citations_delta
        const piece = delta[spec.field];
        if (typeof piece !== "string") return [{ keep: event }];
        const edits = createJsonEdits();
        edits.set(delta, spec.field, stream(block, String(delta.type)).push(piece));
        return [emitEdited(event, object, edits)];
      }
      if (type === "content_block_start") {
        const content = objectAt(object.content_block);
        const initial = content && (content.type === "text" ? "text_delta" : content.type === "thinking" ? "thinking_delta" : undefined);
        if (!content || !initial || typeof content[deltas[initial].field] !== "string" || content[deltas[initial].field] === "") return [{ keep: event }];
        const edits = createJsonEdits();
        edits.set(content, deltas[initial].field, stream(block, initial).push(content[deltas[initial].field] as string));
        return [emitEdited(event, object, edits)];
      }
      if (type === "content_block_stop") return [...flush(block), { keep: event }];
      if (type === "message_stop") return [...flush(), { keep: event }];
      if (type === "message_start" || type === "message_delta" || type === "ping") return [{ keep: event }];
      return undefined;
    },
    end: () => flush(),
  };
};
