// SSE masking for OpenAI chat completion chunks (and compatible servers). Every string inside a
// choice's `delta` is a delta by the API's own rule, whatever its name (`content`, `refusal`,
// `reasoning_content`, `reasoning`, `audio.transcript`, content parts' `text`, tool calls'
// `function.arguments` as JSON…), except identifiers (`role`, `id`, `type`, `name`), which arrive whole
// — those (but `type`) are still read joined per choice and path, as openai-python appends them.
// Each is a text stream per choice and path (tool calls told apart by their `index`, or all joined
// when they have none); a chunk carries what its streams release now, the chunk with the choice's
// `finish_reason` also what they still held, placed at the same path — after waiting for the next
// event, since readers append text sent after finish_reason: when that event goes on with the
// choice, its streams go on joined (nothing of a value across the finish is sent). Held text left at
// `[DONE]` (or the end) goes out in a chunk made like the last one. `logprobs.content`/`.refusal` travel with
// the text they spell (logprobs.ts); a chunk's logprobs object carries nothing else. Everything else
// in a chunk is left to the generic pass.
import { createCleanCache } from "./value-masker.js";
import { readBase64 } from "../inspection/base64-text.js";
import { binaryPart } from "./binary-parts.js";
import { containerAt, deltaStrings, pathOf, type DeltaString, type Json, type Segment } from "./chat-deltas.js";
import { isIdentityKey } from "./json-walk.js";
import { createLooseStreams } from "./loose-streams.js";
import { createLogprobQueue, type LogprobQueue } from "./logprobs.js";
import type { Draft } from "./event-draft.js";
import type { TwoTexts } from "./replacer.js";
import { createStreamSet, isEmpty, joinTexts, maskCopied, maskCopiedKeys, synthesize, type DeltaSlot, type SseHandlerFactory, type Synthesized } from "./sse-handler.js";
import type { TextStream } from "./text-stream.js";
import { objectAt } from "./walk-helpers.js";
import { checkIndex } from "./provider-index.js";

interface ChoiceStream {
  choice: number;
  stream: TextStream;
  path: Segment[];
  /** For `content` and `refusal` strings: their logprobs. */
  logprobs?: LogprobQueue;
  field?: "content" | "refusal";
}

// The members of the last chunk a flushing chunk copies that may hold text (see flushAll).
const templateStrings = ["id", "object", "model", "system_fingerprint", "service_tier"] as const;

