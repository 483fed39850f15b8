// SSE masking for OpenAI chat completions: each choice's `delta.content` and `delta.refusal` is a
// text stream, each tool call's `function.arguments` a JSON text stream. A chunk carries what its
// streams release now (maybe ""); the chunk with the choice's `finish_reason` also carries what
// they still held. Held text left at `[DONE]` (or the end) goes out in a chunk made like the last one.
import type { TwoTexts } from "./replacer.js";
import { createJsonEdits, createStreamSet, emitEdited, isEmpty, joinTexts, synthesized, type Emit, type SseHandlerFactory } from "./sse-handler.js";
import { objectAt } from "./walk-helpers.js";

type Json = Record<string, unknown>;
const TEXT_FIELDS = ["content", "refusal"] as const;

export const openaiChatSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  let template: Json = { object: "chat.completion.chunk" };
  const location = (choice: number, field: string) => `response.stream.choices[${choice}].${field}`;

  // Tails of a choice's open streams, by field ("content", "refusal", tool call index).
  const flushChoice = (choice: number): Map<string | number, TwoTexts> => {
    const tails = new Map<string | number, TwoTexts>();
    for (const key of streams.open()) {
      const [owner, field] = key.split(".");
      if (Number(owner) !== choice) continue;
      const tail = (streams.get(key) ?? streams.text(key, "")).flush();
      if (!isEmpty(tail)) tails.set(field.startsWith("tool") ? Number(field.slice(4)) : field, tail);
    }
    return tails;
  };

  const maskChoice = (choice: Json, position: number, edits: ReturnType<typeof createJsonEdits>) => {
    const index = typeof choice.index === "number" ? choice.index : position;
    const finishing = choice.finish_reason !== null && choice.finish_reason !== undefined;
    const delta = objectAt(choice.delta) ?? (finishing ? (choice.delta = {}) : undefined);
    if (!delta) return;
    const outs = new Map<string | number, { container: Json; key: string; texts: TwoTexts }>();
    for (const field of TEXT_FIELDS) {
      const piece = delta[field];
      if (typeof piece === "string") outs.set(field, { container: delta, key: field, texts: streams.text(`${index}.${field}`, location(index, field)).push(piece) });
    }
    const calls = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const call of calls) {
      const fn = objectAt(objectAt(call)?.function);
      const callIndex = objectAt(call)?.index;
      if (!fn || typeof callIndex !== "number" || typeof fn.arguments !== "string") continue;
      const stream = streams.json(`${index}.tool${callIndex}`, location(index, `tool_calls[${callIndex}].function.arguments`));
      outs.set(callIndex, { container: fn, key: "arguments", texts: stream.push(fn.arguments) });
    }
    if (finishing) {
      for (const [field, tail] of flushChoice(index)) {
        const out = outs.get(field);
        if (out) out.texts = joinTexts(out.texts, tail);
        else if (typeof field === "string") outs.set(field, { container: delta, key: field, texts: tail });
        else {
          const fn: Json = { arguments: "" };
          calls.push({ index: field, function: fn });
          delta.tool_calls = calls;
          outs.set(field, { container: fn, key: "arguments", texts: tail });
        }
      }
    }
    for (const out of outs.values()) edits.set(out.container, out.key, out.texts);
  };

  // A chunk carrying every held tail, made like the last chunk seen.
  const flushAll = (): Emit[] => {
    const choices = new Map<number, Json>();
    for (const key of streams.open()) {
      const choice = Number(key.split(".")[0]);
      if (!choices.has(choice)) choices.set(choice, { index: choice, delta: {}, finish_reason: null });
    }
    if (choices.size === 0) return [];
    const chunk = { ...template, choices: [...choices.values()] };
    const edits = createJsonEdits();
    for (const choice of chunk.choices) {
      for (const [field, tail] of flushChoice(choice.index as number)) {
        const delta = choice.delta as Json;
        if (typeof field === "string") edits.set(delta, field, tail);
        else {
          const fn: Json = { arguments: "" };
          delta.tool_calls = [...((delta.tool_calls as Json[] | undefined) ?? []), { index: field, function: fn }];
          edits.set(fn, "arguments", tail);
        }
      }
    }
    const data = edits.render(chunk);
    return data ? [synthesized("", data)] : [];
  };

  return {
    event(event, data) {
      if (data === undefined && event.data?.trim() === "[DONE]") return [...flushAll(), { keep: event }];
      const chunk = objectAt(data);
      if (!chunk || !Array.isArray(chunk.choices)) return undefined;
      const { id, object, created, model, system_fingerprint, service_tier } = chunk;
      template = { id, object, created, model, system_fingerprint, service_tier };
      const edits = createJsonEdits();
      chunk.choices.forEach((choice, position) => {
        const object = objectAt(choice);
        if (object) maskChoice(object, position, edits);
      });
      return [emitEdited(event, chunk, edits)];
    },
    end: flushAll,
  };
};
