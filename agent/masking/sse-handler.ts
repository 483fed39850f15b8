// What a provider's SSE handler does with an upstream event: it masks the fields its API defines as
// deltas (text that arrives in pieces and is appended) as text streams with character-precise
// hold-back, writes their released text into the event's draft and claims them; it may ask for
// events to be sent before the upstream one (what a stream still held, released before the event
// that ends it). Everything it does not claim is masked by the generic pass (value-masker.ts), so a
// handler never needs to know every field, only the deltas.
import type { Draft } from "./event-draft.js";
import { createDraft } from "./event-draft.js";
import type { Claims } from "./json-walk.js";
import { createJsonTextStream } from "./json-text-stream.js";
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import type { CleanCache } from "./value-masker.js";
import type { RawEvent } from "./sse-splitter.js";
import { createTextStream, type TextStream } from "./text-stream.js";

/** A complete event the handler made: its `event:` name ("" for none) and its data, two-sided. */
export interface Synthesized {
  name: string;
  data: TwoTexts;
}

/** An event to send once the handler can make it (what a block still held, settled only when the next block has shown how it continues). */
export interface Deferred {
  ready(): boolean;
  /** The event, or undefined when nothing was left to send. */
  render(): Synthesized | undefined;
}

/** What a handler asks to send before an upstream event. */
export type Outgoing = Synthesized | Deferred;

/** One upstream event as a handler sees it. */
export interface EventInput {
  event: RawEvent;
  /** The data parsed as JSON; undefined when it is not JSON. */
  data: unknown;
  /** Where the handler writes its changes to `data`. */
  draft: Draft;
  /** Members of `data` the handler masked itself (the generic pass skips them). */
  claims: Claims;
}

/** Where the one streamed string of an event sits: a chunk with one choice whose delta holds only that string (event-shape.ts). */
export interface DeltaSlot {
  /** The choice's index. */
  choice: number;
  /** The delta's one member. */
  key: string;
  /** Its string, as the event carried it. */
  value: string;
}

/** What continueDelta did: the text to put at the slot, and the choice's logprobs when they are to be replaced (undefined: left as they are). */
export interface DeltaOutput {
  texts: TwoTexts;
  logprobs: Record<string, unknown> | undefined;
}

export interface SseHandler {
  /** Handles one event; undefined when it is not of this handler's API; else events to send before it. */
  event(input: EventInput): Outgoing[] | undefined;
  /** The upstream stream ended: what its streams still held, as events. */
  end(): Outgoing[];
  /** After event(): the slot of the event just handled when it is a single text delta with no logprobs and no finish (chat chunks); else undefined. */
  slot?(): DeltaSlot | undefined;
  /**
   * Handles an event that is the last slot's event with `value` in the slot (nothing else differs),
   * exactly as event() would: events to send before it are none, the slot gets `texts`. Undefined,
   * with nothing done, when the handler's state needs event() (a finish waiting, an identifier still open).
   */
  continueDelta?(slot: DeltaSlot, value: string): DeltaOutput | undefined;
}

export type SseHandlerFactory = (reply: ReplyMasker) => SseHandler;

/** Text streams by key (one per choice field, tool call, content block…), made on first use. */
export interface StreamSet {
  /** `continues`: the tail of the stream readers join this one to (see createTextStream). */
  text(key: string, location: string, continues?: string): TextStream;
  json(key: string, location: string): TextStream;
  get(key: string): TextStream | undefined;
  /** Keys of streams not yet flushed, in creation order. */
  open(): string[];
  /** Every stream, in creation order. */
  all(): IterableIterator<[string, TextStream]>;
}

export function createStreamSet(reply: ReplyMasker): StreamSet {
  const streams = new Map<string, TextStream>();
  const make = (key: string, create: () => TextStream) => {
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = create()));
    return stream;
  };
  return {
    text: (key, location, continues) => make(key, () => createTextStream(reply, location, continues)),
    json: (key, location) => make(key, () => createJsonTextStream(reply, location)),
    get: (key) => streams.get(key),
    open: () => [...streams].filter(([, stream]) => !stream.finished).map(([key]) => key),
    all: () => streams.entries(),
  };
}

/** A synthesized event: `value` with `texts` at `container[key]` (and any other edits the builder adds). */
export function synthesize(name: string, value: unknown, build: (draft: Draft) => void): Synthesized | undefined {
  const draft = createDraft();
  build(draft);
  if (!draft.changed) return undefined;
  return { name, data: draft.render(() => value) };
}

/**
 * Strings a synthesized event copies from the upstream event before it (ids, a model name), in
 * `container` as the upstream wrote them: masked here as the generic pass masked them in the event
 * they came in, or a value masked there goes out in clear in the copy (to the caller and the record).
 */
export function maskCopied(clean: CleanCache, draft: Draft, container: Record<string, unknown>, keys: readonly string[], location: string): void {
  for (const key of keys) {
    const value = container[key];
    // The clean cache knows the ids every chunk of the stream repeats: no scan for them.
    const masked = typeof value === "string" ? clean.mask(value, key, (at) => `${location}.${at}`) : undefined;
    if (masked) draft.set(container, key, masked);
  }
}

/**
 * The keys a synthesized event copies from upstream events (the members of a chat delta whose
 * held text it flushes): masked as the generic pass masked them in the events they came in.
 */
export function maskCopiedKeys(clean: CleanCache, draft: Draft, value: unknown, location: string): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (Array.isArray(next)) {
      for (const element of next) pending.push(element);
      continue;
    }
    if (typeof next !== "object" || next === null) continue;
    const object = next as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const masked = clean.mask(key, key, () => location);
      if (masked) draft.rename(object, key, masked);
      pending.push(object[key]);
    }
  }
}

/** Concatenates two-sided texts. */
export function joinTexts(a: TwoTexts, b: TwoTexts): TwoTexts {
  return { client: a.client + b.client, record: a.record + b.record };
}

/** Both sides empty. */
export const isEmpty = (texts: TwoTexts) => texts.client === "" && texts.record === "";
