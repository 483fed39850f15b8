// A detector that reads a normalised view of the text (core/text/normalise.ts) instead of the text
// itself, with its findings mapped back to the original spans: what is masked is what the caller
// wrote (`ｊａｎｅ＠…`, `ja\u200bne@…`, `jane%40…`), found as what it reads as. The view of the last
// text is kept, so the detectors of a set scanning the same text build it once.
import type { NormalisedView } from "../text/normalise.js";
import type { Detector, Finding } from "./detector.js";

/** Builds a view of a text; memoised per text by the wrapper. */
export type ViewOf = (text: string) => NormalisedView;

/** `view` with a one-entry memo (the detectors of one set are called on the same text in a row). */
export function memoisedView(view: ViewOf): ViewOf {
  let lastText: string | undefined;
  let lastView: NormalisedView | undefined;
  return (text) => {
    if (text !== lastText || !lastView) {
      lastView = view(text);
      lastText = text;
    }
    return lastView;
  };
}

/** `findings` of the view's text, as spans of `text`. */
export function findingsInOriginal(text: string, view: NormalisedView, findings: readonly Finding[]): Finding[] {
  return findings.map((finding) => {
    const [start, end] = view.toOriginal(finding.start, finding.end);
    return { ...finding, start, end, value: text.slice(start, end) };
  });
}

/** `detector` reading `view(text)`; holds back from where the view's hold maps back to. */
export function normalisedDetector(detector: Detector, view: ViewOf): Detector {
  return {
    name: detector.name,
    maxLength: detector.maxLength,
    find(text) {
      const normalised = view(text);
      if (normalised.identity) return detector.find(text);
      return findingsInOriginal(text, normalised, detector.find(normalised.text));
    },
    holdFrom(text) {
      const normalised = view(text);
      if (normalised.identity) return detector.holdFrom(text);
      const hold = detector.holdFrom(normalised.text);
      return hold >= normalised.text.length ? text.length : normalised.toOriginal(hold, hold)[0];
    },
  };
}
