// The request's text as content rules (keywords, patterns) read it: every slot on its own, and the
// document's slots joined (joined-reading.ts). Keywords read the values joined with every boundary
// between two words both as nothing and as a space (joined-words.ts), and each pair of neighbours
// with a label or a key the same way; words spelled out over a boundary ("p r o j" + ". e c t")
// are read across it too. Patterns read every joined run with nothing between, and the values
// with a space between too.
import { randomBytes } from "node:crypto";
import { foldWords } from "../../core/text/word-view.js";
import type { PromptView } from "../policy/content-match.js";
import { ComputedView, promptView } from "../policy/content-match.js";
import { joinedReading, softBoundary } from "./joined-reading.js";
import { joinedWords } from "./joined-words.js";
import { skeletonOf, type Skeleton } from "../policy/keyword-match.js";
import type { RequestInspection } from "./request-inspection.js";
import type { TextSlot } from "./text-slot.js";

// Slots are folded in one call, separated by a word no text can hold (a fresh one per process):
// one pass over the text instead of one call per key and label.
const separatorWord = `zq${randomBytes(8).toString("hex")}qz`;
const separator = foldWords(separatorWord);

function foldEach(slots: readonly TextSlot[]): string[] {
  // Spelled-out words are not joined: keywords match on the skeleton, where they join anyway.
  const folds = foldWords(slots.map((slot) => slot.text).join(`\n${separatorWord}\n`), false).split(separator).map((fold) => fold.trim());
  // A text that folds the separator differently (it cannot be written by a caller who does not
  // know it, but be exact anyway): fold one by one.
  return folds.length === slots.length ? folds : slots.map((slot) => foldWords(slot.text, false));
}

// Keywords are matched across a boundary within this many characters of it (longer keywords only
// within one text).
const PAIR_REACH = 256;
const CUT = "\u0001"; // a letter no keyword has: a cut word stays cut, not a word's edge

const isDigitOrSpace = (code: number) => code === 32 || (code >= 48 && code <= 57);

// Where a window ending (starting) at `at` of `fold` is cut when narrower than PAIR_REACH: moved
// out over digits and spaces, so the character beyond the cut is a letter (or nothing), as the
// character a keyword at the window's edge sees beyond the CUT (a digit there would be a number
// running on in the whole text, which CUT hides).
function cutBefore(fold: string, at: number, reach: number): number {
  if (reach >= PAIR_REACH) return at;
  while (at > 0 && isDigitOrSpace(fold.charCodeAt(at - 1))) at--;
  return at;
}
function cutAfter(fold: string, at: number, reach: number): number {
  if (reach >= PAIR_REACH) return at;
  while (at < fold.length && isDigitOrSpace(fold.charCodeAt(at))) at++;
  return at;
}

// `reach`: the characters of a text read on each side of a boundary (at most PAIR_REACH).
function tail(fold: string, reach: number): string {
  const from = cutBefore(fold, fold.length - reach, reach);
  return from <= 0 ? fold : CUT + fold.slice(from);
}
function head(fold: string, reach: number): string {
  const to = cutAfter(fold, reach, reach);
  return to >= fold.length ? fold : fold.slice(0, to) + CUT;
}
// A long text in a joined run: only its ends can join a neighbour (its middle is read on its own).
function ends(fold: string, reach: number): string {
  if (fold.length <= 2 * reach + 1) return fold;
  const to = cutAfter(fold, reach, reach);
  const from = cutBefore(fold, fold.length - reach, reach);
  return to >= from ? fold : `${fold.slice(0, to)}${CUT}${fold.slice(from)}`;
}
const oneCharacterEnd = /(?:^| )\S$/;
const oneCharacterStart = /^\S(?: |$)/;

/** The content view of `inspection`'s slots; views are computed on first use. */
export function contentView(inspection: RequestInspection): PromptView {
  const { slots } = inspection;
  const { values, streams, pairs } = joinedReading(slots);
  const joinedText = (members: readonly number[], between: string) => members.map((index) => slots[index]!.text).join(between);
  let plain: PromptView | undefined;
  // Built once per request (every pattern policy reads it; the slots were joined again per read).
  const texts = () => {
    if (plain) return plain;
    let all = "";
    for (const slot of slots) all += `${slot.text}\n`;
    plain = promptView(all, ...streams.map((members) => joinedText(members, "")), values.length > 1 ? joinedText(values, " ") : "");
    return plain;
  };
  let folds: string[] | undefined;
  let folded: string[] | undefined;
  let joined: Skeleton[] | undefined;
  let joinedReach = 0;
  let skeletons: Skeleton[] | undefined;
  const foldedOf = () => {
    if (folded) return folded;
    folds ??= foldEach(slots);
    const done = folds;
    // Every slot on its own (one apart), and words spelled out over a boundary of the values.
    const spelled = values.slice(1).flatMap((right, at) => {
      const left = values[at]!;
      if (!oneCharacterEnd.test(done[left]!) && !oneCharacterStart.test(done[right]!)) return [];
      return [foldWords(`${slots[left]!.text.slice(-PAIR_REACH)} ${slots[right]!.text.slice(0, PAIR_REACH)}`)];
    });
    folded = [done.filter((fold) => fold !== "").join(" "), ...spelled];
    return folded;
  };
  // A ComputedView (a class's getters), not an object literal with getters: see content-match.ts.
  return new ComputedView({
    texts: () => texts().texts,
    lower: () => texts().lower,
    folded: foldedOf,
    skeletons: () => (skeletons ??= foldedOf().map(skeletonOf)),
    joined(within) {
      // Only a keyword's reach around each boundary can hold a keyword crossing it (one inside a
      // text is read in `skeletons`): one run per request, rebuilt only for a longer reach (a power
      // of two: the keyword policies of a snapshot mostly share one).
      const reach = Math.min(PAIR_REACH, 2 ** Math.ceil(Math.log2(Math.max(32, within))));
      if (joined && joinedReach >= reach) return joined;
      joinedReach = reach;
      folds ??= foldEach(slots);
      const done = folds;
      // One run for every joined reading, each apart from the next (no keyword crosses a CUT).
      const pieces: string[] = [];
      const free: boolean[] = [];
      const add = (texts: string[], between: boolean[]) => {
        if (pieces.length > 0) {
          pieces.push(CUT);
          free.push(false, false);
        }
        // One at a time: a spread of hundreds of thousands of texts overflows the stack.
        for (const text of texts) pieces.push(text);
        for (const flag of between) free.push(flag);
      };
      if (values.length > 1) add(values.map((index) => ends(done[index]!, reach)), values.slice(1).map((right, at) => softBoundary(slots[values[at]!]!.text, slots[right]!.text)));
      for (const [left, right] of pairs) add([tail(done[left]!, reach), head(done[right]!, reach)], [softBoundary(slots[left]!.text, slots[right]!.text)]);
      joined = [joinedWords(pieces, free)];
      return joined;
    },
  });
}
