// A whole document's loose streams queue pieces unscanned while their text cannot hold a finding
// (loose-streams.ts, whole mode): differential tests against the streaming path, which scans every
// piece as it comes. Both must deliver the same texts and spans, replace in the same order (the
// pseudonyms' numbers), and count the same findings, whatever the pieces.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createLooseStreams } from "./loose-streams.js";
import { createMaskContext } from "./mask-context.js";
import { pseudonymRule } from "./test-rules.js";

const all = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
const rules = [pseudonymRule({ detectors: all }), pseudonymRule({ policy: "binary", detectors: all, direction: "response", allowBinary: true })];

// Fragments that join into values across pieces, clean prose, escapes, placeholders and long runs.
const fragment = fc.constantFrom(
  "Please review the report ", "and the renewals", " in the north.", "zoe.quill", "@", "example.org", " now",
  "4539 1488 ", "0343 6467", "sk-", "proj-Q7wErTy9UiOp3AsDfGh5JkLz", "AKIA", "IOSFODNN7EXAMPLE", "<EMAIL_1>", "<", "\\u0040", "\\",
  "Noted: ", "call +44 20 ", "7946 0958", "", "id AK", "IAABCDEFGHIJKLMNOP end", "xo", "xb-abcdefghijkl-mnopqrstuvwx", "a".repeat(300), "b".repeat(5000), "SGVsbG8gd29ybGQgdGhpcyBpcyB0ZXh0", "café ",
);
const piece = fc.record({ key: fc.constantFrom("a", "b"), text: fragment });

/** Every delivery (in order) and the findings, masking `pieces` with a fresh context; `whole` selects the mode. */
function play(pieces: readonly { key: string; text: string }[], whole: boolean, request?: string) {
  const context = createMaskContext(rules);
  if (request) context.prompt.mask(request, "request"); // placeholders the reply may carry
  const loose = createLooseStreams(context.reply, whole);
  const final: unknown[] = pieces.map(() => undefined);
  const changed: unknown[] = [];
  try {
    pieces.forEach(({ key, text }, index) => {
      loose.piece(key, text, `response.${key}`, (texts, replaced) => {
        final[index] = { texts, replaced };
        if (texts) changed.push({ index, texts });
      });
    });
    loose.finish();
  } catch (error) {
    // Refused (a value in base64, a binary part): at the same piece either way, with what was delivered before it.
    return { refused: String(error), changed, findings: context.counter.list() };
  }
  return { final, changed, findings: context.counter.list() };
}

describe("loose streams of a whole document", () => {
  it("deliver, replace and count as the streaming path does, whatever the pieces", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), fc.boolean(), (pieces, withRequest) => {
        const request = withRequest ? "mail zoe.quill@example.org" : undefined;
        expect(play(pieces, true, request)).toEqual(play(pieces, false, request));
      }),
      { numRuns: 400 },
    );
  });

  it("falls back to the scans when the text may hold a value, a placeholder or an escape, or passes the bounds", () => {
    // Clean pieces first (queued), then one that may hold something: the queue is played through the scans.
    for (const last of ["zoe.quill@example.org", "<EMAIL_1>", "\\u0040", "x".repeat(20_000)]) {
      const pieces = [{ key: "a", text: "write to zoe.quill" }, { key: "a", text: " at " }, { key: "a", text: last }];
      expect(play(pieces, true, "zoe.quill@example.org")).toEqual(play(pieces, false, "zoe.quill@example.org"));
    }
    // A value split over clean pieces is found once they join.
    const split = [{ key: "a", text: "zoe.quill" }, { key: "a", text: "@" }, { key: "a", text: "example.org" }];
    expect(play(split, true).changed).toHaveLength(3);
    // A secret whose required text ("AKIA") is split over two pieces neither of which holds it.
    const key = [{ key: "a", text: "id AK" }, { key: "a", text: "IAABCDEFGHIJKLMNOP end" }];
    expect(play(key, true).changed).toHaveLength(2);
    expect(play(key, true)).toEqual(play(key, false));
    // More pieces than the queue holds.
    const many = Array.from({ length: 40 }, (_, index) => ({ key: "a", text: index === 39 ? "example.org" : index === 38 ? "zoe.quill@" : "word " }));
    expect(play(many, true)).toEqual(play(many, false));
  });
});
