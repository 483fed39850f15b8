// The views of one slot's text that content rules read (content-view.ts): its detector view
// (patterns), its word view (keywords) and that word view's letters-and-digits skeleton, each built
// once per text. Short texts — keys, roles, model names, header names and values, and the base64
// readings of the OpenAI SDK's `x-stainless-*-version` header names, which the general word view
// reads one character at a time — come back on most requests, so they are remembered by string.
//
// Each view is a function of the text alone, so a remembered one is the one computed again. The
// views of a text are those of its slot read on its own; content-view.ts joins them (why a join of
// the slots' views is the view of the slots joined is said there).
import { detectorText } from "../../core/text/normalise.js";
import { foldDetected, plainAsciiFoldAndSkeleton } from "../../core/text/word-view.js";

/** Texts up to this long are remembered (header values, keys, labels; not prose). */
const SHORT = 80;
/** Texts remembered at most; the oldest goes first. */
const KEPT = 1024;

/** The views of one text, each as content rules read it. */
export class SlotViews {
  constructor(
    /** The detector view (normalise.ts's detectorText). */
    readonly detected: string,
    /** True when the text is plain ASCII: its detector view is itself, and so is any join of such texts. */
    readonly plain: boolean,
    /** The word view, spelled-out words not joined (foldWords(text, false)). */
    readonly fold: string,
    /** The word view without its spaces (keyword-match.ts's skeleton text). */
    readonly skeleton: string,
  ) {}
}

const remembered = new Map<string, SlotViews>();

function computed(text: string): SlotViews {
  // Plain ASCII is its own detector view (normalise.ts), folded through the ASCII table (one pass
  // tells plain ASCII and folds it).
  const ascii = plainAsciiFoldAndSkeleton(text);
  if (ascii !== undefined) return new SlotViews(text, true, ascii[0], ascii[1]);
  const detected = detectorText(text);
  const fold = foldDetected(detected, false);
  // A word view holds single spaces between words and no other separator (control characters,
  // keyword-match.ts's EITHER_MARK among them, are read as nothing by the detector view).
  return new SlotViews(detected, false, fold, fold.replaceAll(" ", ""));
}

/** The views of `text` (see the header). */
export function slotViews(text: string): SlotViews {
  if (text.length > SHORT) return computed(text);
  let views = remembered.get(text);
  if (views !== undefined) return views;
  views = computed(text);
  if (remembered.size >= KEPT) remembered.delete(remembered.keys().next().value!);
  remembered.set(text, views);
  return views;
}
