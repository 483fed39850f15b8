// Masks one stream of text that arrives in pieces (a choice's content, a content block, an
// output_text part): emits at once everything the detectors have settled and holds back only the
// tail that could still become a match (or a placeholder to restore). Each piece costs a scan of
// the look-behind context + the held tail + the piece, never of the whole text, so a reply is
// masked in time linear in its length (times the hold, which is about a word).
import { LOOKBEHIND, type Finding } from "../../core/detectors/detector.js";
import type { ReplyMasker } from "./mask-context.js";
import type { Match } from "./match-scanner.js";
import { applyMatches, type Replacer, type TwoTexts } from "./replacer.js";
import { createBase64Watch } from "./base64-watch.js";
import { lineTail, withholdInUrls } from "./restore-guard.js";
import { SignLedger } from "./sign-ledger.js";

/** What one push or flush released, in offsets of the stream's original text, and which parts of it were replaced. */
export interface Release {
  from: number;
  to: number;
  /** Replaced spans (placeholders restored included), sorted, within [from, to). */
  replaced: readonly (readonly [number, number])[];
}

export interface TextStream {
  /** Takes the next piece; returns what can be sent now (maybe empty). */
  push(piece: string): TwoTexts;
  /** Ends the stream: returns everything still held, masked. */
  flush(): TwoTexts;
  /** Everything returned so far, concatenated (what the "done" events repeat). */
  readonly emitted: TwoTexts;
  /** Everything pushed so far, as it came. */
  readonly original: string;
  readonly finished: boolean;
  /** Text pushed but not yet released (a flush would release something). */
  readonly holding: boolean;
  /** After flush: the text that was still open before it (and its look-behind), for a stream that continues this one. */
  readonly tail: string;
  /**
   * Starts a new segment (the next block of text readers join to this one): what is pushed from now
   * on belongs to it and push() returns only its part; the rest of the earlier segment, as the
   * detectors settle it, goes to takeEarlier(). A value across the boundary is masked whole, its
   * marker in the earlier segment.
   */
  split(): void;
  /** Released text of the segment before split() that push() did not return (taken once). */
  takeEarlier(): TwoTexts;
  /** Every character of the segment before split() has been released. */
  readonly earlierSettled: boolean;
  /** Told of every release (logprobs follow the text they describe). */
  onRelease?: (release: Release) => void;
  /** A piece of the field that passes as it is (a binary chunk), read only as the base64 it continues (base64-watch.ts). */
  passing(piece: string): void;
}

/** How a TextStream's read-outs are read (each a plain function over the stream's own state). */
export interface StreamReads {
  original(): string;
  finished(): boolean;
  holding(): boolean;
  tail(): string;
  earlierSettled(): boolean;
}

type StreamActs = Pick<TextStream, "push" | "flush" | "passing" | "emitted" | "split" | "takeEarlier">;

/**
 * A TextStream made of `acts` and `reads`. Its read-outs are a class's getters, not an object
 * literal's: V8 keeps a literal's accessors in the old generation, so each stream's getter closures
 * (and the stream's state they reach) outlived every scavenge until the next full GC
 * (docs/performance.md, "Issue 13: the tail at one connection").
 */
export class ComputedStream implements TextStream {
  onRelease?: (release: Release) => void;
  readonly push: TextStream["push"];
  readonly flush: TextStream["flush"];
  readonly passing: TextStream["passing"];
  readonly emitted: TwoTexts;
  readonly split: TextStream["split"];
  readonly takeEarlier: TextStream["takeEarlier"];

  constructor(
    acts: StreamActs,
    private readonly reads: StreamReads,
  ) {
    this.push = acts.push;
    this.flush = acts.flush;
    this.passing = acts.passing;
    this.emitted = acts.emitted;
    this.split = acts.split;
    this.takeEarlier = acts.takeEarlier;
  }

  get original(): string {
    return this.reads.original();
  }

  get finished(): boolean {
    return this.reads.finished();
  }

  get holding(): boolean {
    return this.reads.holding();
  }

  get tail(): string {
    return this.reads.tail();
  }

  get earlierSettled(): boolean {
    return this.reads.earlierSettled();
  }
}

