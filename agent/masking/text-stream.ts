// Masks one stream of text that arrives in pieces (a choice's content, a content block, an
// output_text part): emits at once everything the detectors have settled and holds back only the
// tail that could still become a match (or a placeholder to restore). Each piece costs a scan of
// the last LOOKBEHIND emitted characters + the held tail + the piece, never of the whole text, so a
// reply is masked in time linear in its length (times the hold, which is about a word).
import { LOOKBEHIND } from "./detectors/detector.js";
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

/** A stream counting its findings at `location`. */
export function createTextStream(reply: ReplyMasker, location: string): TextStream {
  let context = ""; // the last LOOKBEHIND characters already emitted (original text)
  let held = "";
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
    emitted.client += out.client;
    emitted.record += out.record;
    return out;
  };

  return {
    push(piece) {
      if (piece === "") return { client: "", record: "" };
      finished = false;
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
