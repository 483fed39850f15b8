// escapeAware's holdFrom remembers the last text scan() found no backslash in (a stream asks the
// hold of the text it just scanned): for any order of scans and holds over texts with and without
// escapes (the same string again, an equal one built anew, another one), every hold and scan equals
// what a scanner that never scanned before gives (the former reading, without the memo).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { escapeAware } from "./escape-view.js";
import { createMatchScanner } from "./match-scanner.js";

const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
const rules: MaskRule[] = [{ policy: "pii", detectors, direction: "both", style: "redact", restore: false }];
const base = createMatchScanner(rules);

const pieces = ["zoe.quill", "\\u0040", "@", "example.org", "\\u00", "\\", " tok12", "4111 1111 1111 1111", "\\n", "(415) 555-", "2671", "sk-proj-abcdefghijklmnopqrstuvwxyz0123"];
const text = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(""));
// Steps: scan or hold a text picked from a few, maybe as an equal string built anew.
const steps = fc.array(text, { minLength: 1, maxLength: 4 }).chain((texts) =>
  fc.array(fc.tuple(fc.boolean(), fc.nat(texts.length - 1), fc.boolean()), { minLength: 1, maxLength: 12 }).map((picks) =>
    picks.map(([scan, index, copy]) => ({ scan, text: copy ? [...texts[index]!].join("") : texts[index]! })),
  ),
);

describe("escapeAware", () => {
  it("holds and scans as a scanner without the memo, whatever was scanned before", () => {
    fc.assert(fc.property(steps, (sequence) => {
      const scanner = escapeAware(base);
      for (const step of sequence) {
        const fresh = escapeAware(base);
        if (step.scan) expect(scanner.scan(step.text)).toEqual(fresh.scan(step.text));
        else {
          const spans = fresh.scan(step.text).spans;
          expect(scanner.holdFrom(step.text, spans)).toBe(escapeAware(base).holdFrom(step.text, spans));
        }
      }
    }), { numRuns: 1500 });
  });
});
