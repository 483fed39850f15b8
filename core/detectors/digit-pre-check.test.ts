// The digit pre-check of the card and phone detectors (mostDigitsWithoutLetters: a candidate is
// digits and punctuation, so it lies in a stretch without ASCII letters, and holds no more digits
// than the stretch) only skips work: on any text, findings with it equal findings without it.
// "Without it" is the same text followed, past a hundred letters (beyond any window a phone number is
// read in, and no card chain crosses a letter), by a run of 16 digits that lets the check through
// and is itself no phone candidate (15 digits at most) — its own card finding is left out.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countDigitsWithoutLetters, mostDigitsWithoutLetters, type Detector, type Finding } from "./detector.js";
import { paymentCardDetector } from "./payment-card.js";
import { phoneDetector } from "./phone.js";

const suffix = `\n\n\n${"z".repeat(100)} 4111111111111111`;
const withoutCheck = (detector: Detector, value: string): Finding[] => detector.find(value + suffix).filter((finding) => finding.start < value.length);

const values = ["4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "3782 822463 10005", "5 5 0 0 0 0 0 0 0 0 0 0 0 0 0 4", "4.111111111111111e15", "+1 415 555 2671", "(415) 555-2671", "415.555.2671", "+44 20 7946 0958", "tok12", "ext. 12"];
const unit = fc.constantFrom(..."0123456789 -.()+/~eEtokx\n".split(""));
const text = fc.array(fc.oneof(fc.constantFrom(...values), fc.string({ unit, maxLength: 10 })), { maxLength: 8 }).map((parts) => parts.join(""));

describe("digit pre-checks", () => {
  it("counts the digits of the longest stretch without an ASCII letter", () => {
    expect(mostDigitsWithoutLetters("")).toBe(0);
    expect(mostDigitsWithoutLetters("k245 tok246 tok247")).toBe(3);
    expect(mostDigitsWithoutLetters("4111 1111-1111 x 1")).toBe(12);
    expect(mostDigitsWithoutLetters("é123 ① 45")).toBe(5); // non-ASCII characters do not end a stretch
  });

  it("answers a text asked again from memory, and any other text counted anew", () => {
    // The count as it was before the memo (the reference).
    const reference = (value: string) => {
      let most = 0;
      let run = 0;
      for (let at = 0; at < value.length; at++) {
        const code = value.charCodeAt(at);
        if (code >= 48 && code <= 57) most = Math.max(most, ++run);
        else if ((code | 32) >= 97 && (code | 32) <= 122) run = 0;
      }
      return most;
    };
    // An equal string that is another object (two halves joined), without a pass over each character (70,000 of them, under coverage, in every run).
    const rebuilt = (value: string) => value.slice(0, value.length >> 1) + value.slice(value.length >> 1);
    // Texts asked in a row: the same string again, an equal one built anew, another one, a long one (not remembered).
    const asked = fc.array(fc.oneof(text, fc.constant("tok12 4111"), fc.constant("x".repeat(70_000) + "123456")), { minLength: 1, maxLength: 12 }).chain((texts) =>
      fc.array(fc.tuple(fc.nat(texts.length - 1), fc.boolean()), { minLength: 1, maxLength: 20 }).map((picks) => picks.map(([index, copy]) => (copy ? rebuilt(texts[index]!) : texts[index]!))),
    );
    fc.assert(fc.property(asked, (texts) => {
      for (const value of texts) {
        expect(mostDigitsWithoutLetters(value)).toBe(reference(value));
        expect(countDigitsWithoutLetters(value)).toBe(reference(value));
      }
    }), { numRuns: 80 });
  });

  for (const detector of [paymentCardDetector(), phoneDetector({ regions: ["US"] })]) {
    it(`${detector.name}: findings with the check equal findings without it`, () => {
      for (const value of values) expect(detector.find(value), value).toEqual(withoutCheck(detector, value));
      fc.assert(fc.property(text, (value) => {
        expect(detector.find(value)).toEqual(withoutCheck(detector, value));
      }), { numRuns: 400 });
    });
  }
});
