// An escape written twice (`\\u0040`: pasted into a string literal, which a lenient reader unescapes
// twice) reads as what it spells, like one written once; a long run of backslashes costs its length.
import { describe, expect, it } from "vitest";
import { detectorText, detectorView } from "./normalise.js";
import { pendingEscape } from "./escapes.js";

describe("escapes written with a run of backslashes", () => {
  it.each([
    ["jane.doe\\\\u0040example.com", "jane.doe@example.com"],
    ["jane.doe\\\\\\u0040example.com", "jane.doe@example.com"],
    ["jane.doe\\\\x40example.com", "jane.doe@example.com"],
    ["jane.doe\\\\u{40}example.com", "jane.doe@example.com"],
    ["C:\\\\users\\\\x", "C:\\\\users\\\\x"],
  ])("%s", (text, expected) => {
    expect(detectorText(text)).toBe(expected);
    // The decoded character maps back to the whole run and escape.
    const view = detectorView(text);
    const at = view.text.indexOf("@");
    if (at !== -1) expect(text.slice(...view.toOriginal(at, at + 1))).toMatch(/^\\{2,}(?:u|x)/);
  });

  it.each([
    ["jane.doe%2540example.com", "jane.doe@example.com"],
    ["jane.doe%2540example%252Ecom", "jane.doe@example.com"],
    ["jane.doe&amp;#64;example.com", "jane.doe@example.com"],
    ["jane.doe&amp;#x40;example&amp;period;com", "jane.doe@example.com"],
    ["&amp;#52;111 1111", "4111 1111"],
    ["fish &amp; chips &amp;amp; 100%25 %25zz", "fish & chips & 100% %zz"],
  ])("an escape encoded twice reads as what it spells: %s", (text, expected) => {
    expect(detectorText(text)).toBe(expected);
  });

  it("holds an escape encoded twice while it is cut", () => {
    for (const cut of ["mail jane.doe%25", "mail jane.doe%254", "mail jane.doe&amp;", "mail jane.doe&amp;#6", "mail jane.doe&amp;comm"]) {
      expect(pendingEscape(cut).escape, cut).toBe("mail jane.doe".length);
    }
  });

  it("holds a run of backslashes at a stream's end from its first", () => {
    expect(pendingEscape("mail jane.doe\\\\u00").escape).toBe("mail jane.doe".length);
  });

  it("reads a long run of backslashes in linear time", () => {
    const text = `${"\\".repeat(200_000)}u0040`;
    expect(detectorText(text)).toBe(`${"\\".repeat(199_992)}@`);
  });
});
