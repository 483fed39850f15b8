// Logprobs spell the text they describe token by token (`token`, its `bytes`) and offer other
// tokens beside each one (`top_logprobs`), so they must not show what masking hid, nor anything the
// text does not say. The rules, the same for whole replies and streams:
//   - an entry is kept only while it spells the text exactly: its token is the next piece of the
//     text and its bytes (when given) are that token's UTF-8; from the first entry that does not,
//     every entry of that text is removed (a shape the agent does not know, a token cut inside a
//     character, or tokens that spell something else);
//   - an entry whose token overlaps a replaced span (a masked value, a restored placeholder) is
//     removed;
//   - the alternatives are read as text of their own: all of them in order, and each rank across the
//     entries (the second-best token of every position, …), with the hold-back of a text stream; an
//     alternative overlapping a value found there is removed, as is one whose bytes do not spell its
//     token;
//   - a kept entry keeps `token`, `logprob`, `bytes` and `top_logprobs` (alternatives: `token`,
//     `logprob`, `bytes`), nothing else.
// In a stream the entries travel with their text: they go out in the event that releases the text
// they spell, once their alternatives are settled too.
import type { ReplyMasker } from "./mask-context.js";
import { createTextStream, type Release, type TextStream } from "./text-stream.js";

type Json = Record<string, unknown>;
type Span = readonly [number, number];

/** An alternative's place in a reading of the alternatives. */
interface Place {
  reading: Reading;
  start: number;
  end: number;
}

interface Alternative {
  value: Json;
  places: Place[];
}

interface Queued {
  start: number;
  end: number;
  entry: Json;
  alternatives: Alternative[];
}

/** One reading of the alternatives (in order, or one rank) as a text stream. */
interface Reading {
  stream: TextStream;
  length: number;
  released: number;
  replaced: Span[];
}

export interface LogprobQueue {
  /** The entries describing `piece`, the text about to be pushed; null or undefined: the piece came without any. */
  add(entries: unknown, piece: string): void;
  /** The text stream released `release` (wire to TextStream.onRelease). */
  release(release: Release): void;
  /** The text ended (its stream was flushed): the alternatives' readings are flushed and every entry decided. */
  finish(): void;
  /** Entries decided since the last take (kept ones, in order, as they go out). */
  take(): unknown[];
  /** Every entry kept so far (what done events and final objects repeat). */
  readonly kept: readonly unknown[];
}

const encoder = new TextEncoder();

/** Whether `bytes` (absent, null, or an array of byte values) is the UTF-8 of `token`. */
function spells(bytes: unknown, token: string): boolean {
  if (bytes === undefined || bytes === null) return true;
  if (!Array.isArray(bytes)) return false;
  const expected = encoder.encode(token);
  if (bytes.length !== expected.length) return false;
  for (let index = 0; index < bytes.length; index++) if (bytes[index] !== expected[index]) return false;
  return true;
}

/** The known fields of an entry or an alternative (a number `logprob`, the checked `bytes`). */
function known(value: Json, token: string): Json {
  const out: Json = { token, logprob: typeof value.logprob === "number" ? value.logprob : null };
  if (value.bytes !== undefined) out.bytes = value.bytes;
  return out;
}

const overlaps = (spans: readonly Span[], start: number, end: number) => spans.some(([from, to]) => from < end && to > start);

