// obfuscatedHold starts its parses after the text's last barrier (a character no parse reads, or a
// blank run none of the signs reads): against the hold as it was, a parse from every word start of
// the last 160 characters (kept below as the reference), the same index for any text of words,
// blanks, dots, "@", brackets, "at" and "dot" in any case, cut signs and other characters.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { obfuscatedHold, parseObfuscated } from "./email-obfuscated.js";

const isAlphanumeric = (code: number) => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122);
const inLocalWord = (code: number) => isAlphanumeric(code) || code === 95 || code === 37 || code === 43 || code === 45;
const wordStart = (text: string, at: number) => inLocalWord(text.charCodeAt(at)) && isAlphanumeric(text.charCodeAt(at)) && (at === 0 || (!inLocalWord(text.charCodeAt(at - 1)) && text.charCodeAt(at - 1) !== 46));

function reference(text: string): number {
  for (let at = Math.max(0, text.length - 160); at < text.length; at++) {
    if (!wordStart(text, at)) continue;
    const parse = parseObfuscated(text, at);
    if (parse.open || parse.end === text.length) return at;
  }
  return text.length;
}

const words = ["jane", "doe", "example", "com", "org", "tok12", "x", "at", "AT", "dot", "DoT", "a", "d", "do", "t", "png", "e2"];
const marks = [" ", "  ", "   ", "    ", "\t", ".", "@", "[", "]", "(", ")", "{", "}", "<", ">", ",", "\n", ":", "é", "-", "_", "%", "+", "/"];
const text = fc.array(fc.oneof(fc.constantFrom(...words), fc.constantFrom(...marks)), { maxLength: 30 }).map((parts) => parts.join(""));

describe("obfuscatedHold", () => {
  it("holds where a parse from every word start held", () => {
    for (const value of ["", "tok12 tok13", "jane dot doe [at] exam", "jane dot doe at", "jane [a", "x @ self.weights", "mail jane.doe (AT) example (dot) c", "a, jane dot", `${"word ".repeat(40)}jane dot doe at example dot co`]) {
      expect(obfuscatedHold(value), value).toBe(reference(value));
    }
    fc.assert(fc.property(text, (value) => {
      expect(obfuscatedHold(value)).toBe(reference(value));
    }), { numRuns: 20_000 });
  });

  it("holds long texts as before (the 160-character reach)", () => {
    fc.assert(fc.property(fc.array(text, { minLength: 6, maxLength: 12 }), (parts) => {
      const value = parts.join(" ");
      expect(obfuscatedHold(value)).toBe(reference(value));
    }), { numRuns: 2000 });
  });
});
