// The word view of a text (normalise.ts's header says what it reads): keywords and mask words
// match there. With offsets back to the original (wordView) or its text alone (foldWords), ASCII
// through a table in one pass, other characters one code point at a time.
import { skeletons } from "./code-points.js";
import { CACHE_LIMIT, detectorText, detectorView, mark, type NormalisedView, plainAscii, ViewBuilder } from "./normalise.js";

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
  return foldDetected(detectorText(text), joinSpelled);
}

/**
 * The word view's text (as foldWords gives it) of a text whose detector view is `detected`
 * (normalise.ts's detectorText): for a caller that needs both views, the detector view built once.
 */
export function foldDetected(detected: string, joinSpelled = true): string {
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

// Each byte of a plain ASCII text as plainAsciiFoldAndSkeleton reads it: foldCodes' code, or
// NOT_PLAIN for what plainAscii (normalise.ts) does not take (controls but tab and line breaks,
// `%`, `&`, `\`, DEL, and every byte of 128 or more).
const NOT_PLAIN = 255;
const plainFoldCodes = Uint8Array.from({ length: 256 }, (_, code) => (code < 128 && plainAscii.test(String.fromCharCode(code)) ? foldCodes[code]! : NOT_PLAIN));

/**
 * When `text` is plain ASCII (normalise.ts's plainAscii), its word view (spelled-out words not
 * joined: foldWords(text, false)) and that word view without its spaces (keyword-match.ts's
 * skeleton), in one pass: each character is written to both, the spaces only to the fold (a
 * `replaceAll` on the fold cost as much as the fold) — the same characters as asciiFoldOnePass
 * writes. Undefined when `text` is not plain ASCII. The pass reads the text's bytes (Latin-1,
 * written natively into the buffer once its UTF-8 length says every character is ASCII) through
 * one table that also says which are not plain, stopping at the first: bytes cost about half what
 * charCodeAt does, and plainAscii's own pass over the text goes (issue 13, docs/performance.md).
 */
export function plainAsciiFoldAndSkeleton(text: string): [fold: string, skeleton: string] | undefined {
  const length = text.length;
  // Every character ASCII exactly when its UTF-8 is one byte a character (anything else, a lone
  // surrogate too, takes two or three): then its Latin-1 bytes are its character codes.
  if (Buffer.byteLength(text, "utf8") !== length) return undefined;
  // The fold and the skeleton take at most two bytes per character each (m is rn); the text's bytes after them.
  if (foldBuffer.length < length * 5) foldBuffer = Buffer.allocUnsafe(length * 5);
  const out = foldBuffer;
  const source = length * 4;
  out.write(text, source, length, "latin1");
  const base = length * 2;
  let at = 0;
  let skeleton = base;
  let space = false; // a separator ran since the last word character written
  for (let index = source, end = source + length; index < end; index++) {
    const code = plainFoldCodes[out[index]!]!;
    if (code === 0) {
      if (at > 0) space = true;
      continue;
    }
    if (code === NOT_PLAIN) return undefined;
    if (space) {
      out[at++] = 32;
      space = false;
    }
    if (code === 1) {
      out[at++] = 114;
      out[at++] = 110;
      out[skeleton++] = 114;
      out[skeleton++] = 110;
    } else {
      out[at++] = code;
      out[skeleton++] = code;
    }
  }
  return [out.toString("latin1", 0, at), out.toString("latin1", base, skeleton)];
}

// The fold with spelled-out words joined (native passes, not a callback per character).
function asciiFoldSpelled(text: string): string {
  const folded = text.toLowerCase().replace(notLetterOrDigit, " ").replaceAll("i", "l").replaceAll("m", "rn").replaceAll("0", "o").replaceAll("1", "l").trim();
  return spelledOut.test(text) ? folded.replace(spelledRun, (run) => run.replaceAll(" ", "")) : folded;
}
