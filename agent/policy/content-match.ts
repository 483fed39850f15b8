// A policy's content rules over the prompt text: all keywords folded into one case-insensitive,
// word-bounded regular expression (one scan of the text however many keywords), plus the
// policy's own patterns.

/** Content rules compiled for matching; `undefined` from compileContentMatch means "no content rules". */
export interface ContentMatcher {
  /** True when a keyword or a pattern occurs in `text` (what matched is deliberately not returned). */
  test(text: string): boolean;
}

// A word character in any script (letters, marks, digits, underscore) just before or after a match.
// Checked beside the match rather than inside the expression: Unicode property classes make each
// expression slow to compile (about 0.4 ms), which 10,000 policies would pay at every snapshot.
const wordBefore = /[\p{L}\p{M}\p{N}_]$/u;
const wordAfter = /^[\p{L}\p{M}\p{N}_]/u;

function escapeKeyword(keyword: string): string {
  // Runs of whitespace in a phrase match any run of whitespace in the prompt (line breaks included).
  return keyword
    .trim()
    .split(/\s+/u)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) // the syntax characters; `u` mode refuses other escapes
    .join("\\s+");
}

/** A matcher for any of `keywords` as whole words, ignoring case; undefined when there are none. */
export function keywordMatcher(keywords: readonly string[]): ContentMatcher | undefined {
  const alternatives = keywords.filter((keyword) => keyword.trim() !== "").map(escapeKeyword);
  if (alternatives.length === 0) return undefined;
  const expression = new RegExp(alternatives.join("|"), "giu");
  return {
    test(text) {
      expression.lastIndex = 0;
      for (let match = expression.exec(text); match; match = expression.exec(text)) {
        const end = match.index + match[0].length;
        if (!wordBefore.test(text.slice(Math.max(0, match.index - 2), match.index)) && !wordAfter.test(text.slice(end, end + 2))) return true;
        expression.lastIndex = match.index + 1; // a longer or later occurrence may still stand alone
      }
      return false;
    },
  };
}

/** Compiles keywords and patterns; throws (the snapshot is NACKed) when a pattern is not a valid regular expression. */
export function compileContentMatch(policy: string, keywords: readonly string[], patterns: readonly string[]): ContentMatcher | undefined {
  const matchers: ContentMatcher[] = [];
  const keywordRules = keywordMatcher(keywords);
  if (keywordRules) matchers.push(keywordRules);
  for (const [index, pattern] of patterns.entries()) {
    try {
      matchers.push(new RegExp(pattern));
    } catch (error) {
      throw new Error(`policy ${policy}: pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (matchers.length === 0) return undefined;
  return matchers.length === 1 ? matchers[0] : { test: (text) => matchers.some((matcher) => matcher.test(text)) };
}
