// A policy's content rules over the text of a request: keywords (on the letters-and-digits skeleton
// of the word view of core/text/normalise.ts: case, look-alike letters, invisible characters,
// accents and every separator, between words or inside the keyword, do not matter; where the
// keyword may sit in a word is its mode, keyword-match.ts) and regular expressions (over the detector view:
// full-width, zero-width-split and percent-encoded text read as what it says). The text is every
// string of the request (content-view.ts), once as pieces on their own lines and once as the
// reading stream joined, so a keyword split over two content parts is found. Views are folded
// copies made once per request; on the request path, the content rules of all the policies a
// request may walk are searched together (content-index.ts: one native scan of each view for all
// their keywords, one for their patterns), and ContentRules.test is the answer it gives.
import { detectorText } from "../../core/text/normalise.js";
import { lowerSpaced, wordKeyword } from "../../core/policy/keyword-reading.js";
import { foldWords } from "../../core/text/word-view.js";
import type { CleanJoins } from "./clean-joins.js";
import { compileKeyword, occurs, skeletonOf, type CompiledKeyword, type KeywordMode, type Skeleton } from "./keyword-match.js";

/** The text of one request as content rules read it, its views computed on first use. */
export interface PromptView {
  /** Detector views of the texts patterns are matched against. */
  readonly texts: readonly string[];
  /** Word views of the same texts (letters and digits, single spaces; spelled-out words not joined). */
  readonly folded: readonly string[];
  /** The word views' letters-and-digits skeletons (keywords). */
  readonly skeletons: readonly Skeleton[];
  /** The detector views in lower case with whitespace runs as one space (keywords whose punctuation matters). */
  readonly lower: readonly string[];
  /**
   * Texts read as one whose boundaries between two words read both as nothing and as a space
   * (agent/inspection/joined-words.ts), as skeletons, each text read within `reach` characters of
   * its boundaries (at least every keyword crossing a boundary whose word view is that long).
   * With `clean` (a content index's clean pairs, clean-joins.ts), the pairs of short texts it knew
   * to hold no needle are left out, and the run is a JoinedRun that says which it holds.
   */
  joined?(reach: number, clean?: CleanJoins): readonly Skeleton[];
}

/** Content rules compiled for matching; `undefined` from compileContentMatch means "no content rules". */
export interface ContentMatcher {
  /** True when a keyword or a pattern occurs in the prompt (what matched is deliberately not returned). */
  test(prompt: PromptView): boolean;
}

/** How each view of a PromptView is computed (each memoises its own result). */
export interface ViewParts {
  texts(): readonly string[];
  folded(): readonly string[];
  skeletons(): readonly Skeleton[];
  lower(): readonly string[];
  joined?(reach: number, clean?: CleanJoins): readonly Skeleton[];
}

/**
 * A PromptView whose views are `parts`' results. A class, not an object literal with getters: V8
 * keeps a literal's accessors in the old generation, so every request's getter closures (and the
 * request texts they reach) outlived each scavenge until the next full GC, which made scavenges
 * copy ~30 KB per request (docs/performance.md, "Issue 13: the tail at one connection").
 */
export class ComputedView implements PromptView {
  readonly joined?: (reach: number, clean?: CleanJoins) => readonly Skeleton[];

  constructor(private readonly parts: ViewParts) {
    if (parts.joined) this.joined = parts.joined;
  }

  get texts(): readonly string[] {
    return this.parts.texts();
  }

  get folded(): readonly string[] {
    return this.parts.folded();
  }

  get skeletons(): readonly Skeleton[] {
    return this.parts.skeletons();
  }

  get lower(): readonly string[] {
    return this.parts.lower();
  }
}

/** A view of `texts` (each read on its own) for content rules. */
export function promptView(...texts: string[]): PromptView {
  let viewed: string[] | undefined;
  let folded: string[] | undefined;
  let lower: string[] | undefined;
  let skeletons: Skeleton[] | undefined;
  const present = texts.filter((text) => text !== "");
  const textsOf = () => (viewed ??= present.map(detectorText));
  const foldedOf = () => (folded ??= present.map((text) => foldWords(text, false)));
  return new ComputedView({
    texts: textsOf,
    folded: foldedOf,
    skeletons: () => (skeletons ??= foldedOf().map(skeletonOf)),
    lower: () => (lower ??= textsOf().map(lowerSpaced)),
  });
}

