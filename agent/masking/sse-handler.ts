// What a provider's SSE masker does with each upstream event, and the pieces they share: a set
// of per-content text streams and two-sided JSON rendering (the caller's event and the record's).
import { createJsonTextStream } from "./json-text-stream.js";
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import type { RawEvent } from "./sse-splitter.js";
import { createTextStream, type TextStream } from "./text-stream.js";

/**
 * One event to send: the upstream one unchanged, or an event with new data (named, for synthesized
 * ones). `root`: an upstream event's parsed data, edited in place, now holding the caller's texts.
 */
export type Emit = { keep: RawEvent } | { otherLines: string[]; data: TwoTexts; root?: unknown };

export interface SseHandler {
  /** What to send for one upstream event whose data parsed as `data` (undefined: not JSON); undefined when the handler does not know the event. */
  event(event: RawEvent, data: unknown): Emit[] | undefined;
  /** The upstream stream ended: whatever is still held, as events. */
  end(): Emit[];
}

export type SseHandlerFactory = (reply: ReplyMasker) => SseHandler;

/** Text streams by key (one per choice content, tool call, content block…), made on first use. */
export interface StreamSet {
  text(key: string, location: string): TextStream;
  json(key: string, location: string): TextStream;
  get(key: string): TextStream | undefined;
  /** Keys of streams not yet flushed, in creation order. */
  open(): string[];
}

export function createStreamSet(reply: ReplyMasker): StreamSet {
  const streams = new Map<string, TextStream>();
  const make = (key: string, create: () => TextStream) => {
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = create()));
    return stream;
  };
  return {
    text: (key, location) => make(key, () => createTextStream(reply, location)),
    json: (key, location) => make(key, () => createJsonTextStream(reply, location)),
    get: (key) => streams.get(key),
    open: () => [...streams].filter(([, stream]) => !stream.finished).map(([key]) => key),
  };
}

/** Field changes to one parsed event, rendered twice: with the caller's texts and with the record's. */
export interface JsonEdits {
  set(container: unknown, key: string | number, texts: TwoTexts): void;
  /** The event as JSON for the caller and for the record; undefined when no field changed. */
  render(root: unknown): TwoTexts | undefined;
}

export function createJsonEdits(): JsonEdits {
  const edits: { container: Record<string | number, unknown>; key: string | number; texts: TwoTexts }[] = [];
  let changed = false;
  return {
    set(container, key, texts) {
      if (typeof container !== "object" || container === null) return;
      const object = container as Record<string | number, unknown>;
      if (object[key] !== texts.client || object[key] !== texts.record) changed = true;
      edits.push({ container: object, key, texts });
    },
    render(root) {
      if (!changed) return undefined;
      for (const edit of edits) edit.container[edit.key] = edit.texts.record;
      const record = JSON.stringify(root);
      if (edits.every((edit) => edit.texts.client === edit.texts.record)) return { client: record, record };
      for (const edit of edits) edit.container[edit.key] = edit.texts.client;
      return { client: JSON.stringify(root), record };
    },
  };
}

/** The event with `edits` applied, or the upstream event unchanged when nothing changed. */
export function emitEdited(event: RawEvent, root: unknown, edits: JsonEdits): Emit {
  const data = edits.render(root);
  return data ? { otherLines: event.otherLines, data, root } : { keep: event };
}

/** A synthesized event: `event: name` (when named) and JSON data. */
export function synthesized(name: string, data: TwoTexts): Emit {
  return { otherLines: name === "" ? [] : [`event: ${name}`], data };
}

/** Concatenates two-sided texts. */
export function joinTexts(a: TwoTexts, b: TwoTexts): TwoTexts {
  return { client: a.client + b.client, record: a.record + b.record };
}

/** Both sides empty. */
export const isEmpty = (texts: TwoTexts) => texts.client === "" && texts.record === "";
