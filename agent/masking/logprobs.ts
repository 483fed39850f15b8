// Logprobs spell the text they describe token by token (`token`, its `bytes`, and the alternatives in
// `top_logprobs`), so they must not show what masking hid. The rule: an entry reaches the caller only
// with text that went out unchanged; an entry whose token overlaps a replaced span (a masked value,
// or a restored placeholder) is removed with its alternatives. Entries are matched to the text by
// their tokens' lengths; when those do not add up to the text (tokens cut inside a character, or a
// shape the agent does not know), every entry from there on is removed. In a stream the entries
// travel with their text: they go out in the event that releases the text they spell.
import type { Release } from "./text-stream.js";

interface Queued {
  start: number;
  end: number;
  entry: unknown;
}

export interface LogprobQueue {
  /** The entries describing the piece of text about to be pushed (`length` UTF-16 units long); null or undefined: the piece came without any. */
  add(entries: unknown, length: number): void;
  /** The text stream released `release` (wire to TextStream.onRelease). */
  release(release: Release): void;
  /** Entries decided since the last take (kept ones, in order). */
  take(): unknown[];
  /** Every entry kept so far (what done events and final objects repeat). */
  readonly kept: readonly unknown[];
}

const tokenLength = (entry: unknown): number | undefined => {
  const token = typeof entry === "object" && entry !== null ? (entry as { token?: unknown }).token : undefined;
  return typeof token === "string" ? token.length : undefined;
};

/** An empty queue for one text stream. */
export function createLogprobQueue(): LogprobQueue {
  let queued: Queued[] = [];
  let replaced: (readonly [number, number])[] = []; // spans still touching queued entries
  let offset = 0;
  let aligned = true;
  let started = false; // entries came for an earlier piece: one without them now breaks the alignment
  let ready: unknown[] = [];
  const kept: unknown[] = [];
  const overlapsReplaced = (item: Queued) => replaced.some(([start, end]) => start < item.end && end > item.start);
  return {
    add(entries, length) {
      if (!aligned) return;
      if (entries === null || entries === undefined) {
        if (started) {
          aligned = false;
          queued = [];
        } else offset += length;
        return;
      }
      started = true;
      const list = Array.isArray(entries) ? entries : [];
      let total = 0;
      for (const entry of list) {
        const length = tokenLength(entry);
        if (length === undefined) total = Number.NaN;
        else total += length;
      }
      if (total !== length && !(list.length === 0 && length === 0)) {
        // Misaligned (or no entries for this text): nothing more can be matched safely.
        aligned = false;
        queued = [];
        return;
      }
      for (const entry of list) {
        const end = offset + (tokenLength(entry) as number);
        queued.push({ start: offset, end, entry });
        offset = end;
      }
    },
    release({ to, replaced: spans }) {
      replaced.push(...spans);
      let done = 0;
      while (done < queued.length && queued[done].end <= to) {
        const item = queued[done++];
        if (!overlapsReplaced(item)) {
          ready.push(item.entry);
          kept.push(item.entry);
        }
      }
      queued = queued.slice(done);
      const first = queued[0]?.start ?? to;
      replaced = replaced.filter(([, end]) => end > first);
    },
    take() {
      const out = ready;
      ready = [];
      return out;
    },
    kept,
  };
}

/** The entries of a whole text to keep: those spelling unchanged text (see the header). */
export function keptEntries(entries: unknown, text: string, replaced: readonly (readonly [number, number])[]): unknown[] {
  const queue = createLogprobQueue();
  queue.add(entries, text.length);
  queue.release({ from: 0, to: text.length, replaced });
  return queue.take();
}
