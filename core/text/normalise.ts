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
// - the word view (keywords, mask words): the detector view, case folded, confusable letters mapped
//   to one prototype (Unicode TS #39 skeletons: Cyrillic `а` is `a`, `0` is `o`; `i`, `l`, `1` are
//   one letter), every run of what is neither a letter nor a digit (punctuation, `-`, `_`,
//   whitespace) one space, and words spelled out a character at a time (`n-i-g-h-t`) joined.
//
// Plain ASCII without `%`, `&` or `\` (most prompts) skips all of it: the detector view is the
// text itself. Every step is linear in the text (no recursion, no argument spreading): a prompt of
// megabytes costs its length, not a stack overflow.
import { foldCodePoint, isVariationSelector, skeletons } from "./code-points.js";
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

const mark = /\p{M}/gu;
// ASCII printable, tab, LF, CR only: nothing to normalise for detectors (no `%` either).
// (`%`, `&` and `\` may open an escape.)
const plainAscii = /^[\t\n\r\x20-\x24\x27-\x5b\x5d-\x7e]*$/;

const CACHE_LIMIT = 20_000;

/** Builds a normalised text one piece at a time, remembering each piece's original span. */
class ViewBuilder {
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
// In the rendered view `<` (a tag or comment), `*` and `` ` `` (markdown) need work too.
const needsWorkRendered = /[^\t\n\r\x20-\x24\x27-\x29\x2b-\x3b\x3d-\x5b\x5d-\x5f\x61-\x7e]/g;

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
    if (rendered && (code === 60 || code === 42 || code === 96)) {
      // Markup a renderer hides reads as nothing: an HTML tag or comment, markdown's `*` and `` ` ``.
      const end = code === 60 ? markupEnd(text, at) : at + 1;
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
    } else if (code === 37 || code === 38 || code === 92 || code === 60 || code === 42 || code === 96) {
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

const letterOrDigit = /[\p{L}\p{N}]/u;
const skeletonCache = new Map<string, string>();

// One character of the detector view, as the word view reads it: lower case, its TS #39 prototype
// (lower-cased again: `0` → `O` → `o`), `i`/`l` one letter, and anything but letters and digits a space.
function wordChar(char: string): string {
  let folded = skeletonCache.get(char);
  if (folded !== undefined) return folded;
  const lower = char.toLowerCase();
  let mapped = "";
  for (const point of lower) {
    // Only letters and digits take their prototype: punctuation stays a separator (the em dash's prototype is a letter).
    const prototype = letterOrDigit.test(point) ? skeletons[point] : undefined;
    mapped += typeof prototype === "string" ? prototype.toLowerCase() : point;
  }
  mapped = mapped.normalize("NFKD").replace(mark, "").replace(/i/g, "l");
  folded = "";
  for (const point of mapped) folded += letterOrDigit.test(point) ? point : " ";
  if (skeletonCache.size < CACHE_LIMIT) skeletonCache.set(char, folded);
  return folded;
}

/** The word view of `text` (see the header): every run of spaces is one space; offsets map back. */
export function wordView(text: string): NormalisedView {
  const detector = detectorView(text);
  const source = detector.text;
  const out = new ViewBuilder();
  let lastSpace = true; // no leading space
  for (let index = 0; index < source.length; ) {
    const code = source.codePointAt(index)!;
    const width = code > 0xffff ? 2 : 1;
    const folded = wordChar(source.slice(index, index + width));
    const [start, end] = detector.toOriginal(index, index + width);
    for (const char of folded) {
      if (char === " ") {
        if (lastSpace) continue;
        lastSpace = true;
      } else lastSpace = false;
      out.push(char, start, end);
    }
    index += width;
  }
  out.squeezeSpelledOut();
  return out.view(text.length);
}

// The word view of plain ASCII without offsets: the same characters as wordChar gives them.
const asciiSkeleton: Record<string, string> = { "0": "o", "1": "l", i: "l", m: "rn" };
// Each ASCII character as the word view reads it (undefined: a separator).
const asciiWord: (string | undefined)[] = Array.from({ length: 128 }, (_, code) => {
  const char = String.fromCharCode(code).toLowerCase();
  if (!/[a-z0-9]/.test(char)) return undefined;
  return asciiSkeleton[char] ?? char;
});
const notLetterOrDigit = /[^a-z0-9]+/g;
// Three one-character tokens in a row (the fast path leaves those to wordView's squeeze).
const spelledOut = /(?:^|[^A-Za-z0-9])[A-Za-z0-9][^A-Za-z0-9]+[A-Za-z0-9][^A-Za-z0-9]+[A-Za-z0-9](?:[^A-Za-z0-9]|$)/;

// Runs of three or more one-character words in an ASCII word view ("p r o j e c t").
const spelledRun = /(?<![a-z0-9])[a-z0-9](?: [a-z0-9]){2,}(?![a-z0-9])/g;

const spacesRun = / {2,}/g;
const spelledRunAny = /(?<![\p{L}\p{N}])[\p{L}\p{N}](?: [\p{L}\p{N}]){2,}(?![\p{L}\p{N}])/gu;

// The word view's text of a text that is not plain ASCII, without offsets (content rules).
function foldWordsText(text: string, joinSpelled: boolean): string {
  const detected = detectorText(text);
  if (ascii.test(detected)) return asciiFold(detected, joinSpelled);
  // Each character as the word view reads it (one code point at a time), runs of ASCII through the table.
  let words = "";
  let run = 0; // start of the ASCII run not yet written
  for (let index = 0; index < detected.length; ) {
    if (detected.charCodeAt(index) < 128) {
      index++;
      continue;
    }
    if (run < index) words += asciiWords(detected, run, index);
    const char = String.fromCodePoint(detected.codePointAt(index)!);
    words += wordChar(char);
    index += char.length;
    run = index;
  }
  if (run < detected.length) words += asciiWords(detected, run, detected.length);
  const folded = words.replace(spacesRun, " ").trim();
  return joinSpelled ? folded.replace(spelledRunAny, (run) => run.replaceAll(" ", "")) : folded;
}

// No character beyond ASCII (control characters included).
const ascii = /^[^\u0080-\uffff]*$/;

/**
 * The word view's text alone (no offsets needed), without leading or trailing space. With
 * `joinSpelled` false, words spelled out a character at a time stay one-character words
 * (keywords match on the skeleton, where they join anyway, and keep their word starts).
 */
export function foldWords(text: string, joinSpelled = true): string {
  return plainAscii.test(text) ? asciiFold(text, joinSpelled) : foldWordsText(text, joinSpelled);
}

// The word view of ASCII text (its detector view is itself).
function asciiFold(text: string, joinSpelled: boolean): string {
  return asciiFoldOnePass(text, joinSpelled) ?? asciiFoldSpelled(text);
}

// Each ASCII code as the word view writes it: 0 a separator, 1 for "rn" (the skeleton of m), else the code to write.
const foldCodes = Uint8Array.from({ length: 128 }, (_, code) => {
  const word = asciiWord[code];
  return word === undefined ? 0 : word === "rn" ? 1 : word.charCodeAt(0);
});
let foldBuffer = Buffer.allocUnsafe(4096);

// text[from, to) (ASCII) as the word view writes each character: separators as spaces (not squeezed).
function asciiWords(text: string, from: number, to: number): string {
  if (foldBuffer.length < (to - from) * 2) foldBuffer = Buffer.allocUnsafe((to - from) * 2);
  const out = foldBuffer;
  let at = 0;
  for (let index = from; index < to; index++) {
    const code = foldCodes[text.charCodeAt(index)]!;
    if (code === 1) {
      out[at++] = 114;
      out[at++] = 110;
    } else out[at++] = code === 0 ? 32 : code;
  }
  return out.toString("latin1", 0, at);
}

// One pass over the text into a reused buffer (a prompt's few KB folded without a string per step);
// undefined when three one-character words follow each other and `joinSpelled` (spelled out: asciiFoldSpelled joins them).
function asciiFoldOnePass(text: string, joinSpelled: boolean): string | undefined {
  const length = text.length;
  if (foldBuffer.length < length * 2) foldBuffer = Buffer.allocUnsafe(length * 2);
  const out = foldBuffer;
  let at = 0;
  let space = false; // a separator ran since the last word character written
  let word = 0; // length of the word being read
  let singles = 0; // one-character words in a row
  for (let index = 0; index < length; index++) {
    const code = foldCodes[text.charCodeAt(index) & 127]!;
    if (code === 0) {
      if (word > 0) {
        singles = word === 1 ? singles + 1 : 0;
        if (singles === 3 && joinSpelled) return undefined;
        word = 0;
        space = at > 0;
      }
      continue;
    }
    if (space) {
      out[at++] = 32;
      space = false;
    }
    if (code === 1) {
      out[at++] = 114;
      out[at++] = 110;
    } else out[at++] = code;
    word++;
  }
  if (word === 1 && singles === 2 && joinSpelled) return undefined;
  return out.toString("latin1", 0, at);
}

// The fold with spelled-out words joined (native passes, not a callback per character).
function asciiFoldSpelled(text: string): string {
  const folded = text.toLowerCase().replace(notLetterOrDigit, " ").replaceAll("i", "l").replaceAll("m", "rn").replaceAll("0", "o").replaceAll("1", "l").trim();
  return spelledOut.test(text) ? folded.replace(spelledRun, (run) => run.replaceAll(" ", "")) : folded;
}
