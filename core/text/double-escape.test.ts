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

  it("holds a run of backslashes at a stream's end from its first", () => {
    expect(pendingEscape("mail jane.doe\\\\u00").escape).toBe("mail jane.doe".length);
  });

  it("reads a long run of backslashes in linear time", () => {
    const text = `${"\\".repeat(200_000)}u0040`;
    expect(detectorText(text)).toBe(`${"\\".repeat(199_992)}@`);
  });
});
