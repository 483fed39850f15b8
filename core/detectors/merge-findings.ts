// Overlap resolution between findings of several detectors (or several patterns of one): the
// longest finding wins, then the earliest; the result is sorted by start and non-overlapping.
import type { Finding } from "./detector.js";

// Index of the first accepted finding whose start is >= `start` (accepted is sorted by start).
function firstFrom(accepted: readonly Finding[], start: number): number {
  let low = 0;
  let high = accepted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (accepted[middle].start < start) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Non-overlapping findings from `findings`, longest first then earliest, sorted by start. */
export function mergeFindings<F extends Finding>(findings: F[]): F[] {
  if (findings.length < 2) return findings;
  const byPriority = [...findings].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const accepted: F[] = [];
  for (const finding of byPriority) {
    const at = firstFrom(accepted, finding.start);
    const before = accepted[at - 1];
    const after = accepted[at];
    if (before && before.end > finding.start) continue;
    if (after && after.start < finding.end) continue;
    accepted.splice(at, 0, finding);
  }
  return accepted;
}
