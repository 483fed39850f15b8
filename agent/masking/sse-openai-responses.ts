// SSE masking for the OpenAI Responses API. Each `….delta` event of a text kind (output text,
// refusal, reasoning text and summaries, function call arguments as JSON) feeds the text stream of
// its output item and part; its `….done` event first releases what that stream still held (as one
// more delta event, with the done event's sequence number) and then carries the masked full text.
// The events that repeat whole texts later (content_part.done, output_item.done, and the final
// response.completed/incomplete/failed) carry exactly the text the deltas gave, so a client that
// rebuilds the text from deltas and one that reads the final response see the same thing.
import type { TwoTexts } from "./replacer.js";
import { createJsonEdits, createStreamSet, emitEdited, isEmpty, synthesized, type Emit, type JsonEdits, type SseHandlerFactory } from "./sse-handler.js";
import { objectAt } from "./walk-helpers.js";

type Json = Record<string, unknown>;

interface Kind {
  /** Field of the done event (and of the part or item) that holds the full text. */
  field: string;
  /** Stream key from output index and content (or summary) index. */
  key: (output: number, part: number) => string;
  location: (output: number, part: number) => string;
  json?: boolean;
  /** The index field naming the part: content_index or summary_index. */
  partField?: string;
  extra?: Json;
}

const at = (output: number) => `response.stream.output[${output}]`;
const kinds: Record<string, Kind> = {
  "response.output_text": { field: "text", key: (o, c) => `${o}.${c}.text`, location: (o, c) => `${at(o)}.content[${c}].text`, partField: "content_index", extra: { logprobs: [] } },
  "response.refusal": { field: "refusal", key: (o, c) => `${o}.${c}.refusal`, location: (o, c) => `${at(o)}.content[${c}].refusal`, partField: "content_index" },
  "response.reasoning_text": { field: "text", key: (o, c) => `${o}.${c}.reasoning`, location: (o, c) => `${at(o)}.content[${c}].text`, partField: "content_index" },
  "response.reasoning_summary_text": { field: "text", key: (o, s) => `${o}.s${s}`, location: (o, s) => `${at(o)}.summary[${s}].text`, partField: "summary_index" },
  "response.function_call_arguments": { field: "arguments", key: (o) => `${o}.arguments`, location: (o) => `${at(o)}.arguments`, json: true },
  "response.custom_tool_call_input": { field: "input", key: (o) => `${o}.input`, location: (o) => `${at(o)}.input` },
};
const partKinds: Record<string, string> = { output_text: "response.output_text", refusal: "response.refusal", reasoning_text: "response.reasoning_text" };
const FINAL_RESPONSES = new Set(["response.completed", "response.incomplete", "response.failed"]);
const index = (value: unknown) => (typeof value === "number" ? value : 0);

