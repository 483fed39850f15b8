// Keywords over texts read as one, where each boundary between two words may read as nothing
// ("night" + "ingale") or as a space ("about the" + "nightingale"), every mix at once, in one pass:
// the word views of the texts are searched as one run of letters, and where a keyword's letters
// occur, what separates each two letters is looked up — nothing, a space, or a boundary that may be
// either. A keyword (its word view) occurs when its edges are not inside a word and each of its own
// gaps is matched (a space where the keyword has one, nothing where it has none; either way at a
// free boundary).
// The phrase written without its spaces is a keyword of its own (content-match.ts), so it comes
// out the same as matching every mix of the joined text in the word view, without building them.

/** Keywords over a run of texts, every boundary between two words read both ways. */
export interface JoinedWords {
  /** Whether `needle` (a keyword's word view: letters, digits, single spaces) occurs as whole words. */
  has(needle: string): boolean;
}

interface Needle {
  letters: string;
  /** Positions j (1..length-1) with a space before letter j. */
  spaced: Uint8Array;
}

const needles = new Map<string, Needle>();

function needleOf(needle: string): Needle {
  let found = needles.get(needle);
  if (found) return found;
  const letters = needle.replaceAll(" ", "");
  const spaced = new Uint8Array(letters.length);
  let at = 0;
  for (let index = 0; index < needle.length; index++) {
    if (needle.charCodeAt(index) === 32) spaced[at] = 1;
    else at++;
  }
  found = { letters, spaced };
  if (needles.size < 10_000) needles.set(needle, found);
  return found;
}

const EITHER = "\u0002"; // a boundary between two words: nothing or a space
const NOTHING = 0;
const SPACE = 1;
const FREE = 2;

/** `folds`: the word views of the texts in order (trimmed); `free[i]`: the boundary after text i lies between two words. */
export function joinedWords(folds: readonly string[], free: readonly boolean[]): JoinedWords {
  // The texts joined, each boundary a space or EITHER; the letters alone are searched natively,
  // and what separates two letters is looked up only where a keyword's letters occur.
  let joined = folds[0] ?? "";
  for (let index = 1; index < folds.length; index++) joined += (free[index - 1] && folds[index - 1] !== "" && folds[index] !== "" ? EITHER : " ") + folds[index];
  const letters = joined.replaceAll(" ", "").replaceAll(EITHER, "");
  let positions: Int32Array | undefined; // where each letter sits in `joined`
  const gapBefore = (letter: number): number => {
    if (letter === 0 || letter === letters.length) return SPACE;
    positions ??= locate(joined, letters.length);
    let gap = NOTHING;
    for (let at = positions[letter - 1]! + 1; at < positions[letter]!; at++) {
      if (joined.charCodeAt(at) === 32) return SPACE;
      gap = FREE;
    }
    return gap;
  };
  return {
    has(text) {
      const { letters: target, spaced } = needleOf(text);
      if (target === "") return false;
      for (let at = letters.indexOf(target); at >= 0; at = letters.indexOf(target, at + 1)) {
        if (gapBefore(at) === NOTHING || gapBefore(at + target.length) === NOTHING) continue;
        let whole = true;
        for (let offset = 1; offset < target.length && whole; offset++) {
          const gap = gapBefore(at + offset);
          whole = spaced[offset] ? gap !== NOTHING : gap !== SPACE;
        }
        if (whole) return true;
      }
      return false;
    },
  };
}

function locate(joined: string, count: number): Int32Array {
  const positions = new Int32Array(count);
  let letter = 0;
  for (let at = 0; at < joined.length; at++) {
    const code = joined.charCodeAt(at);
    if (code !== 32 && code !== 2) positions[letter++] = at;
  }
  return positions;
}