/** An empty queue for one text stream, reading alternatives with `reply`'s detectors (findings counted at `location`). */
export function createLogprobQueue(reply: ReplyMasker, location: string): LogprobQueue {
  let queued: Queued[] = [];
  let replaced: Span[] = []; // spans of the text still touching queued entries
  let offset = 0;
  let released = 0;
  let aligned = true;
  let started = false; // entries came for an earlier piece: one without them now breaks the alignment
  let ready: unknown[] = [];
  const kept: unknown[] = [];
  const readings: Reading[] = []; // [0]: every alternative in order; [1 + rank]: one rank
  const reading = (index: number): Reading => {
    let found = readings[index];
    if (!found) {
      const made: Reading = { stream: createTextStream(reply, `${location}.top_logprobs`), length: 0, released: 0, replaced: [] };
      // A variable, not a function literal assigned to the property: V8 puts the latter in the old
      // generation, keeping the stream's state alive through every scavenge (docs/performance.md).
      const onRelease: TextStream["onRelease"] = (release) => {
        made.released = release.to;
        made.replaced.push(...release.replaced);
      };
      made.stream.onRelease = onRelease;
      readings[index] = found = made;
    }
    return found;
  };

  const settled = (item: Queued) => item.end <= released && item.alternatives.every((alternative) => alternative.places.every((place) => place.end <= place.reading.released));
  const drain = () => {
    let done = 0;
    while (done < queued.length && settled(queued[done] as Queued)) {
      const item = queued[done++] as Queued;
      if (overlaps(replaced, item.start, item.end)) continue;
      const alternatives = item.alternatives.filter((alternative) => !alternative.places.some((place) => overlaps(place.reading.replaced, place.start, place.end)));
      const entry = item.entry.top_logprobs === undefined ? item.entry : { ...item.entry, top_logprobs: alternatives.map((alternative) => alternative.value) };
      ready.push(entry);
      kept.push(entry);
    }
    if (done === 0) return;
    queued = queued.slice(done);
    const first = queued[0]?.start ?? released;
    replaced = replaced.filter(([, end]) => end > first);
  };
  const misaligned = () => {
    aligned = false;
    queued = [];
  };

  // The alternatives of one entry, each pushed into the reading in order and into its rank's.
  const alternativesOf = (list: unknown): Alternative[] => {
    const out: Alternative[] = [];
    if (!Array.isArray(list)) return out;
    for (const candidate of list) {
      const value = typeof candidate === "object" && candidate !== null ? (candidate as Json) : undefined;
      if (typeof value?.token !== "string" || !spells(value.bytes, value.token)) continue;
      const token = value.token;
      const places = [reading(0), reading(1 + out.length)].map((target): Place => {
        const start = target.length;
        target.length += token.length;
        return { reading: target, start, end: target.length };
      });
      out.push({ value: known(value, token), places });
    }
    for (const alternative of out) for (const place of alternative.places) place.reading.stream.push(alternative.value.token as string);
    return out;
  };

  return {
    add(entries, piece) {
      if (!aligned) return;
      if (entries === null || entries === undefined) {
        if (started) misaligned();
        else offset += piece.length;
        return;
      }
      started = true;
      if (!Array.isArray(entries)) return misaligned();
      let at = 0;
      const items: Queued[] = [];
      for (const candidate of entries) {
        const entry = typeof candidate === "object" && candidate !== null ? (candidate as Json) : undefined;
        const token = entry?.token;
        // The next piece of the text, spelled right: else nothing from here on can be matched safely.
        if (typeof token !== "string" || !piece.startsWith(token, at) || !spells(entry?.bytes, token)) return misaligned();
        const value = known(entry as Json, token);
        if ((entry as Json).top_logprobs !== undefined) value.top_logprobs = [];
        items.push({ start: offset + at, end: offset + at + token.length, entry: value, alternatives: alternativesOf((entry as Json).top_logprobs) });
        at += token.length;
      }
      if (at !== piece.length) return misaligned(); // no entries for part of this text
      offset += at;
      queued.push(...items);
      drain();
    },
    release({ to, replaced: spans }) {
      replaced.push(...spans);
      released = to;
      drain();
    },
    finish() {
      for (const target of readings) target?.stream.flush();
      drain();
    },
    take() {
      const out = ready;
      ready = [];
      return out;
    },
    kept,
  };
}

/** The entries of a whole text to keep (see the header); `replaced`: the text's replaced spans. */
export function keptEntries(reply: ReplyMasker, location: string, entries: unknown, text: string, replaced: readonly Span[]): unknown[] {
  const queue = createLogprobQueue(reply, location);
  queue.add(entries, text);
  queue.release({ from: 0, to: text.length, replaced });
  queue.finish();
  return queue.take();
}