// A long held tail (a private key block arriving token by token, up to 16 KB) is not rescanned on
// every piece: past RESCAN_ALWAYS characters, only once it has grown by a quarter since the last
// scan. The scans' lengths then grow geometrically, so the work stays linear in the text (a 3 KB
// key in 1-character deltas took 2.8 s of CPU when rescanned per piece); the cost is holding up to
// a quarter more of an already long tail.
const RESCAN_ALWAYS = 256;

// Look-behind context. Detectors look at most LOOKBEHIND characters before a match, except across
// runs of whitespace, which their patterns cross whole (`aws_secret_access_key =` + any number of
// spaces + the key): a run counts as one character here, and is kept up to WHITESPACE_RUN long (no
// built-in pattern counts more spaces than that).
const WHITESPACE_RUN = 64;
const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000 || code === 0xfeff || (code >= 0x2000 && code <= 0x200b);

// Whether the last lookbehindContext cut a whitespace run (its context is then not the text as it came).
let shortenedRun = false;

/** The context to keep before `text[end]`: LOOKBEHIND characters, whitespace runs counting once (and cut to WHITESPACE_RUN). */
export function lookbehindContext(text: string, end: number): string {
  let units = 0;
  let at = end;
  let shortened = false;
  while (at > 0 && units < LOOKBEHIND) {
    if (isSpace(text.charCodeAt(at - 1))) {
      let run = at - 1;
      while (run > 0 && isSpace(text.charCodeAt(run - 1))) run--;
      if (at - run > WHITESPACE_RUN) shortened = true;
      at = run;
    } else at--;
    units++;
  }
  shortenedRun = shortened;
  if (!shortened) return text.slice(at, end);
  return text.slice(at, end).replace(/\s{65,}/g, (run) => run.slice(-WHITESPACE_RUN));
}

/** `view[from, to)` with its matches replaced; a match that starts before `from` was rendered there and is only skipped here. */
function renderRange(view: string, matches: readonly Match[], from: number, to: number, location: string, replacer: Replacer): TwoTexts {
  let client = "";
  let record = "";
  let at = from;
  for (const match of matches) {
    if (match.end <= from || match.start >= to) continue;
    if (match.start >= from) {
      const piece = view.slice(at, match.start);
      const replaced = replacer.replace(match, location);
      client += piece + replaced.client;
      record += piece + replaced.record;
    }
    at = Math.max(at, Math.min(match.end, to));
  }
  const rest = view.slice(at, to);
  return { client: client + rest, record: record + rest };
}

/**
 * A stream counting its findings at `location`. `continues`: the tail of a stream readers join this
 * one to (the text block before it): a value reaching from it into this stream is masked from this
 * stream's first character on (what the other stream released is already gone).
 */
