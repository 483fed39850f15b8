// Masks one stream of text that arrives in pieces (a choice's content, a content block, an
// output_text part): emits at once everything the detectors have settled and holds back only the
// tail that could still become a match (or a placeholder to restore). Each piece costs a scan of
// the last LOOKBEHIND emitted characters + the held tail + the piece, never of the whole text, so a
// reply is masked in time linear in its length (times the hold, which is about a word).
import { LOOKBEHIND } from "../../core/detectors/detector.js";
import type { ReplyMasker } from "./mask-context.js";
import { applyMatches, type TwoTexts } from "./replacer.js";

export interface TextStream {
  /** Takes the next piece; returns what can be sent now (maybe empty). */
  push(piece: string): TwoTexts;
  /** Ends the stream: returns everything still held, masked. */
  flush(): TwoTexts;
  /** Everything returned so far, concatenated (what the "done" events repeat). */
  readonly emitted: TwoTexts;
  readonly finished: boolean;
}

// A long held tail (a private key block arriving token by token, up to 16 KB) is not rescanned on
// every piece: past RESCAN_ALWAYS characters, only once it has grown by a quarter since the last
// scan. The scans' lengths then grow geometrically, so the work stays linear in the text (a 3 KB
// key in 1-character deltas took 2.8 s of CPU when rescanned per piece); the cost is holding up to
// a quarter more of an already long tail.
const RESCAN_ALWAYS = 256;

/** A stream counting its findings at `location`. */
export function createTextStream(reply: ReplyMasker, location: string): TextStream {
  let context = ""; // the last LOOKBEHIND characters already emitted (original text)
  let held = "";
  let unscanned = 0; // characters of `held` that arrived since the last scan
  let finished = false;
  const emitted = { client: "", record: "" };

  const release = (text: string, final: boolean): TwoTexts => {
    const view = context + text;
    const from = context.length;
    const scan = reply.scanner.scan(view);
    const matches = scan.matches.filter((match) => match.start >= from);
    const hold = final ? view.length : Math.max(from, reply.scanner.holdFrom(view, scan.spans.filter((span) => span.start >= from)));
    const out = hold === from ? { client: "", record: "" } : applyMatches(view, matches, from, hold, location, reply.replacer);
    context = view.slice(Math.max(0, hold - LOOKBEHIND), hold);
    held = view.slice(hold);
    unscanned = 0;
    emitted.client += out.client;
    emitted.record += out.record;
    return out;
  };

  return {
    push(piece) {
      if (piece === "") return { client: "", record: "" };
      finished = false;
      unscanned += piece.length;
      if (held.length >= RESCAN_ALWAYS && unscanned * 4 < held.length + piece.length) {
        held += piece;
        return { client: "", record: "" };
      }
      return release(held + piece, false);
    },
    flush() {
      finished = true;
      if (held === "") return { client: "", record: "" };
      return release(held, true);
    },
    emitted,
    get finished() {
      return finished;
    },
  };
}
