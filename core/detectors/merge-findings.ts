// Overlap resolution between findings of several detectors (or several patterns of one): findings
// that overlap become one finding covering them all (the longest one's detector and kind, then the
// earliest's), so no part of any of them is left in clear (`123-45-6789 4111 1111 1111 1111`: an SSN
// and two card readings of the digit chain are one span). The result is sorted by start and
// non-overlapping; each finding's value is its span of `text`.
import type { Finding } from "./detector.js";

/** Non-overlapping findings covering every finding of `findings` (found in `text`), sorted by start. */
export function mergeFindings<F extends Finding>(findings: F[], text: string): F[] {
  if (findings.length < 2) return findings;
  // Longest first, then earliest: the first of a group of overlapping findings names the union.
  const byPriority = [...findings].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const byStart = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const rank = new Map(byPriority.map((finding, index) => [finding, index]));
  const merged: F[] = [];
  let group: F[] = [];
  let end = -1;
  const close = () => {
    if (group.length === 0) return;
    const start = group[0]!.start;
    if (group.length === 1) merged.push(group[0]!);
    else {
      const head = group.reduce((best, finding) => (rank.get(finding)! < rank.get(best)! ? finding : best));
      merged.push({ ...head, start, end, value: text.slice(start, end) });
    }
    group = [];
  };
  for (const finding of byStart) {
    if (finding.start >= end) close();
    group.push(finding);
    end = Math.max(end, finding.end);
  }
  close();
  return merged;
}
