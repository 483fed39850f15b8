// Pairs of short neighbouring request texts whose joined reading found nothing (a key and its
// value, a label and its neighbour: "model" + "gpt-4o-mini", "role" + "system", a header's name and
// value — the same on most requests), kept per tuple of request detector sets while the sets live
// (one snapshot). What slot masking finds across one boundary of two texts is a function of the two
// texts and the sets alone (their findings, their quick tests, their reach over prose), so a pair
// found clean once is clean again. Only "nothing found" is kept, as the clean texts are.
import type { CompiledDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";

/** The longest text of a pair kept (the clean texts' bound: keys, labels, short values). */
export const CLEAN_PAIR_LENGTH = 80;
const CLEAN_PAIRS = 4096;

/** Clean pairs of one tuple of detector sets. */
export interface CleanPairs {
  /** Whether `left` then `right` (each at most CLEAN_PAIR_LENGTH characters) was found clean. */
  has(left: string, right: string): boolean;
  /** Remembers `left` then `right` as clean (up to CLEAN_PAIRS pairs; past that, nothing more is kept). */
  add(left: string, right: string): void;
}

class Pairs implements CleanPairs {
  private readonly byLeft = new Map<string, Set<string>>();
  private size = 0;

  has(left: string, right: string): boolean {
    return this.byLeft.get(left)?.has(right) ?? false;
  }

  add(left: string, right: string): void {
    if (this.size >= CLEAN_PAIRS) return;
    let rights = this.byLeft.get(left);
    if (!rights) this.byLeft.set(left, (rights = new Set()));
    if (rights.has(right)) return;
    rights.add(right);
    this.size++;
  }
}

// A chain of weak maps, one level per set of the tuple (in the rules' order): a tuple's pairs live as long as its sets.
interface Level {
  pairs?: Pairs;
  next: WeakMap<CompiledDetectors, Level>;
}
const root: Level = { next: new WeakMap() };

/** The clean pairs of `rules`' detector sets, in order; undefined for no rule. */
export function cleanPairsOf(rules: readonly Pick<MaskRule, "detectors">[]): CleanPairs | undefined {
  if (rules.length === 0) return undefined;
  let level = root;
  for (const { detectors } of rules) {
    let next = level.next.get(detectors);
    if (!next) level.next.set(detectors, (next = { next: new WeakMap() }));
    level = next;
  }
  return (level.pairs ??= new Pairs());
}