export { lowerSpaced };

// A word character in any script just before or after a literal keyword makes it part of a longer word.
const wordBefore = /[\p{L}\p{M}\p{N}_]$/u;
const wordAfter = /^[\p{L}\p{M}\p{N}_]/u;

/** True when `needle` occurs in `haystack` (a lower view) with no word character just before or after it. */
export function occursLiterally(haystack: string, needle: string): boolean {
  // An empty needle (a keyword of invisible characters alone, such as a zero-width space) is in
  // any text: the loop below found it wherever no word touched a position, and where every
  // position touches one it never ended (indexOf("", past the end) is the end), which hung the agent.
  if (needle === "") return true;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (!wordBefore.test(haystack.slice(Math.max(0, at - 2), at)) && !wordAfter.test(haystack.slice(end, end + 2))) return true;
  }
  return false;
}


/**
 * A policy's content rules compiled: its keywords (on the skeletons of the word view, as their mode
 * says, and across boundaries in the joined runs within `reach`), its literal keywords and its
 * patterns. `test` reads one prompt on its own; a snapshot's rules are searched together by
 * content-index.ts, which answers exactly as `test` does.
 */
export class ContentRules implements ContentMatcher {
  /**
   * A keyword of n skeleton characters across a boundary spans at most 2n - 1 characters of the
   * word view (one-character words); one more on each side decides its edges.
   */
  readonly reach: number;

  constructor(
    readonly words: readonly CompiledKeyword[],
    readonly literals: readonly string[],
    readonly patterns: readonly RegExp[],
  ) {
    this.reach = 2 * Math.max(0, ...words.map((keyword) => keyword.needle.length)) + 1;
  }

  test(prompt: PromptView): boolean {
    const { words, literals, patterns } = this;
    return (words.length > 0 && prompt.skeletons.some((haystack) => words.some((keyword) => occurs(haystack, keyword)))) ||
      (words.length > 0 && prompt.joined !== undefined && prompt.joined(this.reach).some((run) => words.some((keyword) => occurs(run, keyword)))) ||
      (literals.length > 0 && prompt.lower.some((haystack) => literals.some((needle) => occursLiterally(haystack, needle)))) ||
      patterns.some((expression) => prompt.texts.some((text) => expression.test(text)));
  }
}

/** Keywords compiled for `mode` (the word ones) and as literals (those whose punctuation matters). */
function compileKeywords(keywords: readonly string[], mode: KeywordMode): { words: CompiledKeyword[]; literals: string[] } {
  const trimmed = keywords.map((keyword) => keyword.trim()).filter((keyword) => keyword !== "");
  const compiled = new Map<string, CompiledKeyword>();
  for (const keyword of trimmed.filter((keyword) => wordKeyword.test(keyword))) {
    const found = compileKeyword(keyword, foldWords(keyword), mode);
    if (found) compiled.set(`${found.mode} ${found.needle}`, found);
  }
  const literals = [...new Set(trimmed.filter((keyword) => !wordKeyword.test(keyword)).map((keyword) => lowerSpaced(detectorText(keyword))))];
  return { words: [...compiled.values()], literals };
}

/**
 * A matcher for any of `keywords` (on the skeleton of the word view, as `mode` says; literally when
 * their punctuation matters); undefined when there are none.
 */
export function keywordMatcher(keywords: readonly string[], mode: KeywordMode = "auto"): ContentRules | undefined {
  const { words, literals } = compileKeywords(keywords, mode);
  return words.length === 0 && literals.length === 0 ? undefined : new ContentRules(words, literals, []);
}

/** Compiles keywords and patterns; throws (the snapshot is NACKed) when a pattern is not a valid regular expression. */
export function compileContentMatch(policy: string, keywords: readonly string[], patterns: readonly string[], keywordMode: KeywordMode = "auto"): ContentRules | undefined {
  const { words, literals } = compileKeywords(keywords, keywordMode);
  const expressions = patterns.map((pattern, index) => {
    try {
      return new RegExp(pattern);
    } catch (error) {
      throw new Error(`policy ${policy}: pattern ${index + 1} is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return words.length === 0 && literals.length === 0 && expressions.length === 0 ? undefined : new ContentRules(words, literals, expressions);
}
