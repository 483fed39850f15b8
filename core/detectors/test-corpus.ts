// Corpus checks shared by the detector tests: each true positive is found with its exact span in
// several surroundings, each false positive is not found at all.
import { expect } from "vitest";
import type { Detector, Finding } from "./detector.js";

/** A true positive: `text` as written, and `value` when only part of it is the finding. */
export type Positive = string | { text: string; value: string };

const surroundings: Array<[string, string]> = [
  ["", ""],
  ["see ", " please"],
  ["(", ")"],
  ["It is ", "."],
  ["line one\n", "\nline three"],
  ["\"", "\","],
];

/** The findings of `detector` in `text` as [value, start, end] triples. */
export function spans(detector: Detector, text: string): Array<[string, number, number]> {
  return detector.find(text).map((finding: Finding) => [finding.value, finding.start, finding.end]);
}

/** Asserts every positive is found exactly (in every surrounding) and no negative is found. */
export function checkCorpus(detector: Detector, positives: readonly Positive[], negatives: readonly string[]): void {
  for (const positive of positives) {
    const text = typeof positive === "string" ? positive : positive.text;
    const value = typeof positive === "string" ? positive : positive.value;
    for (const [before, after] of surroundings) {
      const start = before.length + text.indexOf(value);
      expect(spans(detector, before + text + after), `${JSON.stringify(before + text + after)}`).toEqual([[value, start, start + value.length]]);
    }
  }
  for (const negative of negatives) {
    for (const [before, after] of surroundings) {
      expect(spans(detector, before + negative + after), `${JSON.stringify(before + negative + after)}`).toEqual([]);
    }
  }
}

/** Asserts holdFrom's stream contract over every prefix of `text`: findings before the hold are final. */
export function checkHold(detector: Pick<Detector, "find" | "holdFrom">, text: string): void {
  const final = detector.find(text);
  for (let length = 0; length <= text.length; length++) {
    const prefix = text.slice(0, length);
    const hold = detector.holdFrom(prefix);
    expect(hold).toBeGreaterThanOrEqual(0);
    expect(hold).toBeLessThanOrEqual(length);
    const settled = detector.find(prefix).filter((finding) => finding.start < hold);
    expect(settled.every((finding) => finding.end <= hold), `finding crosses the hold in ${JSON.stringify(prefix)}`).toBe(true);
    expect(settled, `prefix ${JSON.stringify(prefix)}`).toEqual(final.filter((finding) => finding.start < hold));
  }
}
