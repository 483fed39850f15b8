// renderedReadings with a native search for "<" before its markup test, against the previous test alone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderedView } from "../../core/text/normalise.js";
import { foldDetected } from "../../core/text/word-view.js";
import { renderedReadings } from "./rendered-readings.js";

const htmlMarkup = /<[!/A-Za-z]/;
function previous(texts: readonly string[]): string[] {
  const readings: string[] = [];
  for (const text of texts) {
    if (!htmlMarkup.test(text)) continue;
    const view = renderedView(text);
    if (view) readings.push(foldDetected(view.text));
  }
  return readings;
}

describe("renderedReadings", () => {
  it("reads the same slots as before, markup or not", () => {
    const piece = fc.constantFrom("project ", "<b>", "night", "</b>", "ingale", "<!-- -->", "< b", "<", ">", "a<1", "&lt;b&gt;", "<Br/>", "é", "\n");
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""))), { maxLength: 6 }), (texts) => {
        expect(renderedReadings(texts.map((text, index) => ({ text, location: `s${index}` })))).toEqual(previous(texts));
      }),
      { numRuns: 3000 },
    );
  });
});