export const openaiResponsesSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  const made = new Map<string, { kindName: string; output: number; part: number }>();
  const stream = (kindName: string, output: number, part: number) => {
    const kind = kinds[kindName];
    const key = kind.key(output, part);
    if (!made.has(key)) made.set(key, { kindName, output, part });
    return (kind.json ? streams.json : streams.text)(key, kind.location(output, part));
  };

  // Releases what the stream still holds as a delta event; then returns its whole masked text.
  // A text never streamed is masked whole here, once (later repeats reuse it).
  const finalText = (kindName: string, output: number, part: number, original: string, ids: Json, sequence: unknown, emits: Emit[]): TwoTexts => {
    const kind = kinds[kindName];
    const existing = streams.get(kind.key(output, part));
    if (!existing) {
      const fresh = stream(kindName, output, part);
      fresh.push(original);
      fresh.flush();
      return fresh.emitted;
    }
    if (!existing.finished) {
      const tail = existing.flush();
      if (!isEmpty(tail)) {
        const delta: Json = { type: `${kindName}.delta`, sequence_number: sequence, ...ids, delta: "", ...kind.extra };
        const edits = createJsonEdits();
        edits.set(delta, "delta", tail);
        const data = edits.render(delta);
        if (data) emits.push(synthesized(`${kindName}.delta`, data));
      }
    }
    return existing.emitted;
  };

  const maskItem = (item: Json, output: number, sequence: unknown, edits: JsonEdits, emits: Emit[]) => {
    const ids = { item_id: item.id, output_index: output };
    const contents = Array.isArray(item.content) ? item.content : [];
    contents.forEach((content, position) => {
      const part = objectAt(content);
      const kindName = partKinds[String(part?.type)];
      const field = kindName && kinds[kindName].field;
      if (part && field && typeof part[field] === "string") {
        edits.set(part, field, finalText(kindName, output, position, part[field] as string, { ...ids, content_index: position }, sequence, emits));
      }
    });
    const summaries = Array.isArray(item.summary) ? item.summary : [];
    summaries.forEach((summary, position) => {
      const part = objectAt(summary);
      if (part && typeof part.text === "string") {
        edits.set(part, "text", finalText("response.reasoning_summary_text", output, position, part.text, { ...ids, summary_index: position }, sequence, emits));
      }
    });
    for (const kindName of ["response.function_call_arguments", "response.custom_tool_call_input"]) {
      const field = kinds[kindName].field;
      if (typeof item[field] === "string") edits.set(item, field, finalText(kindName, output, 0, item[field] as string, ids, sequence, emits));
    }
  };

  return {
    event(event, data) {
      const object = objectAt(data);
      const type = typeof object?.type === "string" ? object.type : "";
      if (!object || !type.startsWith("response.")) return undefined;
      const edits = createJsonEdits();
      const emits: Emit[] = [];
      const output = index(object.output_index);
      const base = type.replace(/\.(delta|done)$/, "");
      const kind = kinds[base];
      const part = kind?.partField ? index(object[kind.partField]) : 0;
      if (kind && type.endsWith(".delta") && typeof object.delta === "string") {
        edits.set(object, "delta", stream(base, output, part).push(object.delta));
      } else if (kind && type.endsWith(".done") && typeof object[kind.field] === "string") {
        const ids: Json = { item_id: object.item_id, output_index: object.output_index };
        if (kind.partField) ids[kind.partField] = object[kind.partField];
        edits.set(object, kind.field, finalText(base, output, part, object[kind.field] as string, ids, object.sequence_number, emits));
      } else if ((type === "response.content_part.done" || type === "response.reasoning_summary_part.done") && objectAt(object.part)) {
        const parts: unknown[] = [];
        const summary = type === "response.reasoning_summary_part.done";
        parts[index(summary ? object.summary_index : object.content_index)] = object.part;
        maskItem({ id: object.item_id, [summary ? "summary" : "content"]: parts }, output, object.sequence_number, edits, emits);
      } else if (type === "response.output_item.done" && objectAt(object.item)) {
        maskItem(object.item as Json, output, object.sequence_number, edits, emits);
      } else if (FINAL_RESPONSES.has(type) && objectAt(object.response)) {
        const items = (object.response as Json).output;
        if (Array.isArray(items)) items.forEach((item, position) => { if (objectAt(item)) maskItem(item as Json, position, object.sequence_number, edits, emits); });
      } else if (kind || type.endsWith(".added") || type === "response.created" || type === "response.in_progress") {
        return [{ keep: event }];
      } else return undefined;
      return [...emits, emitEdited(event, object, edits)];
    },
    end() {
      const emits: Emit[] = [];
      for (const key of streams.open()) {
        const { kindName, output, part } = made.get(key) as { kindName: string; output: number; part: number };
        const ids: Json = { output_index: output };
        const partField = kinds[kindName].partField;
        if (partField) ids[partField] = part;
        finalText(kindName, output, part, "", ids, undefined, emits);
      }
      return emits;
    },
  };
};
