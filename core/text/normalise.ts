// Normalisation before matching, so look-alikes of a value or a keyword are found: what a reader (a
// model) reads the same is matched the same. Two views of a text, each with a map back to the
// original offsets, so the ORIGINAL span is what gets masked:
//
// - the detector view: escapes decoded (percent-encoded bytes, `\u0040`, `\x40`, HTML character
//   references numeric and named, variation-selector byte runs: core/text/escapes.ts), and every
//   other character read as core/text/code-points.ts says: tag characters as the ASCII they
//   encode, compatibility forms folded (NFKD: full-width `＠`, `①`, ligatures, NBSP), look-alikes
//   NFKD leaves alone (🅽, 🇳, ɴ, ❹, `。`) as what they look like, control, format, private-use and
//   other invisible characters dropped (NUL, DEL, C1, zero-width, soft hyphen, bidi controls,
//   U+FFFC), combining marks dropped, decimal digits of every script as ASCII digits, letters of
//   other scripts that look like Latin ones (TS #39: Cyrillic `а`, Greek `ο`) as those. Case is kept.
// - the rendered view (detectors too, beside the detector view): the detector view with the markup
//   a renderer hides read as nothing — HTML tags and comments, markdown's `*` and `` ` `` (a browser
//   or a chat UI shows `a<b></b>@x` and `a**@**x` as `a@x`). A second view, not a step of the
//   first: a tag's attributes hold values of their own (`<a href="mailto:…">`), which the detector
//   view reads.
// - the word view (keywords, mask words; core/text/word-view.ts): the detector view, case folded, confusable letters mapped
//   to one prototype (Unicode TS #39 skeletons: Cyrillic `а` is `a`, `0` is `o`; `i`, `l`, `1` are
//   one letter), every run of what is neither a letter nor a digit (punctuation, `-`, `_`,
//   whitespace) one space, and words spelled out a character at a time (`n-i-g-h-t`) joined.
//
// Plain ASCII without `%`, `&` or `\` (most prompts) skips all of it: the detector view is the
// text itself. Every step is linear in the text (no recursion, no argument spreading): a prompt of
// megabytes costs its length, not a stack overflow.
import { foldCodePoint, isVariationSelector } from "./code-points.js";
import { escapeAt, markupEnd, percentRun, variationRun, type Decoded } from "./escapes.js";

/** A normalised text and the way back to the original's offsets. */
export interface NormalisedView {
  /** The normalised text. */
  readonly text: string;
  /** True when `text` is the original itself (offsets equal). */
  readonly identity: boolean;
  /** The original span [start, end) of the normalised span [start, end). */
  toOriginal(start: number, end: number): [number, number];
}

const identityView = (text: string): NormalisedView => ({ text, identity: true, toOriginal: (start, end) => [start, end] });

export const mark = /\p{M}/gu;
// ASCII printable, tab, LF, CR only: nothing to normalise for detectors (no `%` either).
// (`%`, `&` and `\` may open an escape.)
export const plainAscii = /^[\t\n\r\x20-\x24\x27-\x5b\x5d-\x7e]*$/;

export const CACHE_LIMIT = 20_000;

/** Builds a normalised text one piece at a time, remembering each piece's original span. */
export class ViewBuilder {
  private text = "";
  private starts: number[] = [];
  private ends: number[] = [];
  push(piece: string, start: number, end: number): void {
    for (let index = 0; index < piece.length; index++) {
      this.starts.push(start);
      this.ends.push(end);
    }
    this.text += piece;
  }
  /**
   * Joins words spelled out one character at a time ("n i g h t", "n-i-g-h-t" in the word view):
   * the spaces inside a run of three or more one-character tokens are removed.
   */
  squeezeSpelledOut(): void {
    const { text } = this;
    if (!/(?:^| )\S \S \S(?: |$)/.test(text)) return;
    const keep: boolean[] = new Array(text.length).fill(true);
    const tokens = text.split(" ");
    let at = 0;
    let runStart = -1;
    const closeRun = (end: number, count: number) => {
      if (count >= 3) for (let index = runStart; index < end; index++) if (text.charCodeAt(index) === 32) keep[index] = false;
    };
    let count = 0;
    for (const token of tokens) {
      if ([...token].length === 1) {
        if (count === 0) runStart = at;
        count++;
      } else {
        closeRun(at - 1, count);
        count = 0;
      }
      at += token.length + 1;
    }
    closeRun(text.length, count);
    let squeezed = "";
    const starts: number[] = [];
    const ends: number[] = [];
    for (let index = 0; index < text.length; index++) {
      if (!keep[index]) continue;
      squeezed += text[index];
      starts.push(this.starts[index]!);
      ends.push(this.ends[index]!);
    }
    this.text = squeezed;
    this.starts = starts;
    this.ends = ends;
  }
  view(originalLength: number): NormalisedView {
    const { text, starts, ends } = this;
    return {
      text,
      identity: false,
      toOriginal(start, end) {
        if (end <= start) {
          const at = start < starts.length ? starts[start]! : originalLength;
          return [at, at];
        }
        return [start < starts.length ? starts[start]! : originalLength, end - 1 < ends.length ? ends[end - 1]! : originalLength];
      },
    };
  }
}

