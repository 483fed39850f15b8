// How a content rule's keyword is read, shared by the agent (which matches it) and the control
// plane (which refuses at apply time a keyword that would read as nothing: a rule that cannot
// tell one prompt from another).
import { detectorText } from "../text/normalise.js";
import { foldWords } from "../text/word-view.js";

// Keywords of letters, digits, spaces and word-joining marks are words (matched in the word view);
// one whose other punctuation carries meaning (`c++`, `$x/y`, `a.b (c)`) is matched literally.
export const wordKeyword = /^[\p{L}\p{M}\p{N}\s_-]+$/u;

// Only runs that are not already a single space: prose is mostly single spaces, and replacing each
// of them with itself made this the largest allocation of a request (regex replace builds per match).
const irregularWhitespace = /[^\S ]\s*| \s+/g;
/** A detector view in lower case with whitespace runs as one space (keywords whose punctuation matters). */
export const lowerSpaced = (text: string) => text.toLowerCase().replace(irregularWhitespace, " ");

/**
 * Whether `keyword` reads as nothing as the agent matches it: a word keyword with no letter or
 * digit once invisible characters, marks and separators are set aside (`-`, a zero-width space, a
 * lone accent), or a literal one that is only invisible characters and spaces. Such a keyword would
 * be found in every prompt (or, as a word, in none).
 */
export function keywordReadsAsNothing(keyword: string): boolean {
  const trimmed = keyword.trim();
  if (trimmed === "") return true;
  if (wordKeyword.test(trimmed)) return foldWords(trimmed).replaceAll(" ", "") === "";
  return lowerSpaced(detectorText(trimmed)).trim() === "";
}
