// A policy's content rules over the text of a request: keywords (whole words, in the word view of
// core/text/normalise.ts: case, look-alike letters, invisible characters, accents and the
// punctuation between words do not matter) and regular expressions (over the detector view:
// full-width, zero-width-split and percent-encoded text read as what it says). The text is every
// string of the request (content-view.ts), once as pieces on their own lines and once as the
// reading stream joined, so a keyword split over two content parts is found. Keywords are searched
// with indexOf in folded copies made once per request: thousands of keyword policies then cost a
// native substring search each, not a regular-expression scan each.
import { detectorText, foldWords } from "../../core/text/normalise.js";

/** The text of one request as content rules read it, its views computed on first use. */
export interface PromptView {
  /** Detector views of the texts patterns are matched against. */
  readonly texts: readonly string[];
  /** Word views of the same texts (letters and digits, single spaces). */
  readonly folded: readonly string[];
  /** The detector views in lower case with whitespace runs as one space (keywords whose punctuation matters). */
  readonly lower: readonly string[];
  /**
   * Texts read as one whose boundaries between two words read both as nothing and as a space
   * (agent/inspection/joined-words.ts): `has(needle)` for a keyword's word view.
   */
  readonly joined?: readonly { has(needle: string): boolean }[];
}

/** Content rules compiled for matching; `undefined` from compileContentMatch means "no content rules". */
export interface ContentMatcher {
  /** True when a keyword or a pattern occurs in the prompt (what matched is deliberately not returned). */
  test(prompt: PromptView): boolean;
}

/** A view of `texts` (each read on its own) for content rules. */
export function promptView(...texts: string[]): PromptView {
  let viewed: string[] | undefined;
  let folded: string[] | undefined;
  let lower: string[] | undefined;
  const present = texts.filter((text) => text !== "");
  const view: PromptView = {
    get texts() {
      viewed ??= present.map(detectorText);
      return viewed;
    },
    get folded() {
      folded ??= present.map(foldWords);
      return folded;
    },
    get lower() {
      lower ??= view.texts.map(lowerSpaced);
      return lower;
    },
  };
  return view;
}

// Only runs that are not already a single space: prose is mostly single spaces, and replacing each
// of them with itself made this the largest allocation of a request (regex replace builds per match).
const irregularWhitespace = /[^\S ]\s*| \s+/g;
const lowerSpaced = (text: string) => text.toLowerCase().replace(irregularWhitespace, " ");

// A word character in any script just before or after a literal keyword makes it part of a longer word.
const wordBefore = /[\p{L}\p{M}\p{N}_]$/u;
const wordAfter = /^[\p{L}\p{M}\p{N}_]/u;

function occursLiterally(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (!wordBefore.test(haystack.slice(Math.max(0, at - 2), at)) && !wordAfter.test(haystack.slice(end, end + 2))) return true;
  }
  return false;
}

// Keywords of letters, digits, spaces and word-joining marks are words (matched in the word view);
// one whose other punctuation carries meaning (`c++`, `$x/y`, `a.b (c)`) is matched literally.
const wordKeyword = /^[\p{L}\p{M}\p{N}\s_-]+$/u;

// The word view has only letters, digits and single spaces: a keyword is whole when a space or an end is on either side.
function occursAsWord(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if ((at === 0 || haystack.charCodeAt(at - 1) === 32) && (end === haystack.length || haystack.charCodeAt(end) === 32)) return true;
  }
  return false;
}

/** A matcher for any of `keywords` as whole words (in the word view, or literally when their punctuation matters); undefined when there are none. */
export function keywordMatcher(keywords: readonly string[]): ContentMatcher | undefined {
  const trimmed = keywords.map((keyword) => keyword.trim()).filter((keyword) => keyword !== "");
  // A phrase also matches written without its spaces, as it reads when spelled out ("p r o j e c t n i g h t").
  const folded = trimmed.filter((keyword) => wordKeyword.test(keyword)).map(foldWords).filter((needle) => needle !== "");
  const words = [...new Set([...folded, ...folded.map((needle) => needle.replaceAll(" ", ""))])];
  const literals = [...new Set(trimmed.filter((keyword) => !wordKeyword.test(keyword)).map((keyword) => lowerSpaced(detectorText(keyword))))];
  if (words.length === 0 && literals.length === 0) return undefined;
  return {
    test: (prompt) =>
      (words.length > 0 && prompt.folded.some((haystack) => words.some((needle) => occursAsWord(haystack, needle)))) ||
      (words.length > 0 && prompt.joined !== undefined && prompt.joined.some((run) => words.some((needle) => run.has(needle)))) ||
      (literals.length > 0 && prompt.lower.some((haystack) => literals.some((needle) => occursLiterally(haystack, needle)))),
  };
}

/** Compiles keywords and patterns; throws (the snapshot is NACKed) when a pattern is not a valid regular expression. */
export function compileContentMatch(policy: string, keywords: readonly string[], patterns: readonly string[]): ContentMatcher | undefined {
  const matchers: ContentMatcher[] = [];
  const keywordRules = keywordMatcher(keywords);
  if (keywordRules) matchers.push(keywordRules);
  for (const [index, pattern] of patterns.entries()) {
    try {
      const expression = new RegExp(pattern);
      matchers.push({ test: (prompt) => prompt.texts.some((text) => expression.test(text)) });
    } catch (error) {
      throw new Error(`policy ${policy}: pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (matchers.length === 0) return undefined;
  return matchers.length === 1 ? matchers[0] : { test: (text) => matchers.some((matcher) => matcher.test(text)) };
}
