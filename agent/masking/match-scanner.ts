// Finds what to replace in one piece of text: the findings of every rule of one direction (merged:
// longest wins, then earliest) and, in replies, this session's placeholders (which win over any
// finding they overlap). Also says from where a stream must hold text back (the detectors'
// holdFrom, and a tail that may still become a placeholder), never inside a match.
import { mergeFindings } from "../../core/detectors/merge-findings.js";
import { settledHoldAny, type Finding } from "../../core/detectors/detector.js";
import { PLACEHOLDER_PATTERN, placeholderHold, runOpen } from "./markers.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import type { PseudonymEntry, PseudonymTable } from "./pseudonym-table.js";

/** A detector finding (with its rule) or a session placeholder (with its entry). */
export interface Match extends Finding {
  rule?: MaskRule;
  entry?: PseudonymEntry;
}

/** What scan() finds: the matches to replace, and every finding before the merge (for holds). */
export interface Scan {
  /** Sorted by start, non-overlapping. */
  matches: Match[];
  /** Every rule's findings and the placeholders, overlapping: a finding that loses the merge now may win later in a stream. */
  spans: readonly Finding[];
}

export interface MatchScanner {
  scan(text: string): Scan;
  /** The index from which a stream must hold `text` back, given `spans` of scan(text). */
  holdFrom(text: string, spans: readonly Finding[]): number;
}

function placeholdersIn(text: string, table: PseudonymTable): Match[] {
  if (table.size === 0 || !text.includes("<")) return [];
  const found: Match[] = [];
  PLACEHOLDER_PATTERN.lastIndex = 0;
  for (let match = PLACEHOLDER_PATTERN.exec(text); match !== null; match = PLACEHOLDER_PATTERN.exec(text)) {
    const entry = table.byPlaceholder(match[0]);
    if (entry) found.push({ detector: "restored", start: match.index, end: match.index + match[0].length, value: match[0], entry });
  }
  return found;
}

// Both lists sorted and non-overlapping within themselves; tokens win over findings they overlap.
function withTokens(findings: Match[], tokens: Match[]): Match[] {
  if (tokens.length === 0) return findings;
  const result: Match[] = [];
  let next = 0;
  for (const finding of findings) {
    while (next < tokens.length && tokens[next].end <= finding.start) result.push(tokens[next++]);
    const overlaps = next < tokens.length && tokens[next].start < finding.end;
    if (!overlaps) result.push(finding);
  }
  while (next < tokens.length) result.push(tokens[next++]);
  return result;
}

/** A scanner for `rules`; with `table`, the session's placeholders are found too (reply side). */
export function createMatchScanner(rules: readonly MaskRule[], table?: PseudonymTable): MatchScanner {
  return {
    scan(text) {
      // Each detector on its own (not the rule's merged find): the spans must include the losers.
      const found: Match[] = [];
      for (const rule of rules) {
        if (!rule.detectors.mayFind(text)) continue; // most keys, labels and plain prose
        for (const detector of rule.detectors.detectors) for (const finding of detector.find(text)) found.push({ ...finding, rule });
      }
      const findings = mergeFindings([...found], text);
      if (!table) return { matches: findings, spans: found };
      const tokens = placeholdersIn(text, table);
      return { matches: withTokens(findings, tokens), spans: tokens.length === 0 ? found : [...found, ...tokens] };
    },
    holdFrom(text, spans) {
      let hold = text.length;
      for (const rule of rules) for (const detector of rule.detectors.detectors) hold = Math.min(hold, detector.holdFrom(text));
      if (table && table.size > 0) hold = Math.min(hold, placeholderHold(text));
      // A placeholder to restore waits for the end of its run: what follows it decides whether it sits in a URL (restore-guard.ts).
      for (const span of spans) if ((span as Match).entry?.restore && span.start < hold && runOpen(text.slice(span.end))) hold = span.start;
      // Nothing found may cross the hold: a finding of one rule may reach into another's held tail.
      return settledHoldAny(spans, hold);
    },
  };
}
