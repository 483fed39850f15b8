// A policy's own detectors: regular expressions (JavaScript syntax, as in policy `patterns`) and
// word lists (case-insensitive, whole words; a space in a word matches any run of whitespace).
// Patterns are compiled here once per snapshot; the control plane is expected to have refused
// patterns that risk catastrophic backtracking at apply time, as it does for policy patterns.
//
// Streaming: JavaScript has no partial matching, so a pattern that may match whitespace holds back
// the stream's last PATTERN_HOLD characters (a match longer than that can be cut in a stream). A
// pattern whose source cannot match whitespace (no space, `\s`, `.`, negated class, `\W`, `\D`,
// escapes that may name a space…) holds only the trailing run of non-whitespace, at most
// PATTERN_HOLD. Words hold back only the longest trailing text a word still starts with.
import { trailingRun, type Detector, type Finding } from "./detector.js";
import { mergeFindings } from "./merge-findings.js";

/** Characters a stream holds back for custom patterns; also the longest pattern match a stream masks whole. */
export const PATTERN_HOLD = 128;

// Conservative: true unless the source certainly cannot match a whitespace character.
const mayMatchSpace = /\s|\\[sWDxuUcpPtnrfv0-9]|\.|\[\^/;
const notSpace = (code: number): boolean => !(code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x2028 || code === 0x2029 || code === 0xfeff);

/** A detector of `patterns` (finding kind "pattern-N", 1-based); throws naming the first invalid one. */
export function patternDetector(patterns: readonly string[]): Detector {
  const compiled = patterns.map((source, index) => {
    try {
      return new RegExp(source, "g");
    } catch (error) {
      throw new Error(`mask pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const spanning = patterns.some((source) => mayMatchSpace.test(source));
  return {
    name: "pattern",
    maxLength: PATTERN_HOLD,
    find(text) {
      const findings: Finding[] = [];
      compiled.forEach((pattern, index) => {
        pattern.lastIndex = 0;
        for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
          if (match[0] === "") {
            pattern.lastIndex++;
            continue;
          }
          findings.push({ detector: "pattern", kind: `pattern-${index + 1}`, start: match.index, end: match.index + match[0].length, value: match[0] });
        }
      });
      return mergeFindings(findings);
    },
    holdFrom: spanning ? (text) => Math.max(0, text.length - PATTERN_HOLD) : (text) => trailingRun(text, notSpace, PATTERN_HOLD),
  };
}

function escapeRegExp(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
}

/** A detector of `words` as whole words ignoring case; blank words are ignored. */
export function wordDetector(words: readonly string[]): Detector {
  const cleaned = [...new Set(words.map((word) => word.trim().replace(/\s+/g, " ")).filter((word) => word !== ""))].sort((a, b) => b.length - a.length);
  const folded = cleaned.map((word) => word.toLowerCase());
  const longest = cleaned.length === 0 ? 0 : cleaned[0].length;
  const pattern = cleaned.length === 0 ? undefined : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${cleaned.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}_])`, "giu");
  return {
    name: "word",
    maxLength: longest + 1,
    find(text) {
      if (!pattern) return [];
      const findings: Finding[] = [];
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        findings.push({ detector: "word", start: match.index, end: match.index + match[0].length, value: match[0] });
      }
      return findings;
    },
    holdFrom(text) {
      // The longest tail that a word starts with (whitespace folded), or a whole word at the very
      // end, which the next character may still extend into a longer word.
      const tail = text.slice(Math.max(0, text.length - longest - 16)).toLowerCase().replace(/\s+/g, " ");
      for (let length = Math.min(tail.length, longest); length > 0; length--) {
        const piece = tail.slice(tail.length - length);
        if (folded.some((word) => word.startsWith(piece))) return Math.max(0, text.length - originalLength(text, length));
      }
      return text.length;
    },
  };
}

// How many characters of `text`'s end make up `folded` characters after whitespace folding.
function originalLength(text: string, folded: number): number {
  let count = 0;
  let at = text.length;
  while (at > 0 && count < folded) {
    at--;
    if (/\s/.test(text[at])) {
      while (at > 0 && /\s/.test(text[at - 1])) at--;
    }
    count++;
  }
  return text.length - at;
}