export const openaiChatSse: SseHandlerFactory = (reply) => {
  const streams = createStreamSet(reply);
  const clean = createCleanCache(reply); // for the ids a flushing event copies (maskCopied)
  const byKey = new Map<string, ChoiceStream>();
  let template: Json = { object: "chat.completion.chunk" };
  const location = (choice: number, pathKey: string) => `response.stream.choices[${choice}]${pathKey.replace(/\[\*\]/g, "[]")}`;

  const streamFor = (choice: number, found: DeltaString): ChoiceStream => {
    const key = `${choice}|${found.pathKey}`;
    let entry = byKey.get(key);
    if (!entry) {
      const json = found.key === "arguments";
      const stream = (json ? streams.json : streams.text)(key, location(choice, found.pathKey));
      const field = found.pathKey === ".content" || found.pathKey === ".refusal" ? (found.pathKey.slice(1) as "content" | "refusal") : undefined;
      entry = { choice, stream, path: pathOf(found.trail), field };
      if (field) {
        const queue = createLogprobQueue(reply, `response.stream.choices[${choice}].logprobs.${field}`);
        // Bound, not a function literal assigned to the property (V8 puts that in the old generation: docs/performance.md).
        stream.onRelease = queue.release.bind(queue);
        entry.logprobs = queue;
      }
      byKey.set(key, entry);
    }
    return entry;
  };

  // The choice's logprobs for what its content and refusal released in this chunk.
  const logprobsOf = (choice: number, original: unknown): Json | undefined => {
    const lists: Json = {};
    let any = false;
    for (const entry of byKey.values()) {
      if (entry.choice !== choice || !entry.logprobs || !entry.field) continue;
      const taken = entry.logprobs.take();
      if (taken.length > 0) any = true;
      lists[entry.field] = taken;
    }
    // Only the lists of the text: anything else a logprobs object carries is not matched to text, so not shown.
    if (!objectAt(original) && !any) return undefined;
    return { content: (lists.content as unknown[] | undefined) ?? null, refusal: (lists.refusal as unknown[] | undefined) ?? null };
  };

  // The tails of a choice's open streams, placed in `delta` (joined to what this chunk already carries there).
  const flushInto = (choice: number, delta: Json, outs: Map<ChoiceStream, { container: Json | unknown[]; key: string | number; texts: TwoTexts }>) => {
    for (const entry of byKey.values()) {
      if (entry.choice !== choice || entry.stream.finished) continue;
      const tail = entry.stream.flush();
      entry.logprobs?.finish();
      if (isEmpty(tail)) continue;
      const out = outs.get(entry);
      if (out) out.texts = joinTexts(out.texts, tail);
      else {
        const last = entry.path[entry.path.length - 1] as { key: string };
        const container = containerAt(delta, entry.path);
        container[last.key] = "";
        outs.set(entry, { container, key: last.key, texts: tail });
      }
    }
  };

  // Identifiers in deltas (`role`, a tool call's `id` and `function.name`…), joined per choice and
  // path the way openai-python accumulates them: a chunk holding one waits only while it may go on
  // into the next chunk carrying it (loose-streams.ts), which is at most until the next chunk.
  const identifiers = createLooseStreams(reply);

  // Finish chunks waiting for the next event (see resolveFinishes), by choice.
  const finishes = new Map<number, (flush: boolean) => void>();
  const holding = (choice: number) => [...byKey.values()].some((entry) => entry.choice === choice && !entry.stream.finished && entry.stream.holding);

  // A finish chunk whose choice still held text waited for the next event: if that continues the
  // choice (clients append text after finish_reason: the SDKs do), the text goes on joined and the
  // chunk carries only what it had; otherwise it carries the held text, as usual.
  const resolveFinishes = (chunk: Json | undefined) => {
    if (finishes.size === 0) return;
    for (const [index, resolve] of finishes) {
      const continuing = Array.isArray(chunk?.choices) && chunk.choices.some((choice, position) => {
        const object = objectAt(choice);
        const delta = objectAt(object?.delta);
        return delta !== undefined && (typeof object?.index === "number" ? object.index : position) === index && deltaStrings(delta).length > 0;
      });
      resolve(!continuing);
    }
    finishes.clear();
  };

  const maskChoice = (choice: Json, position: number, draft: Draft, claim: (container: unknown, key: string | number) => void) => {
    const index = typeof choice.index === "number" ? choice.index : position;
    const finishing = choice.finish_reason !== null && choice.finish_reason !== undefined;
    const delta = objectAt(choice.delta) ?? (finishing ? (choice.delta = {}) : undefined);
    const logprobs = objectAt(choice.logprobs);
    const outs = new Map<ChoiceStream, { container: Json | unknown[]; key: string | number; texts: TwoTexts }>();
    const named: DeltaString[] = [];
    const strings = delta ? deltaStrings(delta, named) : [];
    for (const found of named) {
      identifiers.piece(`${index}|${found.pathKey}`, found.value, location(index, found.pathKey), draft.later(found.container, found.key));
      claim(found.container, found.key);
    }
    for (const found of strings) {
      const encoded = found.value.length >= 256 ? readBase64(found.value) : undefined;
      if (encoded && "binary" in encoded) {
        // A binary chunk (audio data): not text, passes as it is only if every rule allows binary parts.
        binaryPart(reply, encoded.binary, location(index, found.pathKey));
        streamFor(index, found).stream.passing(found.value); // read joined with the field's other chunks, as readers decode them
        claim(found.container, found.key);
        continue;
      }
      const entry = streamFor(index, found);
      entry.logprobs?.add(logprobs?.[entry.field as string], found.value);
      const texts = entry.stream.push(found.value);
      const out = outs.get(entry);
      if (out) out.texts = joinTexts(out.texts, texts); // two strings of one stream in one chunk (parts)
      else outs.set(entry, { container: found.container, key: found.key, texts });
      if (out) draft.set(found.container, found.key, { client: "", record: "" });
      claim(found.container, found.key);
    }
    for (const out of outs.values()) claim(out.container, out.key);
    claim(choice, "logprobs");
    const original = choice.logprobs;
    const complete = (flush: boolean) => {
      if (flush && delta) flushInto(index, delta, outs);
      for (const out of outs.values()) draft.set(out.container, out.key, out.texts);
      const lists = logprobsOf(index, original);
      if (lists) draft.replace(choice, "logprobs", lists);
    };
    if (!finishing || !holding(index)) return complete(finishing);
    const ready = draft.later(choice, "delta");
    finishes.set(index, (flush) => {
      complete(flush);
      ready(undefined, []);
    });
  };

  // A chunk carrying every held tail, made like the last chunk seen.
  const flushAll = (): Synthesized[] => {
    const choices = [...new Set([...byKey.values()].filter((entry) => !entry.stream.finished).map((entry) => entry.choice))];
    if (choices.length === 0) return [];
    const chunk: Json = { ...template, choices: choices.map((index) => ({ index, delta: {}, finish_reason: null })) };
    const made = synthesize("", chunk, (draft) => {
      // The last chunk's identifiers, as the upstream wrote them (that chunk had them masked after this handler read it).
      maskCopied(clean, draft, chunk, templateStrings, "response.stream");
      for (const choice of chunk.choices as Json[]) {
        const outs = new Map<ChoiceStream, { container: Json | unknown[]; key: string | number; texts: TwoTexts }>();
        flushInto(choice.index as number, choice.delta as Json, outs);
        for (const out of outs.values()) draft.set(out.container, out.key, out.texts);
        // The delta's members are named as the streams' chunks named them (a key may hold a value).
        maskCopiedKeys(clean, draft, choice.delta, `response.stream.choices[${String(choice.index)}].delta`);
        const lists = logprobsOf(choice.index as number, undefined);
        if (lists) choice.logprobs = lists;
      }
    });
    return made ? [made] : [];
  };

  let lastSlot: DeltaSlot | undefined;

  return {
    event({ event, data, draft, claims }) {
      const chunk = objectAt(data);
      lastSlot = undefined;
      resolveFinishes(chunk);
      if (data === undefined && event.data?.trim() === "[DONE]") {
        identifiers.finish();
        return flushAll();
      }
      if (!chunk || !Array.isArray(chunk.choices)) return undefined;
      const { id, object, created, model, system_fingerprint, service_tier } = chunk;
      template = { id, object, created, model, system_fingerprint, service_tier };
      for (const choice of chunk.choices) checkIndex(objectAt(choice)?.index, "choices[].index");
      lastSlot = slotOf(chunk.choices);
      chunk.choices.forEach((choice, position) => {
        const object = objectAt(choice);
        if (object) maskChoice(object, position, draft, (container, key) => claims.claim(container, key));
      });
      identifiers.endEvent();
      return [];
    },
    end() {
      resolveFinishes(undefined);
      identifiers.finish();
      return flushAll();
    },
    slot: () => lastSlot,
    // What event() does with a chunk like the slot's (one choice, its delta only this string, no
    // logprobs, no finish), when no finish waits (resolveFinishes does nothing) and no identifier
    // is open (endEvent does nothing): the string goes into its stream, the choice's logprobs are
    // what that released; a string long enough to be base64 takes event() (maskChoice reads it).
    continueDelta(slot, value) {
      if (finishes.size > 0 || !identifiers.idle || value.length >= 256) return undefined;
      const entry = byKey.get(`${slot.choice}|.${slot.key}`);
      if (!entry) return undefined;
      entry.logprobs?.add(undefined, value);
      const texts = entry.stream.push(value);
      return { texts, logprobs: logprobsOf(slot.choice, undefined) };
    },
  };
};

/** The slot of a chunk's choices (see SseHandler.slot). */
function slotOf(choices: unknown[]): DeltaSlot | undefined {
  if (choices.length !== 1) return undefined;
  const choice = objectAt(choices[0]);
  const delta = objectAt(choice?.delta);
  if (!choice || !delta || (choice.finish_reason !== null && choice.finish_reason !== undefined)) return undefined;
  if (choice.logprobs !== null && choice.logprobs !== undefined) return undefined;
  let key: string | undefined;
  for (const member in delta) {
    if (key !== undefined) return undefined;
    key = member;
  }
  const value = key === undefined ? undefined : delta[key];
  if (key === undefined || typeof value !== "string" || isIdentityKey(key)) return undefined;
  return { choice: typeof choice.index === "number" ? choice.index : 0, key, value };
}
