// A policy's content rules over the prompt text: all keywords folded into one case-insensitive,
// word-bounded regular expression (one scan of the text however many keywords), plus the
// policy's own patterns.

/** Content rules compiled for matching; `undefined` from compileContentMatch means "no content rules". */
export interface ContentMatcher {
  /** True when a keyword or a pattern occurs in `text` (what matched is deliberately not returned). */
  test(text: string): boolean;
}

// A word character in any script: letters, marks, digits and the connector (underscore).
const wordChar = "[\\p{L}\\p{M}\\p{N}_]";

function escapeKeyword(keyword: string): string {
  // Runs of whitespace in a phrase match any run of whitespace in the prompt (line breaks included).
  return keyword
    .trim()
    .split(/\s+/u)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) // the syntax characters; `u` mode refuses other escapes
    .join("\\s+");
}

/** One regular expression matching any of `keywords` as whole words, ignoring case. */
export function keywordExpression(keywords: readonly string[]): RegExp | undefined {
  const alternatives = keywords.filter((keyword) => keyword.trim() !== "").map(escapeKeyword);
  if (alternatives.length === 0) return undefined;
  return new RegExp(`(?<!${wordChar})(?:${alternatives.join("|")})(?!${wordChar})`, "iu");
}

/** Compiles keywords and patterns; throws (the snapshot is NACKed) when a pattern is not a valid regular expression. */
export function compileContentMatch(policy: string, keywords: readonly string[], patterns: readonly string[]): ContentMatcher | undefined {
  const expressions: RegExp[] = [];
  const keywordRegExp = keywordExpression(keywords);
  if (keywordRegExp) expressions.push(keywordRegExp);
  for (const [index, pattern] of patterns.entries()) {
    try {
      expressions.push(new RegExp(pattern));
    } catch (error) {
      throw new Error(`policy ${policy}: pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (expressions.length === 0) return undefined;
  return { test: (text) => expressions.some((expression) => expression.test(text)) };
}
