// A detector that reads a normalised view of the text (core/text/normalise.ts) instead of the text
// itself, with its findings mapped back to the original spans: what is masked is what the caller
// wrote (`ｊａｎｅ＠…`, `ja\u200bne@…`, `jane%40…`), found as what it reads as. The view of the last
// text is kept, so the detectors of a set scanning the same text build it once.
import { pendingEscape } from "../text/escapes.js";
import type { NormalisedView } from "../text/normalise.js";
import type { Detector, Finding } from "./detector.js";

/** Builds a view of a text; memoised per text by the wrapper. */
export type ViewOf = (text: string) => NormalisedView;

/** `view` with a two-entry memo (the detectors of one set are called on the same text in a row, and a stream's hold also reads the text before a cut escape). */
export function memoisedView(view: ViewOf): ViewOf {
  let texts: [string | undefined, string | undefined] = [undefined, undefined];
  let views: [NormalisedView | undefined, NormalisedView | undefined] = [undefined, undefined];
  return (text) => {
    if (text === texts[0] && views[0]) return views[0];
    if (text === texts[1] && views[1]) return views[1];
    const made = view(text);
    texts = [text, texts[0]];
    views = [made, views[0]];
    return made;
  };
}

/** `findings` of the view's text, as spans of `text`. */
export function findingsInOriginal(text: string, view: NormalisedView, findings: readonly Finding[]): Finding[] {
  return findings.map((finding) => {
    const [start, end] = view.toOriginal(finding.start, finding.end);
    return { ...finding, start, end, value: text.slice(start, end) };
  });
}

/** `detector` reading `view(text)`; holds back from where the view's hold maps back to, and from a cut escape at the end. */
export function normalisedDetector(detector: Detector, view: ViewOf): Detector {
  const holdIn = (text: string, normalised: NormalisedView): number => {
    if (normalised.identity) return detector.holdFrom(text);
    const hold = detector.holdFrom(normalised.text);
    return hold >= normalised.text.length ? text.length : normalised.toOriginal(hold, hold)[0];
  };
  const holdFrom = (text: string): number => {
    const normalised = view(text);
    if (normalised.identity) return detector.holdFrom(text); // plain ASCII: no escape, cut or whole
    // A cut escape at the end (`&comm`, `%4`, `\u00`) may still decode to part of a value: it is
    // held, and so is what the text before it holds without it. Trailing variation selectors (a
    // smuggled run still growing) and a high surrogate are held too.
    const pending = pendingEscape(text);
    if (pending.escape < text.length) {
      const head = text.slice(0, pending.escape);
      return Math.min(pending.escape, pending.tail, holdIn(head, view(head)));
    }
    return Math.min(pending.tail, holdIn(text, normalised));
  };
  return {
    name: detector.name,
    maxLength: detector.maxLength,
    find(text) {
      const normalised = view(text);
      if (normalised.identity) return detector.find(text);
      return findingsInOriginal(text, normalised, detector.find(normalised.text));
    },
    holdFrom,
  };
}
