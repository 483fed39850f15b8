// Counts what was masked, per detector and location, for the exchange's record (never values).
import type { MaskFindingCount } from "../../core/detectors/mask-types.js";

export interface FindingCounter {
  add(detector: string, location: string): void;
  list(): MaskFindingCount[];
  /** Anything counted so far. */
  readonly any: boolean;
}

/** An empty counter; list() keeps first-seen order. */
export function createFindingCounter(): FindingCounter {
  const counts = new Map<string, MaskFindingCount>();
  return {
    add(detector, location) {
      const key = `${detector}\u0000${location}`;
      const found = counts.get(key);
      if (found) found.count++;
      else counts.set(key, { detector, location, count: 1 });
    },
    list: () => [...counts.values()].map((count) => ({ ...count })),
    get any() {
      return counts.size > 0;
    },
  };
}
