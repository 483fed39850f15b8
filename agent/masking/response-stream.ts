// Masks one SSE reply as it streams. The upstream bytes are split into events (strict UTF-8); each
// event's data is parsed once; the provider's handler masks the fields its API defines as deltas
// (character-precise hold-back); the generic pass masks everything else in the event whatever its
// name (value-masker.ts), and the event's other lines (comments, ids, names) as text. Events go out
// in order, each re-serialised from what was inspected; one waits only while loose text in it may
// still continue into the next event. Returns, per push, the bytes for the caller, the bytes for
// the record, and the parsed events (readers after the masker reuse them).
import type { MaskContext, ReplyMasker } from "./mask-context.js";
import { createDraft, type Draft } from "./event-draft.js";
import { createEventShapes } from "./event-shape.js";
import { DONE, quietEnd } from "./known-end.js";
import { parseJsonBodyExact } from "./json-body.js";
import { createClaims, type Claims } from "./json-walk.js";
import { createLooseStreams } from "./loose-streams.js";
import type { TwoTexts } from "./replacer.js";
import { anthropicSse } from "./sse-anthropic.js";
import type { DeltaSlot, Outgoing, SseHandler, SseHandlerFactory } from "./sse-handler.js";
import { openaiChatSse } from "./sse-openai-chat.js";
import { openaiResponsesSse } from "./sse-openai-responses.js";
import { createSseSplitter, withData, type RawEvent } from "./sse-splitter.js";
import { joinEvents, type RenderedEvent, type StreamOutput } from "./stream-output.js";
import { checkText, PROTOTYPE_KEY, UninspectableReply } from "./uninspectable.js";
import { createCleanCache, createValueMasker, type CleanCache } from "./value-masker.js";

export type { StreamOutput };

export interface ResponseStream {
  push(chunk: Buffer): StreamOutput;
  end(): StreamOutput;
}

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
  let answered: SseHandler | undefined; // the handler of the last event
  return {
    event(input) {
      for (const handler of handlers) {
        const made = handler.event(input);
        if (made) {
          answered = handler;
          return made;
        }
      }
      answered = undefined;
      return undefined;
    },
    end: () => handlers.flatMap((handler) => handler.end()),
    slot: () => answered?.slot?.(),
    continueDelta: (slot, value) => answered?.continueDelta?.(slot, value),
  };
}

/** One event on its way out: ready once no loose text in it is outstanding. */
interface Item {
  ready(): boolean;
  render(): RenderedEvent;
}
/** A queued event: one rendered already (a known shape's: ready, no object or closures of its own), or an item. */
type Queued = Item | RenderedEvent;
const isItem = (queued: Queued): queued is Item => "ready" in queued;

/** An event's lines other than data (event, id, retry, comments, unknown fields) masked as text. */
const noLines: TwoTexts = { client: "", record: "" };
function maskLines(lines: readonly string[], clean: CleanCache): TwoTexts {
  if (lines.length === 0) return noLines;
  const text = lines.join("\n");
  return clean.mask(text, `${LOCATION}.lines`, (at) => at) ?? { client: text, record: text };
}

const lineBreak = /[\r\n]/;
/** Whether withLines(lines, data) writes each side as `data: ${data}\n\n` (no other line, the data on one line). */
const plainWritten = (lines: TwoTexts, data: TwoTexts) =>
  lines.client === "" && lines.record === "" && !lineBreak.test(data.client) && (data.record === data.client || !lineBreak.test(data.record));

const linesOnly = (lines: string) => (lines === "" ? "" : `${lines}\n\n`);
const withLines = (lines: string, data: string) => withData({ otherLines: lines === "" ? [] : lines.split("\n") }, data);

