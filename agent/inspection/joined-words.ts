// Keywords over texts read as one, where each boundary between two words may read as nothing
// ("night" + "ingale") or as a space ("about the" + "nightingale"), every mix at once: the word
// views of the texts joined, each boundary between two words marked as reading either way, as one
// skeleton (agent/policy/keyword-match.ts), where a keyword's edges take such a boundary as a space
// and its inside as nothing.
import { joinedWordView, skeletonOf, type Skeleton } from "../policy/keyword-match.js";

/** `folds`: the word views of the texts in order (trimmed); `free[i]`: the boundary after text i lies between two words. */
export function joinedWords(folds: readonly string[], free: readonly boolean[]): Skeleton {
  return skeletonOf(joinedWordView(folds, free));
}
