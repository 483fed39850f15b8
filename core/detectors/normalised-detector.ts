// A detector that reads a normalised view of the text (core/text/normalise.ts) instead of the text
// itself, with its findings mapped back to the original spans: what is masked is what the caller
// wrote (`ｊａｎｅ＠…`, `ja\u200bne@…`, `jane%40…`), found as what it reads as. The view of the last
// text is kept, so the detectors of a set scanning the same text build it once.
import { pendingEscape, pendingMarkup } from "../text/escapes.js";
import { mergeFindings } from "./merge-findings.js";
import { renderedView, type NormalisedView } from "../text/normalise.js";
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

/** The rendered view (markup hidden) with a one-entry memo; undefined for a text without markup to hide. */
export function memoisedRendered(): (text: string) => NormalisedView | undefined {
  let last: string | undefined;
  let made: NormalisedView | undefined;
  return (text) => {
    if (text !== last) {
      last = text;
      made = renderedView(text);
    }
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

/**
 * `detector` reading `view(text)`; holds back from where the view's hold maps back to, and from a
 * cut escape at the end. With `rendered` (a second view, undefined for texts it would not change:
 * the rendered view of core/text/normalise.ts), it reads that one too and keeps the findings of
 * both, and a stream holds from a tag or comment still open at its end.
 */
export function normalisedDetector(detector: Detector, view: ViewOf, rendered?: (text: string) => NormalisedView | undefined): Detector {
  const plain = viewDetector(detector, view);
  if (!rendered) return plain;
  const holdRendered = (text: string): number => {
    // A tag still open at the end may close and join what is before it to what comes after it.
    const open = pendingMarkup(text);
    const head = open < text.length ? text.slice(0, open) : text;
    const markup = rendered(head);
    const hold = markup ? (markup.text === "" ? head.length : markupHold(head, markup)) : open < text.length ? plain.holdFrom(head) : text.length;
    return Math.min(open, hold);
  };
  const markupHold = (text: string, markup: NormalisedView): number => {
    const hold = detector.holdFrom(markup.text);
    return hold >= markup.text.length ? text.length : markup.toOriginal(hold, hold)[0];
  };
  return {
    name: detector.name,
    maxLength: detector.maxLength,
    find(text) {
      const found = plain.find(text);
      const markup = rendered(text);
      if (!markup) return found;
      const more = findingsInOriginal(text, markup, detector.find(markup.text));
      return more.length === 0 ? found : mergeFindings([...found, ...more], text);
    },
    holdFrom: (text) => Math.min(plain.holdFrom(text), holdRendered(text)),
  };
}

function viewDetector(detector: Detector, view: ViewOf): Detector {
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
