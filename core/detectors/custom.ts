// A policy's own detectors: regular expressions (JavaScript syntax, as in policy `patterns`) and
// word lists (whole words in the word view: case, look-alikes and punctuation between words ignored).
// Patterns are compiled here once per snapshot; the control plane is expected to have refused
// patterns that risk catastrophic backtracking at apply time, as it does for policy patterns.
//
// Streaming: JavaScript has no partial matching, so a pattern that may match whitespace holds back
// the stream's last PATTERN_HOLD characters (a match longer than that can be cut in a stream). A
// pattern whose source cannot match whitespace (no space, `\s`, `.`, negated class, `\W`, `\D`,
// escapes that may name a space…) holds only the trailing run of non-whitespace, at most
// PATTERN_HOLD. Words hold back only the longest trailing text a word still starts with.
import { pendingEscape } from "../text/escapes.js";
import { foldWords, wordView } from "../text/word-view.js";
import { trailingRun, type Detector, type Finding } from "./detector.js";
import { mergeFindings } from "./merge-findings.js";
import { findingsInOriginal, memoisedView } from "./normalised-detector.js";

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
      return mergeFindings(findings, text);
    },
    holdFrom: spanning ? (text) => Math.max(0, text.length - PATTERN_HOLD) : (text) => trailingRun(text, notSpace, PATTERN_HOLD),
  };
}

/**
 * A detector of `words` as whole words in the word view (core/text/normalise.ts): case, accents,
 * look-alike letters, zero-width characters and the punctuation between words do not matter
 * (`Project Falcon` finds `PROJECT_falcon` and `Prоject\u200bFalcon`); blank words are ignored.
 */
export function wordDetector(words: readonly string[]): Detector {
  const folded = [...new Set(words.map((word) => foldWords(word)).filter((word) => word !== ""))].sort((a, b) => b.length - a.length);
  const longest = folded.length === 0 ? 0 : folded[0]!.length;
  const view = memoisedView(wordView);
  const isBoundary = (text: string, at: number) => at < 0 || at >= text.length || text.charCodeAt(at) === 32;
  return {
    name: "word",
    // Original characters per folded one can be many (zero-width, escapes): hold generously.
    maxLength: 4 * longest + 16,
    find(text) {
      if (folded.length === 0) return [];
      const normalised = view(text);
      const haystack = normalised.text;
      const found: Finding[] = [];
      for (const word of folded) {
        for (let at = haystack.indexOf(word); at >= 0; at = haystack.indexOf(word, at + 1)) {
          if (isBoundary(haystack, at - 1) && isBoundary(haystack, at + word.length)) found.push({ detector: "word", start: at, end: at + word.length, value: word });
        }
      }
      return findingsInOriginal(text, normalised, mergeFindings(found, haystack));
    },
    holdFrom(text) {
      // The longest tail of the view that a word starts with, or a whole word at the very end
      // (the next character may still extend it into a longer word), held from its original start;
      // a cut escape at the end (`&#9`, `%4`) and trailing variation selectors are held, the escape with what is before it.
      const pending = pendingEscape(text);
      return Math.min(pending.escape, pending.tail, wordHold(pending.escape < text.length ? text.slice(0, pending.escape) : text));
    },
  };
  function wordHold(text: string): number {
    const normalised = view(text);
    const tail = normalised.text.slice(Math.max(0, normalised.text.length - longest - 1));
    for (let length = Math.min(tail.length, longest + 1); length > 0; length--) {
      const piece = tail.slice(tail.length - length).trimStart();
      if (piece !== "" && folded.some((word) => word.startsWith(piece))) {
        return normalised.toOriginal(normalised.text.length - piece.length, normalised.text.length)[0];
      }
    }
    return text.length;
  }
}
