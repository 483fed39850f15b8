// Pairs of short neighbouring request texts (a key and its value, a label and its neighbour, each
// at most CLEAN_JOIN_LENGTH characters: "role" + "system", "model" + "gpt-4o-mini") whose joined
// reading held none of a content index's keyword needles, kept per index (one snapshot's list of
// policies) and per reach: the bench request reads 15 such pairs joined, the same on most requests.
// A pair's piece of the joined run (content-view.ts: each end's window of its word view, the
// boundary between them) is a function of the two texts and the reach alone, and no needle crosses
// the CUT that sets it apart from the other pieces, so a pair once clean is clean again and its
// piece is left out of the run: what the needles find in the run, and where its words start around
// what they find, is what they found before. Only "nothing found" is kept.
import { DeferredSkeleton } from "./keyword-match.js";

/** The longest text of a pair kept (slot-views.ts's and clean-pairs.ts's bound: keys, labels, short values). */
export const CLEAN_JOIN_LENGTH = 80;
const CLEAN_JOINS = 4096;

/** Clean pairs of one content index's keyword needles. */
export class CleanJoins {
  private readonly byReach = new Map<number, Map<string, Set<string>>>();
  private size = 0;

  /** Whether `left` then `right`, read joined within `reach`, was found clean. */
  has(left: string, right: string, reach: number): boolean {
    return this.byReach.get(reach)?.get(left)?.has(right) ?? false;
  }

  /** Remembers `left` then `right` at `reach` as clean (up to CLEAN_JOINS pairs; past that, nothing more is kept). */
  add(left: string, right: string, reach: number): void {
    if (this.size >= CLEAN_JOINS) return;
    let byLeft = this.byReach.get(reach);
    if (!byLeft) this.byReach.set(reach, (byLeft = new Map()));
    let rights = byLeft.get(left);
    if (!rights) byLeft.set(left, (rights = new Set()));
    if (rights.has(right)) return;
    rights.add(right);
    this.size++;
  }
}

/**
 * A joined run (content-view.ts) built without the pairs `clean` knew, and the short pairs it
 * holds (`fresh`: left, right, left, right…), which `clean` learns when no needle is in the run.
 */
export class JoinedRun extends DeferredSkeleton {
  constructor(
    text: string,
    folds: readonly string[],
    free: readonly boolean[],
    private readonly clean: CleanJoins,
    private readonly reach: number,
    private readonly fresh: readonly string[],
  ) {
    super(text, folds, free);
  }

  /** Tells `clean` that no needle is in this run: each of its short pairs is clean. */
  foundNothing(): void {
    for (let at = 0; at < this.fresh.length; at += 2) this.clean.add(this.fresh[at]!, this.fresh[at + 1]!, this.reach);
  }
}
