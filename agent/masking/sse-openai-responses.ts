// SSE masking for the OpenAI Responses API. By the API's own rule, an event `X.delta` carries a
// piece of text appended to what earlier `X.delta` events of the same output (and part) carried,
// and `X.done` closes it: every such X is a text stream, whatever X is (output text, refusal,
// reasoning text and summaries, function, MCP and custom tool call input, code interpreter code,
// audio transcripts, kinds added later), JSON text when X ends in `arguments`. `X.done` first releases
// what the stream still held (one more `X.delta` with the done event's sequence number) and then
// carries the stream's masked full text — once the next event has shown that the stream does not go
// on (readers append an `X.delta` sent after `X.done`; when one comes, the stream goes on joined). Events that repeat whole texts later (content_part.done,
// output_item.done, response.completed…) carry exactly the text the deltas gave, so a client that
// rebuilds the text from deltas and one that reads the final response see the same thing.
// Output text logprobs travel with their text (logprobs.ts). Everything else: the generic pass.
import { createCleanCache } from "./value-masker.js";
import { readBase64 } from "../inspection/base64-text.js";
import { binaryPart } from "./binary-parts.js";
import type { Draft } from "./event-draft.js";
import type { Claims } from "./json-walk.js";
import { walkJson } from "./json-walk.js";
import { createLogprobQueue, type LogprobQueue } from "./logprobs.js";
import { createStreamSet, isEmpty, maskCopied, synthesize, type Deferred, type SseHandlerFactory, type Synthesized } from "./sse-handler.js";
import type { TextStream } from "./text-stream.js";
import { objectAt } from "./walk-helpers.js";
import { checkIndex } from "./provider-index.js";

type Json = Record<string, unknown>;

interface Entry {
  base: string;
  stream: TextStream;
  /** The identifiers a delta of this stream carries (item, output and part indices). */
  ids: Json;
  logprobs: LogprobQueue;
}

const ID_FIELDS = ["item_id", "output_index", "content_index", "summary_index"];
const INDEX_FIELDS = ["output_index", "content_index", "summary_index"]; // the stream's state is keyed by them (provider-index.ts)
const SUMMARIES = new Set(["response.content_part.done", "response.reasoning_summary_part.done", "response.output_item.done", "response.completed", "response.incomplete", "response.failed"]);

const keyOf = (base: string, event: Json) => `${base}|${event.output_index ?? ""}|${event.content_index ?? event.summary_index ?? ""}`;
const idsOf = (event: Json): Json => Object.fromEntries(ID_FIELDS.filter((field) => event[field] !== undefined).map((field) => [field, event[field]]));
// Where a stream's text sits in the final response (`output[0].content[1].text`), for finding counts.
const fields: Record<string, string> = { output_text: "text", reasoning_text: "text", reasoning_summary_text: "text", refusal: "refusal", function_call_arguments: "arguments", custom_tool_call_input: "input" };
const location = (base: string, event: Json) => {
  const kind = base.replace(/^response\./, "");
  const output = event.output_index !== undefined ? `.output[${String(event.output_index)}]` : "";
  const part = event.content_index !== undefined ? `.content[${String(event.content_index)}]` : event.summary_index !== undefined ? `.summary[${String(event.summary_index)}]` : "";
  return `response.stream${output}${part}.${fields[kind] ?? kind}`;
};

