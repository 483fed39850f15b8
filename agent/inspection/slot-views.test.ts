import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectorText } from "../../core/text/normalise.js";
import { foldWords } from "../../core/text/word-view.js";
import { promptView } from "../policy/content-match.js";
import { joinedWordView, skeletonOf } from "../policy/keyword-match.js";
import { contentView } from "./content-view.js";
import { joinedReading } from "./joined-reading.js";
import { slotViews } from "./slot-views.js";
import type { RequestInspection } from "./request-inspection.js";
import type { SlotRole, TextSlot } from "./text-slot.js";

// Pieces that exercise every view: escapes (cut and whole) and references, percent runs, variation
// selectors, surrogates (paired and lone), look-alikes, controls (EITHER_MARK's \u0002 too), line
// breaks, one-letter words, digits, keyword pieces.
const pieces = [
  "a", "b", "A", "B", "night", "ingale", "Night", "project", "7", "1", "0", "m", "I", " ", "  ", "-", ".", "\n", "\t", "\\", "\\u00", "\\u0040", "\\x4", "\\x41",
  "&", "&amp", "&amp;", "&#64;", "&#x4", "%", "%4", "%41", "%E2%80", "%8B", "\u{fe0f}", "\u{fe01}\u{fe02}", "\u{e0100}", "\ud83d", "\ude00", "😀",
  "а", "ｊ", "①", "\u200b", "\u0002", "\u0001", "\u00e9", "e\u0301", "ß", "İ", "p r o j", "zq", "qz", "<b>", "*", "`",
];
const text = fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join(""));
const long = fc.array(fc.constantFrom(...pieces), { minLength: 40, maxLength: 80 }).map((parts) => parts.join(""));
const role = fc.constantFrom<SlotRole | undefined>("value", "label", "key", undefined);
const slots = fc.array(fc.record({ text: fc.oneof(text, text, long), role }), { maxLength: 8 }).map((list) =>
  list.map(({ text, role }, index): TextSlot => ({ text, location: `s${index}`, ...(role ? { role } : {}) })),
);
const inspection = (list: TextSlot[]): RequestInspection => ({ slots: list, binary: [], reading: () => joinedReading(list), upstream: () => ({ body: { bytes: Buffer.alloc(0) }, route: { connection: "c", rest: "/", search: "" } }) });

// The views as content-view.ts built them before each slot's views were built on their own: every
// view of a join computed on the join.
function reference(list: TextSlot[]) {
  const { values, streams } = joinedReading(list);
  const join = (members: readonly number[], between: string) => members.map((index) => list[index]!.text).join(between);
  const plain = promptView(list.map((slot) => `${slot.text}\n`).join(""), ...streams.map((members) => join(members, "")), values.length > 1 ? join(values, " ") : "");
  // The slots folded in one call, split on a separator word's fold.
  const separatorWord = "zqc0ffee1dq";
  const whole = foldWords(list.map((slot) => slot.text).join(`\n${separatorWord}\n`), false).split(foldWords(separatorWord)).map((fold) => fold.trim());
  const folds = whole.length === list.length ? whole : list.map((slot) => foldWords(slot.text, false));
  return { texts: plain.texts, lower: plain.lower, first: folds.filter((fold) => fold !== "").join(" ") };
}

describe("contentView from each slot's own views", () => {
  it("gives the views computed on the joined texts (patterns, literals, keywords and their word starts), remembered or not", () => {
    fc.assert(
      fc.property(slots, (list) => {
        const expected = reference(list);
        for (let pass = 0; pass < 2; pass++) {
          const view = contentView(inspection(list));
          expect(view.texts).toEqual(expected.texts);
          expect(view.lower).toEqual(expected.lower);
          expect(view.folded[0]).toBe(expected.first);
          const skeleton = view.skeletons[0]!;
          const fresh = skeletonOf(expected.first);
          expect(skeleton.text).toBe(fresh.text);
          for (let at = -1; at <= fresh.text.length + 1; at++) expect(skeleton.boundary(at)).toBe(fresh.boundary(at));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("reads a slot's detector view and word view as the whole text's, alone", () => {
    fc.assert(
      fc.property(fc.oneof(text, long), (one) => {
        const view = contentView(inspection([{ text: one, location: "x", role: "value" }]));
        expect(view.texts[0]).toBe(`${detectorText(one)}\n`);
        expect(view.skeletons[0]!.text).toBe(skeletonOf(foldWords(one, false)).text);
      }),
      { numRuns: 300 },
    );
  });

  it("builds each text's views as the full views read it (plain ASCII in one pass, the rest through the detector view)", () => {
    const plain = fc.string({ unit: fc.constantFrom(..."aim01 MIxyz-_.,;\t\n\r!?%&\\b7".split("")), maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(plain, text, long), (one) => {
        for (let pass = 0; pass < 2; pass++) {
          const views = slotViews(one);
          const fold = foldWords(one, false);
          expect(views.detected).toBe(detectorText(one));
          expect(views.fold).toBe(fold);
          expect(views.skeleton).toBe(skeletonOf(fold).text);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("gives the joined runs' skeleton text as the skeleton of the runs' word view (windows and whole texts, every reach)", () => {
    fc.assert(
      fc.property(slots, fc.constantFrom(1, 9, 20, 40, 70, 200), (list, within) => {
        const run = contentView(inspection(list)).joined!(within)[0]!;
        // The run's pieces and boundaries, as the deferred skeleton keeps them for its word starts.
        const { folds, free } = run as unknown as { folds: string[]; free: boolean[] };
        const fresh = skeletonOf(joinedWordView(folds, free));
        expect(run.text).toBe(fresh.text);
        for (let at = -1; at <= fresh.text.length + 1; at++) expect(run.boundary(at)).toBe(fresh.boundary(at));
      }),
      { numRuns: 400 },
    );
  });
});
