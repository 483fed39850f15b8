import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileContentMatch, promptView } from "./content-match.js";

// Every whitespace character JavaScript's \s knows, plus look-alikes that are not whitespace.
const spaces = [" ", "\t", "\n", "\v", "\f", "\r", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u0085", "\u200b"];
const pieces = fc.oneof(fc.constantFrom(...spaces), fc.string({ maxLength: 4 }), fc.constantFrom("İ", "Σ", "ß", "😀", "A"));
const texts = fc.array(pieces, { maxLength: 40 }).map((parts) => parts.join(""));

describe("promptView.folded", () => {
  it("is the text in lower case with every whitespace run as one space", () => {
    fc.assert(fc.property(texts, (text) => {
      expect(promptView(text).folded).toBe(text.toLowerCase().replace(/\s+/gu, " "));
    }), { numRuns: 5_000 });
  });

  it("lets a keyword match across any run of whitespace", () => {
    const matcher = compileContentMatch("report-words", ["Quarterly Report"], []);
    expect(matcher?.test(promptView("the QUARTERLY \t\n report is late"))).toBe(true);
    expect(matcher?.test(promptView("the quarterly\u00a0report"))).toBe(true);
    expect(matcher?.test(promptView("the quarterly-report"))).toBe(false);
  });
});
