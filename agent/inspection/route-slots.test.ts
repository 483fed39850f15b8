// The route's slots without a parser for an empty query and without decoding a segment that holds
// no "%": the same texts as before.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeComponent } from "./request-inspection.js";

function previous(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

describe("route slots", () => {
  it("decode a path segment as decodeURIComponent did (undefined where it threw)", () => {
    const piece = fc.constantFrom("a", "%", "%2", "%2e", "%41", "%E2%82%AC", "%E2%82", "%ZZ", "%ed%a0%80", "é", "+", "/", ".");
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""))), (segment) => {
      expect(decodeComponent(segment)).toBe(previous(segment));
    }), { numRuns: 5000 });
  });

  it("read an empty query (or a bare '?') as no pairs, as URLSearchParams does", () => {
    expect([...new URLSearchParams("")]).toEqual([]);
    expect([...new URLSearchParams("?")]).toEqual([]);
  });
});
