import { describe, expect, it } from "vitest";
import { patternDetector, PATTERN_HOLD, wordDetector } from "./custom.js";
import { checkCorpus, checkHold, spans } from "./test-corpus.js";

describe("custom pattern detector", () => {
  const detector = patternDetector(["\\bticket-\\d{4}\\b", "PRJ-[A-Z]{3}", "x*"]);

  it("finds every pattern's matches, names the pattern and skips empty matches", () => {
    checkCorpus(detector, ["ticket-1234", "PRJ-ABC"], ["ticket-12345", "ticket-123", "prj-abc"]);
    expect(detector.find("ab")).toEqual([]);
    expect(detector.find("ticket-0001 and PRJ-XYZ").map((finding) => finding.kind)).toEqual(["pattern-1", "pattern-2"]);
  });

  it("refuses an invalid expression, naming it", () => {
    expect(() => patternDetector(["ok", "(unclosed"])).toThrow(/pattern 2 is not a valid regular expression/);
  });

  it("holds back the last word of patterns that cannot match whitespace, PATTERN_HOLD characters of others", () => {
    expect(detector.holdFrom("a".repeat(500))).toBe(500 - PATTERN_HOLD);
    expect(detector.holdFrom("see ticket-12")).toBe(4);
    expect(detector.holdFrom("see ticket-1234 ")).toBe(16);
    const spanning = patternDetector(["ticket\\s+\\d+"]);
    expect(spanning.holdFrom("x".repeat(200) + " see")).toBe(204 - PATTERN_HOLD);
    expect(spanning.holdFrom("short")).toBe(0);
    for (const source of ["a b", "a.b", "[^x]", "\\W", "\\D", "\\x20", "\\u0020", "\\p{Z}", "\\n", "\\40"]) {
      expect(patternDetector([source]).holdFrom("y".repeat(300) + " z"), source).toBe(302 - PATTERN_HOLD);
    }
    checkHold(detector, "see ticket-1234, PRJ-ABC and ticket-12345 then PRJ-DEF");
  });
});

describe("custom word detector", () => {
  const detector = wordDetector(["Project Falcon", "credit card", "zeus", " ", "Zeus"]);

  it("finds whole words ignoring case, look-alikes, invisible characters and the punctuation between words", () => {
    checkCorpus(
      detector,
      ["project falcon", "PROJECT\n  Falcon", "Credit Card", "zeus", "Zeus", "credit-card", "PROJECT_falcon", "pr\u043eject falcon", "pro\u200bject fal\u00adcon", "ｚｅｕｓ", "z.e.u.s", "Z E U S"],
      ["zeuss", "prozeus", "project falconry", "credit", "card"],
    );
  });

  it("finds words in any script next to punctuation", () => {
    expect(spans(wordDetector(["Müller"]), "Herr müller, bitte; nicht Müllers.")).toEqual([["müller", 5, 11]]);
  });

  it("holds back only a tail that a word can still start with", () => {
    expect(detector.holdFrom("we discussed the cred")).toBe(17);
    expect(detector.holdFrom("about project ")).toBe(6);
    expect(detector.holdFrom("about zeus")).toBe(6);
    expect(detector.holdFrom("nothing here.")).toBe(13);
    checkHold(detector, "the Project  Falcon budget uses a credit card, not zeusian credit cards, Zeus.");
  });

  it("finds nothing without words", () => {
    expect(wordDetector([]).find("anything")).toEqual([]);
    expect(wordDetector([]).holdFrom("anything")).toBe(8);
  });
});
