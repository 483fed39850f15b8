// The request's text as content rules (keywords, patterns) read it: every slot on its own, and the
// document's slots joined (joined-reading.ts). Keywords read the values joined with every boundary
// between two words both as nothing and as a space (joined-words.ts), and each pair of neighbours
// with a label or a key the same way; words spelled out over a boundary ("p r o j" + ". e c t")
// are read across it too. Patterns read every joined run with nothing between, and the values
// with a space between too.
import { detectorText } from "../../core/text/normalise.js";
import { foldWords } from "../../core/text/word-view.js";
import type { PromptView } from "../policy/content-match.js";
import { ComputedView, lowerSpaced } from "../policy/content-match.js";
import { softBoundary } from "./joined-reading.js";
import { DeferredSkeleton, skeletonOf, type Skeleton } from "../policy/keyword-match.js";
import { CLEAN_JOIN_LENGTH, type CleanJoins, JoinedRun } from "../policy/clean-joins.js";
import type { RequestInspection } from "./request-inspection.js";
import { cutEscapeReadings } from "./cut-escapes.js";
import { renderedReadings } from "./rendered-readings.js";
import { type SlotViews, slotViews } from "./slot-views.js";

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

/** Adds to `texts` the detector view of the texts of `members` joined by `between` (nothing when that is empty). */
function pushJoinedView(texts: string[], slots: RequestInspection["slots"], each: readonly SlotViews[], members: readonly number[], between: string): void {
  const parts: string[] = new Array(members.length);
  let plain = true;
  for (let at = 0; at < members.length; at++) {
    const index = members[at]!;
    parts[at] = slots[index]!.text;
    if (!each[index]!.plain) plain = false;
  }
  const text = parts.join(between);
  if (text !== "") texts.push(plain ? text : detectorText(text));
}

