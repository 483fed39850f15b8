// Counts what was masked, per detector and location, for the exchange's record (never values).
import type { MaskFindingCount } from "../../core/detectors/mask-types.js";

export interface FindingCounter {
  add(detector: string, location: string): void;
  list(): MaskFindingCount[];
  /** Anything counted so far. */
  readonly any: boolean;
}

// A class, not an object literal with a getter: V8 keeps a literal's accessor in the old
// generation, so each request's getter closure (and all it reaches) outlived every scavenge until
// the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
// Its map is made with the first count (most exchanges count none).
class Counter implements FindingCounter {
  #counts: Map<string, MaskFindingCount> | undefined;

  add(detector: string, location: string): void {
    const key = `${detector}\u0000${location}`;
    const counts = (this.#counts ??= new Map());
    const found = counts.get(key);
    if (found) found.count++;
    else counts.set(key, { detector, location, count: 1 });
  }

  list(): MaskFindingCount[] {
    return this.#counts === undefined ? [] : [...this.#counts.values()].map((count) => ({ ...count }));
  }

  get any(): boolean {
    return this.#counts !== undefined && this.#counts.size > 0;
  }
}

/** An empty counter; list() keeps first-seen order. */
export function createFindingCounter(): FindingCounter {
  return new Counter();
}
