// E-mail addresses written to hide them are found as addresses, whole, in whole text and in streams
// cut anywhere (the local part is never released before its "[at]" arrives); prose with the same
// words is not.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS, compileDetectors } from "./compile-detectors.js";
import { emailDetector } from "./email.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const detector = emailDetector();

describe("obfuscated e-mail addresses", () => {
  it("are found with their exact spans, and prose is not", () => {
    checkCorpus(
      detector,
      [
        "jane.doe [at] example [dot] com", "jane.doe(at)example.com", "jane.doe{at}example.co.uk", "jane.doe <at> example <dot> org", "JANE.DOE [AT] EXAMPLE.COM",
        "jane dot doe at example dot com", "jane.doe at example dot com", "jane.doe @ example dot com", "jane dot doe @ example.com", "jane.doe (at) mail (dot) example (dot) org",
        "jane dot doe@example.com", "jane.doe [ at ] example [ dot ] com", "zoe_quill+ai at example DOT io",
      ],
      [
        "I work at example.com", "we met at the dot-com bubble", "look at the dot-com era", "icon [at] 2x dot png", "the dot at the end", "meet [at] noon",
        "email at", "name [at]", "a dot b", "jane.doe [at] localhost", "y = x @ self.weights", "jane.doe @ example.com", "h @ model.dot_product",
      ],
    );
  });

  it("keep a stream's findings final before the hold, over every prefix", () => {
    for (const text of [
      "write to jane dot doe at example dot com today, or zoe [at] example [dot] org.",
      "ask jane.doe @ example dot com or jane.doe(at)example.co.uk; looking at the weather dot, y = x @ self.w",
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbzoe.quill@example.org at x dot com",
    ]) checkHold(detector, text);
  });

  const word = fc.constantFrom("jane", "doe", "example", "com", "x1", "zoe_q", "a", "d", "the", "org", "5");
  const sign = fc.constantFrom(" at ", " [at] ", "(at)", " @ ", "@", " dot ", "[dot]", ".", " ", " (", "[", " a", " d", " do", "!", ", ");
  const piece = fc.array(fc.oneof(word, sign), { maxLength: 16 }).map((parts) => parts.join(""));

  it("keep the hold contract for any mix of words and signs", () => {
    fc.assert(fc.property(piece, (text) => checkHold(detector, text)), { numRuns: 400 });
  });

  it("are masked whole in a stream cut anywhere, as in the whole text", () => {
    const set = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: [] });
    fc.assert(
      fc.property(piece, fc.integer({ min: 1, max: 9 }), (text, size) => {
        const whole = set.find(text);
        let emitted = 0;
        const found: [number, number][] = [];
        for (let received = Math.min(size, text.length); ; received = Math.min(text.length, received + size)) {
          const from = Math.max(0, emitted - set.lookbehind);
          const view = text.slice(from, received);
          const done = received === text.length;
          const release = Math.max(done ? view.length : set.holdFrom(view), emitted - from);
          for (const finding of set.find(view)) if (finding.start >= emitted - from && finding.end <= release) found.push([finding.start + from, finding.end + from]);
          emitted = from + release;
          if (done) break;
        }
        expect(found).toEqual(whole.map((finding) => [finding.start, finding.end]));
      }),
      { numRuns: 400 },
    );
  });

  it("are told by the quick test (a set with e-mail says yes to their signs, one without does not look)", () => {
    const withEmail = compileDetectors({ builtins: ["email", "secrets"], patterns: [], words: [] });
    const without = compileDetectors({ builtins: ["phone"], patterns: [], words: [] });
    for (const text of ["jane [at] example [dot] com", "jane dot doe at example dot com", "jane <at> example.org", "jane d*o*t doe"]) expect(withEmail.mayFind(text), text).toBe(true);
    expect(withEmail.mayFind("nothing here at all")).toBe(false);
    expect(without.mayFind("jane [at] example [dot] com")).toBe(false);
  });
});
