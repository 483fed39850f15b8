// Text whose pieces may or may not be read as one by the caller: fields no provider handler knows
// as deltas (unknown fields and event types, annotations, citations, non-JSON event data, and in a
// whole document every string of one path pattern). Pieces of one key are matched joined, in order;
// a piece is final (its masked text delivered to its owner) once the detectors have settled the text
// up to its end, so its owner (an event) waits only while a value may still continue into the next
// piece. A key is interrupted by an event that does not carry it: what it held is settled as it is
// (an event never waits on a field that stopped coming). If it resumes and a value crosses from the
// settled part into the new piece, the part in the new piece is masked (the marker opens the piece):
// what went out before the interruption was, on its own, no value the detectors know.
import type { Match } from "./match-scanner.js";
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import { createBase64Watch } from "./base64-watch.js";
import { lineTail, withholdInUrls } from "./restore-guard.js";
import { lookbehindContext } from "./text-stream.js";

/** Receives a piece's final text (undefined: unchanged) and the spans of it that were replaced (piece offsets). */
export type Deliver = (texts: TwoTexts | undefined, replaced: readonly (readonly [number, number])[]) => void;

interface Piece {
  start: number;
  end: number;
  location: string;
  deliver: Deliver;
}

/** One key's pieces. */
interface LooseStream {
  /** `opaque`: a piece not to read as base64 joined to its neighbours (it was read whole: a base64 string, an encrypted token). */
  push(piece: string, location: string, deliver: Deliver, opaque?: boolean): void;
  /**
   * Settles and delivers everything (end of the stream, or an interruption); returns the text a
   * resumed piece is checked against — unless `last` (the reply ended: nothing resumes, so neither
   * that text nor the detectors' hold is worked out; the matches and deliveries are the same).
   */
  settle(last?: boolean): string;
}

const RESCAN_ALWAYS = 256;

// A whole document's pieces of one key are queued, unscanned, while their text cannot hold a finding
// (WHOLE_QUEUE_CHARS and _PIECES bound the quick tests, each over the text so far).
const WHOLE_QUEUE_CHARS = 16_384;
const WHOLE_QUEUE_PIECES = 16;

function createLooseStream(reply: ReplyMasker, location: string, resumeFrom: string | undefined, whole: boolean): LooseStream {
  const base64 = createBase64Watch(reply, location);
  // Absolute offsets count the key's text since this stream began (after any resume context).
  let context = resumeFrom ?? ""; // look-behind before `decided`
  let line = reply.restoring ? lineTail(context) : ""; // the decided end of the current line (restore-guard.ts)
  let pendingStart = 0; // absolute offset of pending[0]
  let pending = ""; // text of the pieces not yet delivered (decided part first)
  let decided = 0; // masking is decided for text before this absolute offset
  let unscanned = 0;
  let matches: Match[] = []; // decided matches not yet consumed, absolute offsets
  let pieces: Piece[] = [];
  let crossingCheck = resumeFrom !== undefined && resumeFrom !== "";
  let resume = ""; // after a final scan: the tail that was still open, with its look-behind

  const deliverPiece = (piece: Piece) => {
    const text = pending.slice(piece.start - pendingStart, piece.end - pendingStart);
    const overlapping = matches.filter((match) => match.start < piece.end && match.end > piece.start);
    if (overlapping.length === 0) return piece.deliver(undefined, []);
    let client = "";
    let record = "";
    let at = piece.start;
    const replaced: (readonly [number, number])[] = [];
    for (const match of overlapping) {
      if (match.start >= piece.start) {
        const before = text.slice(at - piece.start, match.start - piece.start);
        const replacement = reply.replacer.replace(match, piece.location);
        client += before + replacement.client;
        record += before + replacement.record;
      }
      const end = Math.min(match.end, piece.end);
      replaced.push([Math.max(match.start, piece.start) - piece.start, end - piece.start]);
      at = Math.max(at, end);
    }
    const rest = text.slice(at - piece.start);
    piece.deliver({ client: client + rest, record: record + rest }, replaced);
  };

  const scan = (final: boolean, last = false) => {
    const from = context.length;
    const view = context + pending.slice(decided - pendingStart);
    const found = reply.scanner.scan(view);
    if (crossingCheck) {
      // The first scan after a resume: a value reaching back into text already released is masked from here.
      crossingCheck = false;
      for (const match of found.matches) {
        if (match.start < from && match.end > from) matches.push({ ...match, start: decided, end: match.end - from + decided, value: view.slice(from, match.end) });
      }
    }
    // At the reply's end everything is decided: where a stream would hold is asked only for the resume text.
    const open = last ? view.length : Math.max(from, reply.scanner.holdFrom(view, found.spans.filter((span) => span.start >= from)));
    const hold = final ? view.length : open;
    if (final && !last) resume = lookbehindContext(view, open) + view.slice(open);
    for (const match of reply.restoring ? withholdInUrls(found.matches, view, from, line) : found.matches) {
      if (match.start >= from && match.end <= hold) matches.push({ ...match, start: match.start - from + decided, end: match.end - from + decided });
    }
    if (reply.restoring && !last) line = lineTail(line + view.slice(from, hold));
    if (!last) context = lookbehindContext(view, hold);
    decided += hold - from;
    unscanned = 0;
    let delivered = 0;
    while (delivered < pieces.length && pieces[delivered].end <= decided) deliverPiece(pieces[delivered++]);
    if (delivered === 0) return;
    pieces = pieces.slice(delivered);
    const keepFrom = pieces.length > 0 ? pieces[0].start : decided;
    pending = pending.slice(keepFrom - pendingStart);
    pendingStart = keepFrom;
    matches = matches.filter((match) => match.end > keepFrom);
  };

  const add = (piece: string, location: string, deliver: Deliver) => {
    const start = pendingStart + pending.length;
    pending += piece;
    pieces.push({ start, end: start + piece.length, location, deliver });
    unscanned += piece.length;
    const undecided = pendingStart + pending.length - decided;
    if (!crossingCheck && undecided >= RESCAN_ALWAYS && unscanned * 4 < undecided) return;
    scan(false);
  };

  // Whole mode (a document, settled once at its end, never resumed): pieces wait here, unscanned,
  // while the detectors' quick test says their text joined cannot hold a finding (nor a placeholder,
  // nor an escape). Every view the scans would read is part of that text, so those scans would find
  // nothing: their only effect is to deliver the pieces unchanged, which the end does at once. The
  // first piece after which the text may hold something (or past the bounds) plays the queue through
  // the scans as it came, then itself: from there on it is the streaming path, step for step.
  let queued: Piece[] | undefined = whole && resumeFrom === undefined ? [] : undefined;
  let queuedText = "";
  const replay = () => {
    const list = queued ?? [];
    queued = undefined;
    for (const piece of list) add(queuedText.slice(piece.start, piece.end), piece.location, piece.deliver);
  };

  return {
    push(piece, location, deliver, opaque) {
      if (opaque) base64.breakRun();
      else base64.push(piece);
      if (queued) {
        const text = queuedText + piece;
        if (queued.length < WHOLE_QUEUE_PIECES && text.length <= WHOLE_QUEUE_CHARS && !reply.mayFind(text)) {
          queued.push({ start: queuedText.length, end: text.length, location, deliver });
          queuedText = text;
          return;
        }
        replay();
      }
      add(piece, location, deliver);
    },
    settle(last) {
      base64.end();
      if (queued && last) {
        const list = queued;
        queued = undefined;
        for (const piece of list) piece.deliver(undefined, []);
        return "";
      }
      if (queued) replay();
      if (pieces.length > 0 || crossingCheck) scan(true, last);
      else resume = context;
      return resume;
    },
  };
}

