// Finds what to replace in one piece of text: the findings of every rule of one direction (merged:
// longest wins, then earliest) and, in replies, this session's placeholders (which win over any
// finding they overlap). Also says from where a stream must hold text back (the detectors'
// holdFrom, and a tail that may still become a placeholder), never inside a match.
import { mergeFindings } from "./detectors/merge-findings.js";
import type { Finding } from "./detectors/detector.js";
import { PLACEHOLDER_PATTERN, placeholderHold } from "./markers.js";
import type { MaskRule } from "./mask-types.js";
import type { PseudonymEntry, PseudonymTable } from "./pseudonym-table.js";

/** A detector finding (with its rule) or a session placeholder (with its entry). */
export interface Match extends Finding {
  rule?: MaskRule;
  entry?: PseudonymEntry;
}

export interface MatchScanner {
  /** Matches in `text`, sorted by start, non-overlapping. */
  scan(text: string): Match[];
  /** The index from which a stream must hold `text` back, given `matches` = scan(text). */
  holdFrom(text: string, matches: readonly Match[]): number;
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
      const found: Match[] = [];
      for (const rule of rules) for (const finding of rule.detectors.find(text)) found.push({ ...finding, rule });
      const findings = rules.length > 1 ? mergeFindings(found) : found;
      return table ? withTokens(findings, placeholdersIn(text, table)) : findings;
    },
    holdFrom(text, matches) {
      let hold = text.length;
      for (const rule of rules) hold = Math.min(hold, rule.detectors.holdFrom(text));
      if (table && table.size > 0) hold = Math.min(hold, placeholderHold(text));
      // No match may cross the hold: a finding of one rule may reach into another's held tail.
      for (let index = matches.length - 1; index >= 0; index--) {
        const match = matches[index];
        if (match.end <= hold) break;
        if (match.start < hold) hold = match.start;
      }
      return hold;
    },
  };
}
