// Markup a renderer hides cutting a word: "project <b>night</b>ingale" and "night<!-- -->ingale"
// show as "project nightingale". Detectors read the rendered view (core/text/normalise.ts: tags and
// comments as nothing); keywords read the word view, where a tag's name is a word of its own ("b")
// and breaks the keyword. So a text holding HTML markup is read once more as its rendered view's
// word view (most texts hold none and cost a regular expression test).
import { renderedView } from "../../core/text/normalise.js";
import { foldDetected } from "../../core/text/word-view.js";
import type { TextSlot } from "./text-slot.js";

// An HTML tag or comment may start here (markdown's `*` and `` ` `` are separators in the word view already).
const htmlMarkup = /<[!/A-Za-z]/;

/** The word views of the slots holding HTML markup, as rendered (markup read as nothing). */
export function renderedReadings(slots: readonly TextSlot[]): string[] {
  const readings: string[] = [];
  for (const slot of slots) {
    // Every match opens with "<": a native search first (most texts hold none, and the message is long).
    if (!slot.text.includes("<") || !htmlMarkup.test(slot.text)) continue;
    const view = renderedView(slot.text);
    if (view) readings.push(foldDetected(view.text));
  }
  return readings;
}
