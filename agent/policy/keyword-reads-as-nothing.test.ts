import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileContentMatch, promptView } from "./content-match.js";
import { keywordReadsAsNothing } from "../../core/policy/keyword-reading.js";

describe("keywordReadsAsNothing", () => {
  it.each(["-", "_ -", "\u200b", "\u00ad\u200d", "\u0301", " \u2060 ", "\u200b!"])("says %j reads as nothing or as punctuation alone", (keyword) => {
    expect(keywordReadsAsNothing(keyword)).toBe(keyword !== "\u200b!");
  });

  it.each(["nightingale", "c++", "code-7", "é", "ß", "数", "$x/y"])("says %j reads as something", (keyword) => {
    expect(keywordReadsAsNothing(keyword)).toBe(false);
  });

  // What the control plane refuses is exactly what the agent could not tell apart: a keyword that
  // reads as something is not found in a prompt of unrelated prose; one that reads as nothing
  // is found in every prompt or none.
  it("agrees with the agent's matcher", () => {
    const alphabet = fc.constantFrom("a", "Z", "7", " ", "-", "_", "\u200b", "\u00ad", "\u0301", "+", ".", "é", "\u2060", "\t");
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((chars) => chars.join("")), (keyword) => {
        fc.pre(keyword.trim() !== "");
        const rules = compileContentMatch("p", [keyword], []);
        const prompts = ["qqq", "w w", "x.y", "a Z 7"].map((text) => promptView(text));
        const found = prompts.map((prompt) => rules?.test(prompt) ?? true);
        if (keywordReadsAsNothing(keyword)) expect(found.every(Boolean) || !found.some(Boolean)).toBe(true);
        else expect(found[0]).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