// Maps a normalised text back by runs: a run copied as it is maps character for character; a
// folded piece maps every character to its source span. Runs of plain ASCII cost one record.
class RunBuilder {
  text = "";
  private readonly at: number[] = []; // normalised start of each run
  private readonly from: number[] = []; // original start
  private readonly to: number[] = []; // original end
  private readonly copied: boolean[] = [];
  private add(piece: string, start: number, end: number, copied: boolean): void {
    if (piece === "") return;
    this.at.push(this.text.length);
    this.from.push(start);
    this.to.push(end);
    this.copied.push(copied);
    this.text += piece;
  }
  copy(original: string, start: number, end: number): void {
    this.add(original.slice(start, end), start, end, true);
  }
  fold(piece: string, start: number, end: number): void {
    this.add(piece, start, end, false);
  }
  view(originalLength: number): NormalisedView {
    const { text, at, from, to, copied } = this;
    const runOf = (index: number) => {
      let low = 0;
      let high = at.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (at[middle]! <= index) low = middle;
        else high = middle - 1;
      }
      return low;
    };
    const startOf = (index: number) => {
      if (index >= text.length || at.length === 0) return originalLength;
      const run = runOf(index);
      return copied[run] ? from[run]! + (index - at[run]!) : from[run]!;
    };
    const endOf = (index: number) => {
      const run = runOf(index);
      return copied[run] ? from[run]! + (index - at[run]!) + 1 : to[run]!;
    };
    return {
      text,
      identity: false,
      toOriginal: (start, end) => (end <= start ? [startOf(start), startOf(start)] : [startOf(start), endOf(end - 1)]),
    };
  }
}

// What needs work in the detector view: anything but plain ASCII, and what may open an escape.
const needsWorkPlain = /[^\t\n\r\x20-\x24\x27-\x5b\x5d-\x7e]/g;
// In the rendered view `<` (a tag or comment), `]` (a CDATA section's close), `*` and `` ` `` (markdown) need work too.
const needsWorkRendered = /[^\t\n\r\x20-\x24\x27-\x29\x2b-\x3b\x3d-\x5b\x5e-\x5f\x61-\x7e]/g;

// A decoded character as the detector view reads it: printable ASCII as it is, anything else folded.
const readAs = (char: string): string => {
  const code = char.codePointAt(0)!;
  return code >= 0x20 && code < 0x7f ? char : foldCodePoint(code);
};

/** Builds the detector view of `text` into `out` (see the header). */
function buildDetectorView(text: string, out: { copy(original: string, start: number, end: number): void; fold(piece: string, start: number, end: number): void }, rendered = false): void {
  let index = 0;
  const needsWork = rendered ? needsWorkRendered : needsWorkPlain;
  needsWork.lastIndex = 0;
  for (let match = needsWork.exec(text); match !== null; match = needsWork.exec(text)) {
    const at = match.index;
    if (at < index) continue;
    if (at > index) out.copy(text, index, at);
    const code = text.codePointAt(at)!;
    let decoded: Decoded | undefined;
    if (rendered && (code === 60 || code === 42 || code === 96 || code === 93)) {
      // Markup a renderer hides reads as nothing: an HTML tag or comment, a CDATA section's
      // `<![CDATA[` and `]]>` (its content is text), markdown's `*` and `` ` ``.
      const end = code === 60 ? markupEnd(text, at) : code === 93 ? (text.startsWith("]]>", at) ? at + 3 : -1) : at + 1;
      if (end !== -1) {
        out.fold("", at, end);
        index = end;
        needsWork.lastIndex = index;
        continue;
      }
    }
    if (code === 92 || code === 38) decoded = escapeAt(text, at);
    else if (code === 37) decoded = percentRun(text, at);
    else if (isVariationSelector(code)) decoded = variationRun(text, at);
    if (decoded) {
      // Each decoded character maps to the escape (bytes) it came from; decoded text is folded too.
      for (const { char, start, end } of decoded.chars) out.fold(readAs(char), start, end);
      index = decoded.end;
    } else if (code === 37 || code === 38 || code === 92 || code === 60 || code === 42 || code === 96 || code === 93) {
      out.copy(text, at, at + 1);
      index = at + 1;
    } else {
      const width = code > 0xffff ? 2 : 1;
      out.fold(foldCodePoint(code), at, at + width);
      index = at + width;
    }
    needsWork.lastIndex = index;
  }
  if (index < text.length) out.copy(text, index, text.length);
}

/** The detector view of `text` (see the header). */
export function detectorView(text: string): NormalisedView {
  if (plainAscii.test(text)) return identityView(text);
  const out = new RunBuilder();
  buildDetectorView(text, out);
  return out.view(text.length);
}

// Markup the rendered view hides: a `*`, a `` ` ``, or a `<` that may open a tag or comment.
const mayHideMarkup = /[*`]|<[!/A-Za-z]/;

/** The rendered view of `text` (see the header), or undefined when it holds no markup to hide (the detector view reads it all). */
export function renderedView(text: string): NormalisedView | undefined {
  if (!mayHideMarkup.test(text)) return undefined;
  const out = new RunBuilder();
  buildDetectorView(text, out, true);
  return out.view(text.length);
}

/** The detector view's text alone (no offsets: content rules). */
export function detectorText(text: string): string {
  if (plainAscii.test(text)) return text;
  const pieces: string[] = [];
  buildDetectorView(text, { copy: (original, start, end) => pieces.push(original.slice(start, end)), fold: (piece) => pieces.push(piece) });
  return pieces.join("");
}
