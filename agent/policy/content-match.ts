// A policy's content rules over the prompt text: keywords (case-insensitive, whole words) and
// regular expressions. Keywords are searched with indexOf in a folded copy of the prompt (lower
// case, whitespace runs as one space) made once per request: thousands of keyword policies then
// cost a native substring search each, not a regular-expression scan each.

/** The prompt text of one request, with its folded form computed on first use. */
export interface PromptView {
  readonly text: string;
  /** Lower case, every run of whitespace replaced by one space. */
  readonly folded: string;
}

/** Content rules compiled for matching; `undefined` from compileContentMatch means "no content rules". */
export interface ContentMatcher {
  /** True when a keyword or a pattern occurs in the prompt (what matched is deliberately not returned). */
  test(prompt: PromptView): boolean;
}

// Only runs that are not already a single space: prose is mostly single spaces, and replacing each
// of them with itself made this the largest allocation of a request (regex replace builds per match).
const irregularWhitespace = /[^\S ]\s*| \s+/g;

function fold(text: string): string {
  return text.toLowerCase().replace(irregularWhitespace, " ");
}

/** A view of `text` for content rules. */
export function promptView(text: string): PromptView {
  let folded: string | undefined;
  return {
    text,
    get folded() {
      folded ??= fold(text);
      return folded;
    },
  };
}

// A word character in any script (letters, marks, digits, underscore) just before or after an
// occurrence makes it part of a longer word, not the keyword.
const wordBefore = /[\p{L}\p{M}\p{N}_]$/u;
const wordAfter = /^[\p{L}\p{M}\p{N}_]/u;

function occursAsWord(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (!wordBefore.test(haystack.slice(Math.max(0, at - 2), at)) && !wordAfter.test(haystack.slice(end, end + 2))) return true;
  }
  return false;
}

/** A matcher for any of `keywords` as whole words, ignoring case; undefined when there are none. */
export function keywordMatcher(keywords: readonly string[]): ContentMatcher | undefined {
  const needles = keywords.map((keyword) => fold(keyword.trim())).filter((needle) => needle !== "");
  if (needles.length === 0) return undefined;
  return { test: (prompt) => needles.some((needle) => occursAsWord(prompt.folded, needle)) };
}

/** Compiles keywords and patterns; throws (the snapshot is NACKed) when a pattern is not a valid regular expression. */
export function compileContentMatch(policy: string, keywords: readonly string[], patterns: readonly string[]): ContentMatcher | undefined {
  const matchers: ContentMatcher[] = [];
  const keywordRules = keywordMatcher(keywords);
  if (keywordRules) matchers.push(keywordRules);
  for (const [index, pattern] of patterns.entries()) {
    try {
      const expression = new RegExp(pattern);
      matchers.push({ test: (prompt) => expression.test(prompt.text) });
    } catch (error) {
      throw new Error(`policy ${policy}: pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (matchers.length === 0) return undefined;
  return matchers.length === 1 ? matchers[0] : { test: (text) => matchers.some((matcher) => matcher.test(text)) };
}
