// The two views: what they fold, that offsets map back to the original span, and that the ASCII
// fast path of foldWords agrees with the general one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectorText, detectorView, foldWords, wordView } from "./normalise.js";

const original = (text: string, view: ReturnType<typeof detectorView>, needle: string) => {
  const at = view.text.indexOf(needle);
  if (at < 0) return undefined;
  const [start, end] = view.toOriginal(at, at + needle.length);
  return text.slice(start, end);
};

describe("detectorView", () => {
  it("is the text itself for plain ASCII", () => {
    const view = detectorView("mail jane.doe@example.com now");
    expect(view.identity).toBe(true);
  });

  it.each([
    ["full-width", "mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "jane@example.com", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"],
    ["zero-width split", "mail ja\u200bne@exa\u200dmple.com now", "jane@example.com", "ja\u200bne@exa\u200dmple.com"],
    ["soft hyphen and bidi", "ja\u00adne@ex\u202eample.com", "jane@example.com", "ja\u00adne@ex\u202eample.com"],
    ["percent-encoded", "mailto:jane.doe%40example.com?x", "jane.doe@example.com", "jane.doe%40example.com"],
    ["percent-encoded full-width @", "jane%EF%BC%A0example.com", "jane@example.com", "jane%EF%BC%A0example.com"],
    ["other-script digits", "card ٤١١١ ١١١١", "4111 1111", "٤١١١ ١١١١"],
    ["NBSP", "4111\u00a01111", "4111 1111", "4111\u00a01111"],
    ["combining marks", "ja\u0308ne", "jane", "ja\u0308ne"],
    ["variation selectors and tags", "j\ufe0fa\u{e0061}ne", "jane", "j\ufe0fa\u{e0061}ne"],
    ["astral math digits", "𝟒𝟏𝟏𝟏", "4111", "𝟒𝟏𝟏𝟏"],
    ["a JSON escape pasted as text", "jane.doe\\u0040example.com", "jane.doe@example.com", "jane.doe\\u0040example.com"],
    ["Cyrillic and Greek look-alike letters", "jаne.dοe@exаmple.com", "jane.doe@example.com", "jаne.dοe@exаmple.com"],
    ["a hex escape", "jane.doe\\x40example.com", "jane.doe@example.com", "jane.doe\\x40example.com"],
    ["an HTML character reference", "jane.doe&#64;example&#x2E;com", "jane.doe@example.com", "jane.doe&#64;example&#x2E;com"],
  ])("folds %s and maps back to the original span", (_name, text, needle, span) => {
    const view = detectorView(text);
    expect(view.text).toContain(needle);
    expect(original(text, view, needle)).toBe(span);
  });

  it("leaves a percent sign, an ampersand or a backslash that opens no escape alone", () => {
    expect(detectorView("100% sure é").text).toBe("100% sure e");
    expect(detectorView("AT&T \\n C:\\dir &#xZZ; \\u12 é").text).toBe("AT&T \\n C:\\dir &#xZZ; \\u12 e");
  });
});

describe("wordView and foldWords", () => {
  it.each([
    ["Project Nightingale", "project nlghtlngale"],
    ["PROJECT-NIGHTINGALE", "project nlghtlngale"],
    ["project_nightingale!!", "project nlghtlngale"],
    ["prоject nіghtingale", "project nlghtlngale"], // Cyrillic о and і
    ["pr0ject n1ghtingale", "project nlghtlngale"],
    ["proj\u00adect night\u200bingale", "project nlghtlngale"],
    ["ｐｒｏｊｅｃｔ　ｎｉｇｈｔｉｎｇａｌｅ", "project nlghtlngale"],
  ])("folds %j", (text, folded) => {
    expect(foldWords(text)).toBe(folded.replace(/m/g, "rn"));
  });

  it("maps a word view span back to the original", () => {
    const text = "see PRОJECT—Nightingale, today";
    const view = wordView(text);
    const at = view.text.indexOf("project");
    const [start, end] = view.toOriginal(at, view.text.indexOf("nlghtlngale") + "nlghtlngale".length);
    expect(text.slice(start, end)).toBe("PRОJECT—Nightingale");
  });

  it("the offset-free fold equals the word view's text, for any text", () => {
    const pieces = fc.constantFrom("&#64;", "\\u0040", "\\x4", "&", "\\", "a", "é", "İ", "ß", "Σ", "😀", "１", "٤", "\u200b", "\u00ad", "%40", "%E2%82%AC", "%", " ", "-", "n i g h t", "Прo", "ｍ", "ﬁ", "\u0301");
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 3 })), { maxLength: 16 }).map((parts) => parts.join("")), (text) => {
        expect(foldWords(text)).toBe(wordView(text).text.trim());
        expect(detectorText(text)).toBe(detectorView(text).text);
      }),
      { numRuns: 3000 },
    );
  });

  it("ASCII fast path equals the general path", () => {
    const ascii = fc.oneof(fc.string({ unit: "binary-ascii", maxLength: 40 }), fc.array(fc.constantFrom("a", "b", "1", "0", "i", "m", " ", ".", "-", "word", "XY", "  "), { maxLength: 20 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(ascii, (text) => {
        expect(foldWords(text)).toBe(wordView(text).text.trim());
      }),
      { numRuns: 2000 },
    );
  });
});

describe("long texts", () => {
  it("fold 300 KB of spelled-out and non-ASCII text without running out of stack", () => {
    const text = "wörd a b c d ".repeat(30_000);
    expect(foldWords(text).startsWith("word abcd word abcd")).toBe(true);
    expect(wordView(text).toOriginal(0, 1)).toEqual([0, 1]);
  });
});
