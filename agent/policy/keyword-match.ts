// How a keyword of a content rule is found in the word view of a text (core/text/normalise.ts:
// case, look-alikes, invisible characters and accents already folded, every run of punctuation
// and whitespace one space). Keywords are matched on the letters-and-digits SKELETON of both
// sides — the word view without its spaces — so the separators inside a keyword never matter:
// `night-ingale`, `night ingale`, `night%2Fingale`, `n.i.g.h.t.i.n.g.a.l.e` are `nightingale`.
// What may stand before and after it is the keyword's mode:
//
// - `word`: the keyword starts where a word starts and ends where a word ends;
// - `prefix`: it starts where a word starts (inflections and compounds: `nightingales`,
//   `wire transferring`, `wiretransfers`);
// - `substring`: anywhere (`supernightingale`, and across words: `the art` holds `heart`);
// - `auto` (the default): a keyword of five letters and digits or more as `prefix`, and also inside
//   one longer word (`supernightingale`, not `the art` for `heart`); a shorter one as `word`
//   (`ass` is not found in `class` or `assume`).
//
// In every mode but `substring`, a keyword that ends (starts) with a digit does not run into a
// digit after (before) it: `code-7` is not found in `code-77`.
//
// Haystacks are searched with indexOf on their skeleton (on the request path only for a keyword
// the snapshot's one scan of that skeleton found: content-index.ts); word starts are worked out
// only around a candidate, once per haystack. Texts read as one (content
// parts, messages) mark each boundary between two words as reading both as nothing and as a
// space: a space at a keyword's edges, nothing inside it.

/** Where a keyword may be found relative to the words of the text (see the header). */
export type KeywordMode = "auto" | "word" | "prefix" | "substring";

/** The modes by their number in the snapshot's KeywordMatch enum (unspecified is auto). */
export const KEYWORD_MODES: readonly KeywordMode[] = ["auto", "word", "prefix", "substring"];

/** Keywords this short (letters and digits) are whole words under `auto`. */
const SHORT_KEYWORD = 4;

/** What stands before a skeleton position in the word view: inside a word, a word start, or a boundary that reads either way. */
export const INSIDE = 0;
export const WORD_START = 1;
export const EITHER = 2;

/** In a word view given to skeletonOf: a boundary between two texts that reads as nothing and as a space (agent/inspection/joined-words.ts). */
export const EITHER_MARK = "\u0002";

/** A word view (single spaces, no leading or trailing space) as its skeleton, with word starts worked out on demand. */
export interface Skeleton {
  readonly text: string;
  /** What stands before skeleton position `at`: INSIDE, WORD_START (also at both ends) or EITHER. */
  boundary(at: number): number;
}

const separators = new RegExp(`[ ${EITHER_MARK}]`, "g");

/** The skeleton of `folded`, a word view (which may hold EITHER_MARK between two words of two texts). */
export function skeletonOf(folded: string): Skeleton {
  // One native pass (two replaceAll calls were each a search and a rebuilt string, ~1/3 slower on a prompt).
  const text = folded.replace(separators, "");
  const plain = text.length === folded.length;
  let kinds: Uint8Array | undefined;
  return {
    text,
    boundary(at) {
      if (at <= 0 || at >= text.length) return WORD_START;
      if (plain) return INSIDE;
      if (!kinds) {
        kinds = new Uint8Array(text.length);
        let position = 0;
        let kind = INSIDE;
        for (let index = 0; index < folded.length; index++) {
          const code = folded.charCodeAt(index);
          if (code === 32) kind = WORD_START;
          else if (code === 2) kind = kind === WORD_START ? WORD_START : EITHER;
          else {
            kinds[position++] = kind;
            kind = INSIDE;
          }
        }
      }
      return kinds[at]!;
    },
  };
}

/**
 * Word views of texts read as one (each trimmed): joined by a space, or by EITHER_MARK where
 * `free[i]` says the boundary after text i lies between two words (and neither text is empty).
 */
export function joinedWordView(folds: readonly string[], free: readonly boolean[] = []): string {
  let joined = folds[0] ?? "";
  for (let index = 1; index < folds.length; index++) joined += (free[index - 1] && folds[index - 1] !== "" && folds[index] !== "" ? EITHER_MARK : " ") + folds[index];
  return joined;
}

/**
 * The skeleton of joinedWordView(folds, free) whose text (the folds' skeletons joined: `text`) is
 * known: where its words start is worked out from the joined word view only when asked, which only
 * a keyword found in the text does.
 */
export class DeferredSkeleton implements Skeleton {
  private read?: Skeleton;

  constructor(
    readonly text: string,
    private readonly folds: readonly string[],
    private readonly free: readonly boolean[] = [],
  ) {}

  boundary(at: number): number {
    this.read ??= skeletonOf(joinedWordView(this.folds, this.free));
    return this.read.boundary(at);
  }
}

/** A keyword compiled for one mode: its skeleton and the test of a candidate position. */
export interface CompiledKeyword {
  readonly needle: string;
  readonly mode: Exclude<KeywordMode, "auto"> | "auto-long";
}

const letterOrDigit = /[\p{L}\p{N}]/gu;

/** `folded` (the keyword's word view) compiled for `mode`; undefined when it has no letter or digit. */
export function compileKeyword(keyword: string, folded: string, mode: KeywordMode): CompiledKeyword | undefined {
  const needle = folded.replaceAll(" ", "");
  if (needle === "") return undefined;
  if (mode !== "auto") return { needle, mode };
  const letters = keyword.match(letterOrDigit)?.length ?? needle.length;
  return { needle, mode: letters > SHORT_KEYWORD ? "auto-long" : "word" };
}

// Whether the skeleton match [at, at + length) may be inside one word (no word start inside it; a
// boundary that reads either way reads as nothing).
function withinOneWord(haystack: Skeleton, at: number, length: number): boolean {
  for (let index = at + 1; index < at + length; index++) if (haystack.boundary(index) === WORD_START) return false;
  return true;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

// A keyword that ends (starts) with a digit does not run into a digit after (before) it:
// `code-7` is not `code-77`, whatever the mode but substring.
function numberRunsOn(text: string, needle: string, at: number): boolean {
  const end = at + needle.length;
  return (isDigit(needle.charCodeAt(needle.length - 1)) && isDigit(text.charCodeAt(end))) || (isDigit(needle.charCodeAt(0)) && isDigit(text.charCodeAt(at - 1)));
}

/** True when `keyword` occurs in `haystack` as its mode allows. */
export function occurs(haystack: Skeleton, keyword: CompiledKeyword): boolean {
  const { needle, mode } = keyword;
  const text = haystack.text;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (mode === "substring") return true;
    if (numberRunsOn(text, needle, at)) continue;
    // A boundary that reads either way reads as a space at the keyword's edges.
    const starts = haystack.boundary(at) !== INSIDE;
    if (mode === "prefix" && starts) return true;
    if (mode === "word" && starts && haystack.boundary(at + needle.length) !== INSIDE) return true;
    if (mode === "auto-long" && (starts || withinOneWord(haystack, at, needle.length))) return true;
  }
  return false;
}
