// E-mail addresses written the way people hide them from harvesters, which a model (and any reader)
// reads back as the address: "@" as `[at]`, `(at)`, `{at}`, `<at>`, as the word "at" or with
// blanks around it; "." as `[dot]`, `(dot)`, `{dot}`, `<dot>` or the word "dot", in the local part
// and the domain (`jane dot doe at example dot com`). Only a bracketed "at" makes an address on its
// own; the word "at" and a blank-flanked "@" need a dot written out (`work at example.com` is
// prose, `x @ self.weights` Python's matrix product). Case does not matter; a blank or two may
// stand around each sign.
//
// A parser over the text, not one regular expression: an address is a local part, an "at" and a
// domain of labels, and each step looks at the next few characters only (no backtracking across
// a long text). The same parser tells a stream where such an address may still be going on
// (obfuscatedHold), so the local part is not released before its "[at]" arrives.
import type { Finding } from "./detector.js";

/**
 * What every obfuscated address holds — "dot" (a dot written out, bracketed or as a word; the word
 * "at" and a blank-flanked "@" count only with one) or a bracketed "at" — for the
 * detector set's quick test. "dot" is read without the blanks around it, so the quick test says yes
 * to a text whose joined readings may put blanks there. Matches at most OBFUSCATION_SIGN_LONGEST
 * characters (the quick test reads joins that far), written without classes holding brackets so
 * that its test can work the bound out.
 */
export const obfuscationSign = /dot|(?:\[|\(|\{|<)[ \t]?at[ \t]?(?:\]|\)|\}|>)/i;
export const OBFUSCATION_SIGN_LONGEST = 6;