function synthesizedItem(made: Outgoing): Item {
  const text = (event: ReturnType<Extract<Outgoing, { render: unknown }>["render"]>) => {
    if (!event) return { client: "", record: "" };
    const lines = event.name === "" ? "" : `event: ${event.name}`;
    return { client: withLines(lines, event.data.client), record: withLines(lines, event.data.record) };
  };
  if ("ready" in made) return { ready: () => made.ready(), render: () => text(made.render()) };
  return { ready: () => true, render: () => text(made) };
}

/**
 * A reader joins an event's `data:` lines with a line break, which detectors read as a separator
 * (card groups on lines of their own are found); a value cut by one (`zoe.quill@` and
 * `example.org` on two data lines, or a raw break inside a JSON string) is read with the lines
 * joined as nothing too. Such a value cannot be masked in the text as it stands (the break is no
 * part of it): the reply is refused (UninspectableReply).
 */
function checkLinesJoined(text: string, reply: ReplyMasker): void {
  const parts = text.split("\n");
  const joined = parts.join("");
  const breaks: number[] = [];
  let at = 0;
  for (const part of parts.slice(0, -1)) breaks.push((at += part.length));
  for (const match of reply.scanner.scan(joined).matches) {
    if (!match.entry && breaks.some((where) => match.start < where && match.end > where)) {
      throw new UninspectableReply("a value is cut over an event's data lines");
    }
  }
}

/** How a stream masker reads events (tests compare the two paths). */
export interface ResponseStreamOptions {
  /** False: every event takes the full path (parsed, walked, rendered), none the known shape's (event-shape.ts). */
  knownShapes?: boolean;
  /** Counts the events that took the known shape's path (and `[DONE]`s taken as the known end). */
  stats?: { shaped: number; ended?: number };
  /** False: `[DONE]` takes the full path (known-end.ts). */
  knownEnd?: boolean;
}