/** The content view of `inspection`'s slots; views are computed on first use. */
export function contentView(inspection: RequestInspection): PromptView {
  const { slots } = inspection;
  const { values, streams, pairs } = inspection.reading();
  // Each slot's own views, built (or remembered: slot-views.ts) once, on first use.
  let views: SlotViews[] | undefined;
  const viewsOf = () => (views ??= slots.map((slot) => slotViews(slot.text)));
  let folds: string[] | undefined;
  const foldsOf = () => (folds ??= viewsOf().map((view) => view.fold));
  let texts: string[] | undefined;
  let lower: string[] | undefined;
  // Built once per request (every pattern policy reads it).
  const textsOf = () => {
    if (texts) return texts;
    const each = viewsOf();
    // The detector view of the slots each followed by a line break is the slots' own views each
    // followed by one: no escape, reference, percent run or variation-selector run the view
    // decodes holds a line break, nor is one decided by what follows the text (a cut one stays
    // cut before a line break), and a line break is plain ASCII, read as it is.
    // (One array joined: a string per slot and a chain of concatenations to flatten cost twice
    // the bytes; the final "" gives the last line its break.)
    const lines: string[] = new Array(each.length + 1);
    for (let at = 0; at < each.length; at++) lines[at] = each[at]!.detected;
    lines[each.length] = "";
    texts = each.length === 0 ? [] : [lines.join("\n")];
    // Streams and the values read with nothing or a space between: the escapes of one text may
    // be completed by the next, so these are viewed joined (a join of plain ASCII is itself).
    for (const members of streams) pushJoinedView(texts, slots, each, members, "");
    if (values.length > 1) pushJoinedView(texts, slots, each, values, " ");
    return texts;
  };
  let folded: string[] | undefined;
  let joined: Skeleton[] | undefined;
  let joinedReach = 0;
  let joinedClean: CleanJoins | undefined;
  let skeletons: Skeleton[] | undefined;
  // Words spelled out over a boundary of the values, and escapes cut by a boundary of a stream,
  // read joined.
  let spelled: string[] | undefined;
  const spelledOf = () => {
    if (spelled) return spelled;
    const done = foldsOf();
    spelled = values.slice(1).flatMap((right, at) => {
      const left = values[at]!;
      if (!oneCharacterEnd.test(done[left]!) && !oneCharacterStart.test(done[right]!)) return [];
      return [foldWords(`${slots[left]!.text.slice(-PAIR_REACH)} ${slots[right]!.text.slice(0, PAIR_REACH)}`)];
    });
    for (const reading of cutEscapeReadings(slots, streams, viewsOf())) spelled.push(foldWords(reading));
    for (const reading of renderedReadings(slots)) spelled.push(reading);
    return spelled;
  };
  // Every slot on its own (one apart), and the spelled-out words.
  const foldedOf = () => (folded ??= [foldsOf().filter((fold) => fold !== "").join(" "), ...spelledOf()]);
  const skeletonsOf = () => {
    if (skeletons) return skeletons;
    // The skeleton of the slots' word views joined by spaces is their skeletons joined; where its
    // words start is worked out from the joined word view only when a keyword is found in it.
    // (Joined from one array, not concatenated: see textsOf.)
    const each = viewsOf();
    const parts: string[] = new Array(each.length);
    for (let at = 0; at < each.length; at++) parts[at] = each[at]!.skeleton;
    skeletons = [new DeferredSkeleton(parts.join(""), foldsOf()), ...spelledOf().map(skeletonOf)];
    return skeletons;
  };
  // A ComputedView (a class's getters), not an object literal with getters: see content-match.ts.
  return new ComputedView({
    texts: textsOf,
    lower: () => (lower ??= textsOf().map(lowerSpaced)),
    folded: foldedOf,
    skeletons: skeletonsOf,
    joined(within, clean) {
      // Only a keyword's reach around each boundary can hold a keyword crossing it (one inside a
      // text is read in `skeletons`): one run per request, rebuilt only for a longer reach (a power
      // of two: the keyword policies of a snapshot mostly share one) or for another index's clean
      // pairs (clean-joins.ts: the pairs of short texts known to hold no needle are left out).
      const reach = Math.min(PAIR_REACH, 2 ** Math.ceil(Math.log2(Math.max(32, within))));
      if (joined && joinedReach >= reach && joinedClean === clean) return joined;
      joinedReach = reach;
      joinedClean = clean;
      const done = foldsOf();
      const each = viewsOf();
      // One run for every joined reading, each apart from the next (no keyword crosses a CUT).
      const pieces: string[] = [];
      const free: boolean[] = [];
      // The run's skeleton text: each piece's skeleton (a whole text's is its slot's; a window's,
      // its own), a CUT staying a CUT, what joins them (a space, EITHER_MARK) read as nothing.
      let text = "";
      const piece = (slot: number, window: string) => {
        pieces.push(window);
        text += window === done[slot] ? each[slot]!.skeleton : window.replaceAll(" ", "");
      };
      const cut = () => {
        if (pieces.length === 0) return;
        pieces.push(CUT);
        free.push(false, false);
        text += CUT;
      };
      if (values.length > 1) {
        cut();
        for (const index of values) piece(index, ends(done[index]!, reach));
        for (let at = 1; at < values.length; at++) free.push(softBoundary(slots[values[at - 1]!]!.text, slots[values[at]!]!.text));
      }
      const fresh: string[] = [];
      // (Pairs read by index, not destructured: the iterator and an array per pair were ~1.2 KB a request.)
      for (let at = 0; at < pairs.length; at++) {
        const pair = pairs[at]!;
        const left = pair[0];
        const right = pair[1];
        if (clean) {
          const leftText = slots[left]!.text;
          const rightText = slots[right]!.text;
          if (leftText.length <= CLEAN_JOIN_LENGTH && rightText.length <= CLEAN_JOIN_LENGTH) {
            if (clean.has(leftText, rightText, reach)) continue;
            fresh.push(leftText, rightText);
          }
        }
        cut();
        piece(left, tail(done[left]!, reach));
        piece(right, head(done[right]!, reach));
        free.push(softBoundary(slots[left]!.text, slots[right]!.text));
      }
      // Where its words start is worked out from the run's word view (joinedWords) only when a keyword is found in it.
      joined = [clean ? new JoinedRun(text, pieces, free, clean, reach, fresh) : new DeferredSkeleton(text, pieces, free)];
      return joined;
    },
  });
}