const plainAt = /@/y;
const bracketAt = /[ \t]?[[({<][ \t]?at[ \t]?[\])}>][ \t]?/iy;
const spacedAt = /[ \t]{1,3}@[ \t]{0,3}|@[ \t]{1,3}/y;
const wordAt = /[ \t]{1,3}at[ \t]{1,3}/iy;
const bracketDot = /[ \t]?[[({<][ \t]?dot[ \t]?[\])}>][ \t]?/iy;
const wordDot = /[ \t]{1,3}dot[ \t]{1,3}/iy;
// What the rest of a text may be when it is cut inside one of the signs above (a stream's tail).
const cutSign = /^(?:[ \t]{1,3}(?:a|at|d|do|dot|@)?[ \t]{0,3}|[ \t]?[[({<][ \t]?(?:a|at|d|do|dot)?[ \t]?|[ \t]?[[({<][ \t]?(?:at|dot)[ \t]?[\])}>]|@[ \t]{0,3})$/i;

const MAX_LOCAL = 64;
const MAX_LABEL = 63;
const MAX_LABELS = 10;
// File extensions that are not top-level domains; ".py", ".sh", ".rs", ".md" are real TLDs and stay.
export const ASSET_EXTENSIONS: readonly string[] = ["png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "avif", "heic", "pdf", "js", "mjs", "cjs", "ts", "tsx", "jsx", "css", "scss", "json", "yaml", "yml", "html", "htm", "txt", "wasm", "map", "lock"];
const assetExtensions = new Set(ASSET_EXTENSIONS);

const isAlphanumeric = (code: number) => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122);
const isLetter = (code: number) => (code | 32) >= 97 && (code | 32) <= 122;
const inLocalWord = (code: number) => isAlphanumeric(code) || code === 95 || code === 37 || code === 43 || code === 45; // _ % + -
const inLabel = (code: number) => isAlphanumeric(code) || code === 45;

/** The end of `sticky` matched at `at`, or -1. */
function matchAt(sticky: RegExp, text: string, at: number): number {
  sticky.lastIndex = at;
  return sticky.test(text) ? sticky.lastIndex : -1;
}

/** The end of the run of `accept` from `at` (at most `max` characters). */
function runFrom(text: string, at: number, accept: (code: number) => boolean, max: number): number {
  let end = at;
  while (end < text.length && end - at < max && accept(text.charCodeAt(end))) end++;
  return end;
}

/** How a parse from a start went: the end of the address found (-1: none), and whether the text ended while one could still be going on. */
interface Parse {
  end: number;
  open: boolean;
}

const failed: Parse = { end: -1, open: false };
const cut: Parse = { end: -1, open: true };

/** A separator (one of `forms`) at `at` followed by a character `next` accepts: its end, or -1; `open` set when the text ends inside one. */
function separator(text: string, at: number, forms: readonly RegExp[], next: (code: number) => boolean, state: { open: boolean }): number {
  for (const form of forms) {
    const end = matchAt(form, text, at);
    if (end === -1) continue;
    if (end === text.length) state.open = true;
    else if (next(text.charCodeAt(end))) return end;
  }
  if (text.length - at <= 12 && cutSign.test(text.slice(at))) state.open = true;
  return -1;
}

const localDots = [bracketDot, wordDot];
const ats = [bracketAt, spacedAt, wordAt, plainAt];
const BRACKET_AT = 0;
const domainDots = [bracketDot, wordDot];

// Whether a sign may start at `at` (a blank before "a", "d", "@" or a bracket; a bracket; an "@"), or the text ends there or in blanks: a cheap test before the signs' expressions (most words of prose are followed by a blank and another word).
function signMayStart(text: string, at: number): boolean {
  let next = at;
  while (next < text.length && next - at < 3 && (text.charCodeAt(next) === 32 || text.charCodeAt(next) === 9)) next++;
  if (next === text.length) return true;
  const code = text.charCodeAt(next);
  return code === 64 || code === 91 || code === 40 || code === 123 || code === 60 || (next > at && ((code | 32) === 97 || (code | 32) === 100));
}

/**
 * An obfuscated address starting at `start` (the first character of its local part): where it
 * ends, or -1; `open` when the text ends while it may still be going on (a stream must hold it).
 */
export function parseObfuscated(text: string, start: number): Parse {
  const state = { open: false };
  let spelled = false; // a dot written out (in the local part or the domain)
  // The local part: words joined by ".", a bracketed dot or the word "dot".
  let at = runFrom(text, start, inLocalWord, MAX_LOCAL);
  if (at === start) return failed;
  for (;;) {
    if (at === text.length) return cut;
    if (text.charCodeAt(at) === 46 && at + 1 < text.length && inLocalWord(text.charCodeAt(at + 1))) {
      at = runFrom(text, at + 1, inLocalWord, MAX_LOCAL);
      continue;
    }
    if (text.charCodeAt(at) === 46 && at + 1 === text.length) return cut;
    if (!signMayStart(text, at)) return failed;
    const after = separator(text, at, localDots, inLocalWord, state);
    if (state.open) return cut;
    if (after === -1) break;
    spelled = true;
    at = runFrom(text, after, inLocalWord, MAX_LOCAL);
  }
  if (at - start > 3 * MAX_LOCAL) return failed;
  // The "at": bracketed, "@" with blanks, or the word.
  let form = -1;
  let domainStart = -1;
  for (let index = 0; index < ats.length && domainStart === -1; index++) {
    const end = matchAt(ats[index]!, text, at);
    if (end === -1) continue;
    if (end === text.length) return cut;
    if (isAlphanumeric(text.charCodeAt(end))) {
      form = index;
      domainStart = end;
    }
  }
  if (domainStart === -1) return text.length - at <= 12 && cutSign.test(text.slice(at)) ? cut : failed;
  // The domain: labels joined by "." or a written-out dot; the last one alphabetic (not a file extension).
  const labelEnds: number[] = [];
  let label = domainStart;
  // At the end of the text the domain may go on (a stream's tail): what it is so far is read, `open` set.
  for (;;) {
    const end = runFrom(text, label, inLabel, MAX_LABEL + 1);
    labelEnds.push(end);
    if (end === text.length) {
      state.open = true;
      break;
    }
    if (labelEnds.length > MAX_LABELS) break;
    if (text.charCodeAt(end) === 46) {
      if (end + 1 === text.length) state.open = true;
      else if (isAlphanumeric(text.charCodeAt(end + 1))) {
        label = end + 1;
        continue;
      }
      break;
    }
    if (!signMayStart(text, end)) break;
    const after = separator(text, end, domainDots, isAlphanumeric, state);
    if (after === -1) break;
    spelled = true;
    label = after;
  }
  // The last label that can end an address (two labels at least), from the end.
  for (let last = labelEnds.length - 1; last >= 1; last--) {
    const end = labelEnds[last]!;
    let from = end;
    while (from > 0 && inLabel(text.charCodeAt(from - 1))) from--;
    const tld = text.slice(from, end);
    if (tld.length < 2 || tld.length > MAX_LABEL || ![...tld].every((char) => isLetter(char.charCodeAt(0))) || assetExtensions.has(tld.toLowerCase())) continue;
    // Only a bracketed "at" says address on its own. The word "at" makes one only with a dot
    // written out (`work at example.com` is prose), as does an "@" with blanks (`x @ self.weights`
    // is Python's matrix product) and a plain "@" (else a plain address, the plain finder's).
    if (form !== BRACKET_AT && !spelled) return state.open ? cut : failed;
    return { end, open: state.open };
  }
  return state.open ? cut : failed;
}

/** Whether `at` starts a word of a local part (the character before it cannot be in one). */
const wordStart = (text: string, at: number) => inLocalWord(text.charCodeAt(at)) && isAlphanumeric(text.charCodeAt(at)) && (at === 0 || (!inLocalWord(text.charCodeAt(at - 1)) && text.charCodeAt(at - 1) !== 46));

/** Whether `text` holds a sign some obfuscated address needs (without one, findObfuscated finds nothing). */
export function hasObfuscationSign(text: string): boolean {
  return obfuscationSign.test(text);
}

/** The obfuscated addresses of `text`, sorted by start, non-overlapping (they may overlap plain ones: `jane dot doe@example.com`). */
export function findObfuscated(text: string): Finding[] {
  if (!hasObfuscationSign(text)) return [];
  const found: Finding[] = [];
  for (let at = 0; at < text.length; at++) {
    if (!wordStart(text, at)) continue;
    const { end } = parseObfuscated(text, at);
    if (end === -1) continue;
    found.push({ detector: "email", start: at, end, value: text.slice(at, end) });
    at = end - 1;
  }
  return found;
}

/** How far back an obfuscated address still being written may reach into a stream's tail. */
const HOLD_REACH = 160;

const isBlank = (code: number) => code === 32 || code === 9;
const isBracket = (code: number) => code === 91 || code === 40 || code === 123 || code === 60 || code === 93 || code === 41 || code === 125 || code === 62;
// A blank run the parser may read is next to what its forms put blanks beside: "@", a bracket, the
// "a" or "d" opening "at" or "dot" after it, the "t" ending them before it.
const blankMayFollow = (code: number) => code === 64 || isBracket(code) || (code | 32) === 116; // @ bracket t
const blankMayPrecede = (code: number) => code === 64 || isBracket(code) || (code | 32) === 97 || (code | 32) === 100; // @ bracket a d

/**
 * Where the last barrier of `text` (from `from` on) ends: a character no parse reads (none of a
 * local word, ".", "@", a bracket, a blank), or a blank run none of the forms reads (not beside
 * "@", a bracket, "at" or "dot", and not at the end). A parse is one run of characters, so no parse
 * from before it reaches the text's end: neither open nor ending there.
 */
function afterLastBarrier(text: string, from: number): number {
  for (let at = text.length - 1; at >= from; at--) {
    const code = text.charCodeAt(at);
    if (isBlank(code)) {
      let start = at;
      while (start > 0 && isBlank(text.charCodeAt(start - 1))) start--;
      const crossable = at + 1 === text.length || blankMayPrecede(text.charCodeAt(at + 1)) || (start > 0 && blankMayFollow(text.charCodeAt(start - 1)));
      if (!crossable) return at + 1;
      at = start;
    } else if (!inLocalWord(code) && code !== 46 && code !== 64 && !isBracket(code)) return at + 1;
  }
  return from;
}

/** Where a stream must hold `text` from so that an obfuscated address still being written is not released in part (`text.length`: nowhere). */
export function obfuscatedHold(text: string): number {
  // Only a word after the last barrier can be open at the end (a stream's pieces mostly end in a word after a blank: one parse, not one per word).
  const from = Math.max(0, text.length - HOLD_REACH);
  for (let at = afterLastBarrier(text, from); at < text.length; at++) {
    if (!wordStart(text, at)) continue;
    const parse = parseObfuscated(text, at);
    // One address found ending exactly at the end may go on ("… dot com" + " dot au").
    if (parse.open || parse.end === text.length) return at;
  }
  return text.length;
}