/** A masker for one SSE reply of `provider` (the stream is passed through when the reply needs no masking). */
export function createResponseStream(provider: string, _path: string, context: MaskContext, options: ResponseStreamOptions = {}): ResponseStream {
  const reply = context.reply;
  if (!reply.active) return { push: (chunk) => ({ client: chunk, record: chunk }), end: () => ({ client: empty, record: empty }) };
  const splitter = createSseSplitter(true);
  const handler = handlerFor(provider, reply);
  const loose = createLooseStreams(reply);
  const clean = createCleanCache(reply);
  const values = createValueMasker(reply, loose, clean);
  const shapes = createEventShapes();
  const knownShapes = options.knownShapes !== false;
  const queue: Queued[] = [];

  const jsonItem = (event: RawEvent, value: unknown, plain: boolean, draft: Draft, claims: Claims, lines: TwoTexts): Item => {
    const holder = { data: value };
    const type = (value as { type?: unknown } | null)?.type;
    // Loose pieces join only within one kind of event (its SSE name and data type).
    values.mask(holder, "data", "", LOCATION, `${event.name}/${typeof type === "string" ? type : ""}`, draft, claims);
    return {
      ready: () => draft.ready,
      render() {
        const data = draft.render(() => holder.data);
        const client = withLines(lines.client, data.client);
        const record = withLines(lines.record, data.record);
        const written = plainWritten(lines, data);
        if (!plain || draft.raw) return { client, record, plain: written };
        const shared = { data: data.client, value: holder.data };
        return { client, record, parsed: { client: shared, record: data.record === data.client ? shared : undefined }, plain: written };
      },
    };
  };

  let textSeen = false; // a text event came (its key may resume: no known end)
  const textItem = (event: RawEvent, text: string, lines: TwoTexts): Item => {
    textSeen = true;
    checkText(text);
    if (text.includes("\n")) checkLinesJoined(text, reply);
    let data: TwoTexts = { client: text, record: text };
    let waiting = true;
    loose.piece(`text/${event.name}`, text, `${LOCATION}.data`, (texts) => {
      waiting = false;
      if (texts) data = texts;
    });
    return { ready: () => !waiting, render: () => ({ client: withLines(lines.client, data.client), record: withLines(lines.record, data.record), plain: plainWritten(lines, data) }) };
  };

  // An event of the shape the last one had (event-shape.ts): its string through the handler, not parsed; undefined when it takes the full path.
  const shaped = (event: RawEvent): RenderedEvent | undefined => {
    const value = knownShapes ? shapes.match(event) : undefined;
    if (value === undefined || !loose.idle) return undefined;
    // A padding member, read as the generic pass reads it (before the handler, which declines without side effects).
    const padding = shapes.padding;
    if (padding && !values.quietIdentifier(padding.kind, padding.key, padding.value)) return undefined;
    const out = handler.continueDelta?.(shapes.slot as DeltaSlot, value);
    if (!out) return undefined;
    const made = shapes.render(out);
    if (options.stats) options.stats.shaped++;
    return made;
  };

  // `[DONE]` as a known end (known-end.ts): its rendering, and the full path's loose piece, replayed only if an event follows.
  const doneItem: Item = { ready: () => true, render: () => ({ client: withLines("", DONE), record: withLines("", DONE), plain: true }) };
  let doneKey: string | undefined;
  const knownEnd = (event: RawEvent): boolean =>
    options.knownEnd !== false && event.data === DONE && event.otherLines.length === 0 && !textSeen && loose.idle && quietEnd(reply);
  const replayEnd = () => {
    const key = doneKey as string;
    doneKey = undefined;
    textSeen = true;
    loose.piece(key, DONE, `${LOCATION}.data`, () => {});
    loose.endEvent();
  };

  const process = (events: RawEvent[]) => {
    for (const event of events) {
      if (doneKey !== undefined) replayEnd();
      if (knownEnd(event)) {
        for (const made of handler.event({ event, data: undefined, draft: createDraft(), claims: createClaims() }) ?? []) queue.push(synthesizedItem(made));
        queue.push(doneItem);
        shapes.learn(event, undefined, true, handler.slot?.(), true);
        doneKey = `text/${event.name}`;
        if (options.stats) options.stats.ended = (options.stats.ended ?? 0) + 1;
        continue;
      }
      const fast = shaped(event);
      if (fast) {
        queue.push(fast);
        continue;
      }
      const lines = maskLines(event.otherLines, clean);
      if (event.data === undefined) {
        const same = lines.client === lines.record && lines.client === event.otherLines.join("\n");
        queue.push({ ready: () => true, render: () => (same ? { client: event.raw, record: event.raw } : { client: linesOnly(lines.client), record: linesOnly(lines.record) }) });
        continue;
      }
      const { value, plain, prototypeKey } = parseJsonBodyExact(event.data);
      // A key named __proto__ (json-body.ts): no JSON the engine may walk, and no text either.
      if (prototypeKey) throw new UninspectableReply(PROTOTYPE_KEY);
      const draft = createDraft();
      const claims = createClaims();
      const before = handler.event({ event, data: value, draft, claims }) ?? [];
      for (const made of before) queue.push(synthesizedItem(made));
      const handled = draft.writes;
      queue.push(value === undefined ? textItem(event, event.data, lines) : jsonItem(event, value, plain, draft, claims, lines));
      shapes.learn(event, value, plain, handler.slot?.(), draft.writes === handled);
      loose.endEvent();
    }
  };

  const drain = (all: boolean): StreamOutput => {
    let count = 0;
    while (count < queue.length && (all || !isItem(queue[count]) || (queue[count] as Item).ready())) count++;
    if (count === 0) return { client: empty, record: empty };
    return joinEvents(queue.splice(0, count).map((queued) => (isItem(queued) ? queued.render() : queued)));
  };

  return {
    push(chunk) {
      process(splitter.push(chunk));
      return drain(false);
    },
    end() {
      process(splitter.end());
      for (const made of handler.end()) queue.push(synthesizedItem(made));
      loose.finish();
      return drain(true);
    },
  };
}