export const openaiResponsesSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  const clean = createCleanCache(reply); // for the ids a flushing event copies (maskCopied)
  const entries = new Map<string, Entry>();
  const tails = new Map<string, string>(); // kind → tail of its last finished stream

  const entryFor = (base: string, event: Json): Entry => {
    const key = keyOf(base, event);
    let entry = entries.get(key);
    if (!entry) {
      // Readers join every output text part (SDKs' output_text): a part continues the last one's tail.
      const stream = base.endsWith("arguments") ? streams.json(key, location(base, event)) : streams.text(key, location(base, event), tails.get(base));
      const logprobs = createLogprobQueue(reply, `${location(base, event)}.logprobs`);
      // Bound, not a function literal assigned to the property (V8 puts that in the old generation: docs/performance.md).
      stream.onRelease = logprobs.release.bind(logprobs);
      entry = { base, stream, ids: idsOf(event), logprobs };
      entries.set(key, entry);
    }
    return entry;
  };

  // Releases what the stream still holds as one more delta event (with `sequence`), if anything.
  const finish = (entry: Entry, sequence: unknown): Synthesized[] => {
    if (entry.stream.finished) return [];
    const tail = entry.stream.flush();
    entry.logprobs.finish();
    tails.set(entry.base, entry.stream.tail);
    if (isEmpty(tail)) return [];
    const delta: Json = { type: `${entry.base}.delta`, sequence_number: sequence, ...entry.ids, delta: "" };
    const logprobs = entry.logprobs.take();
    if (entry.base === "response.output_text" || logprobs.length > 0) delta.logprobs = logprobs;
    const made = synthesize(`${entry.base}.delta`, delta, (draft) => {
      draft.set(delta, "delta", tail);
      // The ids as the stream's first event had them, as the upstream wrote them.
      maskCopied(clean, draft, delta, ID_FIELDS, "response.stream");
    });
    return made ? [made] : [];
  };

  // A whole text a later event repeats: the masked text its stream gave, and that stream's kept
  // logprobs (always those, even for text that went out unchanged). Claimed at once, written now or
  // (a done event waiting for the next one) once the stream's text is known.
  const repeat = (entry: Entry, container: Json, key: string | number, draft: Draft, claims: Claims): (() => void) => {
    claims.claim(container, key);
    const logprobs = Array.isArray(container.logprobs) && container.logprobs.length > 0;
    if (logprobs) claims.claim(container, "logprobs");
    return () => {
      draft.set(container, key, entry.stream.emitted);
      if (logprobs) draft.replace(container, "logprobs", [...entry.logprobs.kept]);
    };
  };

  // A done event whose stream still held text waits for the next event: if that is a delta of the
  // same stream (readers append deltas sent after the done event: the SDKs' accumulators do), the
  // stream goes on joined and the done event carries the text sent so far; otherwise what the stream
  // held goes out first, as usual.
  let waiting: { key: string; resolve(flush: boolean): void } | undefined;
  const resolveWaiting = (object: Json | undefined, type: unknown) => {
    if (!waiting) return;
    const continuing = object !== undefined && typeof type === "string" && type.endsWith(".delta") && keyOf(type.slice(0, -".delta".length), object) === waiting.key;
    const { resolve } = waiting;
    waiting = undefined;
    resolve(!continuing);
  };

  // Every string of `object` that is the full text of one of this reply's streams.
  const repeats = (object: Json, sequence: unknown, draft: Draft, claims: Claims): Synthesized[] => {
    const byText = new Map<string, Entry>();
    for (const entry of entries.values()) if (entry.stream.original !== "") byText.set(entry.stream.original, entry);
    if (byText.size === 0) return [];
    const before: Synthesized[] = [];
    walkJson({ object }, "object", "", "", {
      string(place, value) {
        const entry = byText.get(value);
        if (!entry) return;
        before.push(...finish(entry, sequence));
        repeat(entry, place.container as Json, place.key, draft, claims)();
      },
      key() {},
      number() {},
    }, claims);
    return before;
  };

  return {
    event({ data, draft, claims }) {
      const object = objectAt(data);
      const type = object?.type;
      resolveWaiting(object, type);
      if (!object || typeof type !== "string" || !type.startsWith("response.")) return undefined;
      for (const field of INDEX_FIELDS) checkIndex(object[field], field);
      if (type.endsWith(".delta") && typeof object.delta === "string") {
        const encoded = object.delta.length >= 256 ? readBase64(object.delta) : undefined;
        if (encoded && "binary" in encoded) {
          // A binary chunk (audio, a partial image): passes as it is only if every rule allows binary parts.
          binaryPart(reply, encoded.binary, location(type.slice(0, -".delta".length), object));
          entryFor(type.slice(0, -".delta".length), object).stream.passing(object.delta); // read joined with the other chunks, as readers decode them
          claims.claim(object, "delta");
          return [];
        }
        const entry = entryFor(type.slice(0, -".delta".length), object);
        entry.logprobs.add(object.logprobs, object.delta);
        draft.set(object, "delta", entry.stream.push(object.delta));
        claims.claim(object, "delta");
        if (object.logprobs !== undefined) {
          claims.claim(object, "logprobs");
          draft.replace(object, "logprobs", entry.logprobs.take());
        }
        return [];
      }
      const entry = type.endsWith(".done") ? entries.get(keyOf(type.slice(0, -".done".length), object)) : undefined;
      if (entry) {
        const writes: (() => void)[] = [];
        for (const [key, value] of Object.entries(object)) {
          if (typeof value === "string" && value === entry.stream.original) writes.push(repeat(entry, object, key, draft, claims));
        }
        if (entry.stream.finished || !entry.stream.holding) {
          const before = finish(entry, object.sequence_number);
          for (const write of writes) write();
          return before;
        }
        let flushed: Synthesized | undefined;
        let settled = false;
        const ready = draft.later(object, "type");
        waiting = {
          key: keyOf(type.slice(0, -".done".length), object),
          resolve(flush) {
            if (flush) flushed = finish(entry, object.sequence_number)[0];
            for (const write of writes) write();
            settled = true;
            ready(undefined, []);
          },
        };
        const deferred: Deferred = { ready: () => settled, render: () => flushed };
        return [deferred];
      }
      if (SUMMARIES.has(type)) return repeats(object, object.sequence_number, draft, claims);
      return [];
    },
    end() {
      resolveWaiting(undefined, undefined);
      const made: Synthesized[] = [];
      for (const entry of entries.values()) made.push(...finish(entry, undefined));
      return made;
    },
  };
};