export function createTextStream(reply: ReplyMasker, location: string, continues = ""): TextStream {
  let context = continues; // the look-behind context before `held` (original text, already emitted)
  let line = reply.restoring ? lineTail(continues) : ""; // the released end of the current line (restore-guard.ts)
  let crossing = continues !== ""; // the first release checks for a value reaching back into `continues`
  let tail = "";
  let held = "";
  let original = "";
  let released = 0; // original characters released so far
  let unscanned = 0; // characters of `held` that arrived since the last scan
  let finished = false;
  let boundary = -1; // where the current segment starts (original offset), after split()
  let tailExact = true; // `tail` is the text as it came (see `exact` below)
  let earlier = { client: "", record: "" };
  const emitted = { client: "", record: "" };
  const base64 = createBase64Watch(reply, location);
  // The stream's signs as its pieces come (sign-ledger.ts): a view that is quiet is not scanned.
  // Its offsets count `continues` and then every piece; `exact`: `context` is that text as it came
  // (no whitespace run cut), so a view ends at what the ledger read last and starts its length before.
  const quiet = reply.quiet;
  const ledger = quiet ? new SignLedger(quiet.digitRun) : undefined;
  ledger?.push(continues);
  let exact = true;
  // A context taken from `view` before `at` (lookbehindContext just ran): the text as it came when no run was cut, and it lies after `from` or the context before it was.
  const exactContext = (taken: string, at: number, from: number): boolean => !shortenedRun && (exact || taken.length <= at - from);

  // The released range [from, hold) of `view`, the part of it before the segment boundary kept for takeEarlier().
  const render = (view: string, matches: Match[], from: number, hold: number): TwoTexts => {
    const cut = boundary > released ? from + (boundary - released) : -1;
    if (cut <= from) return applyMatches(view, matches, from, hold, location, reply.replacer);
    const before = renderRange(view, matches, from, Math.min(cut, hold), location, reply.replacer);
    earlier = { client: earlier.client + before.client, record: earlier.record + before.record };
    return cut >= hold ? { client: "", record: "" } : renderRange(view, matches, cut, hold, location, reply.replacer);
  };

  const release = (text: string, final: boolean): TwoTexts => {
    const view = context + text;
    const from = context.length;
    const still = ledger !== undefined && exact && ledger.quietFrom(ledger.read - view.length);
    const scan = still ? { matches: [], spans: [] } : reply.scanner.scan(view);
    // Nothing found (most pieces): the scan's own empty lists, not two filtered copies.
    const none = scan.matches.length === 0 && scan.spans.length === 0;
    let matches = none ? scan.matches : scan.matches.filter((match) => match.start >= from);
    let spans: readonly Finding[] = none ? scan.spans : scan.spans.filter((span) => span.start >= from);
    if (crossing) {
      const reaching = scan.matches.find((match) => match.start < from && match.end > from);
      if (reaching) {
        const clipped = { ...reaching, start: from, value: view.slice(from, reaching.end) };
        matches = [clipped, ...matches];
        spans = [...spans, clipped];
      }
    }
    // A run of base64 still decoding to text is held whole (base64-watch.ts): a value in it refuses the reply before any of it goes out.
    const open = Math.max(from, Math.min(still ? quiet!.holdFrom(view) : reply.scanner.holdFrom(view, spans), view.length - base64.textRun));
    const hold = final ? view.length : open;
    if (hold > from) crossing = false;
    if (final) {
      const before = lookbehindContext(view, open);
      tailExact = exactContext(before, open, from);
      tail = before + view.slice(open);
    }
    const out = hold === from ? { client: "", record: "" } : render(view, reply.restoring ? withholdInUrls(matches, view, from, line) : matches, from, hold);
    if (reply.restoring && hold > from) line = lineTail(line + view.slice(from, hold));
    if (stream.onRelease && hold > from) {
      const replaced = matches.length === 0 ? [] : matches.filter((match) => match.end <= hold).map((match) => [match.start - from + released, match.end - from + released] as const);
      stream.onRelease({ from: released, to: released + hold - from, replaced });
    }
    released += hold - from;
    context = lookbehindContext(view, hold);
    exact = exactContext(context, hold, from);
    held = view.slice(hold);
    unscanned = 0;
    emitted.client += out.client;
    emitted.record += out.record;
    return out;
  };

  const stream: TextStream = new ComputedStream({
    push(piece) {
      if (piece === "") return { client: "", record: "" };
      base64.push(piece);
      ledger?.push(piece);
      finished = false;
      original += piece;
      unscanned += piece.length;
      if (held.length >= RESCAN_ALWAYS && unscanned * 4 < held.length + piece.length) {
        held += piece;
        return { client: "", record: "" };
      }
      return release(held + piece, false);
    },
    flush() {
      base64.end();
      finished = true;
      if (held === "") {
        tail = context;
        return { client: "", record: "" };
      }
      const out = release(held, true);
      // Readers join text sent after an end marker to what came before: if more comes, a value
      // reaching back into what was just released is masked from the new text's start.
      context = tail;
      exact = tailExact;
      crossing = true;
      return out;
    },
    passing: (piece) => base64.push(piece),
    emitted,
    split() {
      boundary = original.length;
    },
    takeEarlier() {
      const taken = earlier;
      earlier = { client: "", record: "" };
      return taken;
    },
  }, {
    original: () => original,
    finished: () => finished,
    holding: () => held !== "",
    tail: () => tail,
    earlierSettled: () => released >= boundary,
  });
  return stream;
}
