import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileContentMatch, promptView } from "./content-match.js";

// Every whitespace character JavaScript's \s knows (U+FEFF and U+200B are invisible, so dropped: they join words).
const spaces = [" ", "\t", "\n", "\v", "\f", "\r", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u0085"];

describe("keywords", () => {
  const matcher = compileContentMatch("report-words", ["Quarterly Report"], [])!;

  it("match across any run of whitespace or punctuation, in any case", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...spaces, "-", "_", ".", " — "), { minLength: 1, maxLength: 4 }), (gap) => {
      expect(matcher.test(promptView(`the QUARTERLY${gap.join("")}report is late`))).toBe(true);
    }), { numRuns: 500 });
    expect(matcher.test(promptView("the quarterly-report"))).toBe(true);
  });

  it.each([
    ["look-alike letters", "the quаrterly reроrt"],
    ["zero-width and soft hyphen", "the quar\u200bterly re\u00adport"],
    ["full-width", "ｔｈｅ ｑｕａｒｔｅｒｌｙ ｒｅｐｏｒｔ"],
    ["spelled out", "the q u a r t e r l y report"],
    ["digits for letters", "the quarter1y rep0rt"],
  ])("match %s", (_name, text) => {
    expect(matcher.test(promptView(text))).toBe(true);
  });

  it("match from the start of a word (inflected: keyword-match.ts), in any of the texts", () => {
    expect(matcher.test(promptView("quarterly reports"))).toBe(true);
    expect(matcher.test(promptView("biquarterly report"))).toBe(false);
    expect(matcher.test(promptView("nothing here", "the quarterly report"))).toBe(true);
  });
});

describe("patterns", () => {
  it("read the detector view: invisible characters and full-width digits do not hide a match", () => {
    const matcher = compileContentMatch("ssn", [], ["\\b\\d{3}-\\d{2}-\\d{4}\\b"])!;
    expect(matcher.test(promptView("ssn 123-45-6789"))).toBe(true);
    expect(matcher.test(promptView("ssn １２３-４５-６７８９"))).toBe(true);
    expect(matcher.test(promptView("ssn 123-4\u200b5-6789"))).toBe(true);
    expect(matcher.test(promptView("ssn 123-456-789"))).toBe(false);
  });
});

describe("literal keywords", () => {
  it("find a keyword of invisible characters alone in any text, and end (it hung where every position touched a word)", () => {
    const matcher = compileContentMatch("invisible", ["\u200b"], [])!;
    expect(matcher.test(promptView("ab"))).toBe(true);
    expect(matcher.test(promptView("hello, world"))).toBe(true);
  });
});