/** Loose text of one reply (a stream, or one whole document), by key. */
export interface LooseStreams {
  /** Adds a piece of `key`'s text; `deliver` gets its final text (maybe later, or at once); `opaque`: not read as base64 joined to its neighbours. */
  piece(key: string, text: string, location: string, deliver: Deliver, opaque?: boolean): void;
  /** One upstream event is done: the keys it did not carry are interrupted (settled as they are). */
  endEvent(): void;
  /** The reply ended: everything is settled and delivered. */
  finish(): void;
  /** No key is active (endEvent would do nothing). */
  readonly idle: boolean;
}

// `idle` is a class's getter, not an object literal's: V8 keeps a literal's accessors in the old
// generation, so each reply's getter closure (and the streams it reaches) outlived every scavenge
// until the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
class Loose implements LooseStreams {
  readonly piece: LooseStreams["piece"];
  readonly endEvent: LooseStreams["endEvent"];
  readonly finish: LooseStreams["finish"];

  constructor(
    private readonly idleNow: () => boolean,
    parts: Omit<LooseStreams, "idle">,
  ) {
    this.piece = parts.piece;
    this.endEvent = parts.endEvent;
    this.finish = parts.finish;
  }

  get idle(): boolean {
    return this.idleNow();
  }
}

/**
 * An empty set of loose streams for one reply; `whole`: of one whole document (or several read as
 * one reply), finished at once after its last piece and never interrupted (endEvent is not called).
 */
export function createLooseStreams(reply: ReplyMasker, whole = false): LooseStreams {
  const active = new Map<string, LooseStream>();
  // Keys interrupted, with the text a resumed piece is checked against (the unsettled tail and its context).
  let resumable: Map<string, string> | undefined; // made at the first interruption (a whole document has none)
  const seen = new Set<string>();
  return new Loose(() => active.size === 0, {
    piece(key, text, location, deliver, opaque) {
      seen.add(key);
      let stream = active.get(key);
      if (!stream) {
        stream = createLooseStream(reply, location, resumable?.get(key), whole);
        resumable?.delete(key);
        active.set(key, stream);
      }
      stream.push(text, location, deliver, opaque);
    },
    endEvent() {
      if (active.size === 0) return;
      for (const [key, stream] of active) {
        if (seen.has(key)) continue;
        (resumable ??= new Map()).set(key, stream.settle());
        active.delete(key);
      }
      seen.clear();
    },
    finish() {
      for (const stream of active.values()) stream.settle(true);
      active.clear();
    },
  });
}
