// Escapes a reader decodes in text, for the detector view (core/text/normalise.ts): runs of
// percent-encoded UTF-8 (`%40`, `%EF%BC%A0`), backslash escapes of JSON, JavaScript and Python
// strings pasted as text (`\u0040`, `\u{1F600}`, `\x40`; C and Python `\U0001F600` and octal `\100`), HTML character references, numeric
// (`&#64;`, `&#x40;`, without the semicolon too) and named (`&commat;`, `&period;`, `&nbsp;`: the
// HTML5 table of the `entities` package; the legacy names HTML decodes without the semicolon,
// `&shy`, `&nbsp`, `&sup1`, without it too), and runs of variation selectors that smuggle
// bytes (two or more in a row: one after a character only picks its glyph, two never do); and
// markup a renderer hides (HTML tags and comments: markupEnd), read as nothing.
// Each decoder gives the decoded text with, per decoded character, the original span it came from.
import { isUtf8 } from "node:buffer";
import { decodeHTML, decodeHTMLStrict } from "entities";
import { isVariationSelector, variationByte } from "./code-points.js";

/** Decoded text, one entry per decoded code point: the code point and its original span. */
export interface Decoded {
  chars: { char: string; start: number; end: number }[];
  /** Where the escape (run) ends in the original. */
  end: number;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// Bytes (each with its original start) as text: UTF-8 when they are valid UTF-8, else one
// character per byte (Latin-1), so every byte stays readable and maps to its own span.
function bytesAsText(bytes: number[], starts: number[], end: number): Decoded {
  const buffer = Buffer.from(bytes);
  const chars: Decoded["chars"] = [];
  if (!isUtf8(buffer)) {
    for (let index = 0; index < bytes.length; index++) chars.push({ char: String.fromCharCode(bytes[index]!), start: starts[index]!, end: index + 1 < starts.length ? starts[index + 1]! : end });
    return { chars, end };
  }
  let byteAt = 0;
  for (const char of buffer.toString("utf8")) {
    const start = starts[byteAt]!;
    byteAt += Buffer.byteLength(char, "utf8");
    chars.push({ char, start, end: byteAt < starts.length ? starts[byteAt]! : end });
  }
  return { chars, end };
}

/** A run of %XX escapes at `at` decoded as UTF-8 (the whole run; Latin-1 when it is not UTF-8), or undefined when none starts there. */
export function percentRun(text: string, at: number): Decoded | undefined {
  const bytes: number[] = [];
  const starts: number[] = [];
  let index = at;
  while (index + 2 < text.length && text.charCodeAt(index) === 37) {
    const high = hexValue(text.charCodeAt(index + 1));
    const low = hexValue(text.charCodeAt(index + 2));
    if (high < 0 || low < 0) break;
    starts.push(index);
    // `%25XX` is `%XX` percent-encoded again (a URL encoded twice): read as the byte XX.
    const twiceHigh = high === 2 && low === 5 ? hexValue(text.charCodeAt(index + 3)) : -1;
    const twiceLow = twiceHigh < 0 ? -1 : hexValue(text.charCodeAt(index + 4));
    if (twiceLow >= 0) {
      bytes.push(twiceHigh * 16 + twiceLow);
      index += 5;
      continue;
    }
    bytes.push(high * 16 + low);
    index += 3;
  }
  if (bytes.length === 0) return undefined;
  return bytesAsText(bytes, starts, index);
}

// A backslash escape may be written twice or more (`\\u0040`: an escape pasted into a string
// literal, which a lenient reader unescapes twice): the run of backslashes is part of it. Bounded,
// so a long run of backslashes costs no backtracking per character.
// A character reference may be escaped again (`&amp;#64;`, `&amp;commat;`: HTML encoded twice): read as the reference it spells.
// A numeric reference needs no closing semicolon (`&#64`, `&#x40`: HTML decodes it, with a parse error).
// Python's and C's `\U0001F600` (eight hex digits) and three-digit octal `\100` are read too (see octalReads).
const escapeSequence = /\\{1,8}u([0-9a-fA-F]{4})|\\{1,8}u\{([0-9a-fA-F]{1,6})\}|\\{1,8}x([0-9a-fA-F]{2})|&(?:amp;)?#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));?|&(?:amp;)?[A-Za-z][A-Za-z0-9]{1,31};|\\{1,8}U([0-9a-fA-F]{8})|\\{1,8}([0-3][0-7]{2})/y;

const octalEscape = /\\[0-3][0-7]{2}/y;
const isWordCode = (code: number) => (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122) || code > 0x7f;

/**
 * Whether the octal escape `\NNN` spelling `code` at [at, end) is read as that character: always
 * when it spells a sign (`\100` is `@`, `\056` a dot); a letter or digit only inside a run of
 * octal escapes (`\152\141…`), so a path such as `C:\123-45-6789` keeps its digits.
 */
function octalReads(text: string, at: number, end: number, code: number): boolean {
  if (!isWordCode(code)) return true;
  octalEscape.lastIndex = end;
  if (octalEscape.test(text)) return true;
  if (at < 4) return false;
  octalEscape.lastIndex = at - 4;
  return octalEscape.test(text);
}

// HTML's legacy named references, which it decodes without the semicolon too (`&shy`, `&nbsp`,
// `&sup1`, `&AMP`; `exa&shymple` shows as `exa­mple`): names of two to six letters and digits.
const legacyName = /&([A-Za-z][A-Za-z0-9]{1,5})/y;

/** The legacy named reference at `at` written without its semicolon (the longest name HTML knows), or undefined. */
function legacyReference(text: string, at: number): Decoded | undefined {
  legacyName.lastIndex = at;
  const match = legacyName.exec(text);
  if (!match) return undefined;
  for (let length = match[1]!.length; length >= 2; length--) {
    const reference = text.slice(at, at + 1 + length);
    // A name HTML decodes without the semicolon exactly as with it (`&notin` is `&not` + "in").
    const named = decodeHTMLStrict(`${reference};`);
    if (named !== `${reference};` && decodeHTML(reference) === named) return { chars: [...named].map((char) => ({ char, start: at, end: at + 1 + length })), end: at + 1 + length };
  }
  return undefined;
}

// Python's named escapes (`\N{COMMERCIAL AT}`, any case): the names of the printable ASCII
// characters, their full-width forms (`\N{FULLWIDTH COMMERCIAL AT}`) and the separators the views
// read as a dot, a dash or a space. A name outside that table (other scripts' letters, which would
// need Unicode's whole name list) is left as written.
const asciiNames = [
  "SPACE", "EXCLAMATION MARK", "QUOTATION MARK", "NUMBER SIGN", "DOLLAR SIGN", "PERCENT SIGN", "AMPERSAND", "APOSTROPHE", "LEFT PARENTHESIS", "RIGHT PARENTHESIS",
  "ASTERISK", "PLUS SIGN", "COMMA", "HYPHEN-MINUS", "FULL STOP", "SOLIDUS", ..."ZERO ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE".split(" ").map((digit) => `DIGIT ${digit}`),
  "COLON", "SEMICOLON", "LESS-THAN SIGN", "EQUALS SIGN", "GREATER-THAN SIGN", "QUESTION MARK", "COMMERCIAL AT", ...[..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((letter) => `LATIN CAPITAL LETTER ${letter}`),
  "LEFT SQUARE BRACKET", "REVERSE SOLIDUS", "RIGHT SQUARE BRACKET", "CIRCUMFLEX ACCENT", "LOW LINE", "GRAVE ACCENT", ...[..."abcdefghijklmnopqrstuvwxyz"].map((letter) => `LATIN SMALL LETTER ${letter.toUpperCase()}`),
  "LEFT CURLY BRACKET", "VERTICAL LINE", "RIGHT CURLY BRACKET", "TILDE",
];
const characterNames = new Map<string, string>([
  ...asciiNames.map((name, index) => [name, String.fromCharCode(0x20 + index)] as const),
  // Full-width forms of ASCII 0x21–0x7E are U+FF01–FF5E, named FULLWIDTH + the ASCII name.
  ...asciiNames.slice(1).map((name, index) => [`FULLWIDTH ${name}`, String.fromCharCode(0xff01 + index)] as const),
  ["SMALL COMMERCIAL AT", "\ufe6b"], ["SMALL FULL STOP", "\ufe52"], ["IDEOGRAPHIC FULL STOP", "\u3002"], ["HALFWIDTH IDEOGRAPHIC FULL STOP", "\uff61"],
  ["IDEOGRAPHIC SPACE", "\u3000"], ["NO-BREAK SPACE", "\u00a0"], ["SOFT HYPHEN", "\u00ad"], ["ZERO WIDTH SPACE", "\u200b"], ["HYPHEN", "\u2010"],
  ["NON-BREAKING HYPHEN", "\u2011"], ["EN DASH", "\u2013"], ["EM DASH", "\u2014"], ["MINUS SIGN", "\u2212"], ["ONE DOT LEADER", "\u2024"],
]);
const namedEscape = /\\{1,8}N\{([A-Za-z][A-Za-z0-9 -]{0,39})\}/y;

/** The Python named escape at `at` (`\N{COMMERCIAL AT}`), or undefined when none of the names read starts there. */
function namedEscapeAt(text: string, at: number): Decoded | undefined {
  namedEscape.lastIndex = at;
  const match = namedEscape.exec(text);
  const char = match ? characterNames.get(match[1]!.toUpperCase().replace(/ +/g, " ")) : undefined;
  if (char === undefined) return undefined;
  const end = at + match![0].length;
  return { chars: [{ char, start: at, end }], end };
}

// CSS escapes (`\40 `, `\2e `, `\000040`): a backslash, one to six hex digits and one optional
// blank that ends the escape (CSS takes a line break there too; the view does not). Like an octal escape, one spelling a letter or digit is read only
// inside a run of escapes, and only an ASCII one or one that folds to ASCII (`\6a\61…`, full-width
// `\ff4a `), so LaTeX (`\def \beta`: U+0DEF, U+00BE) and paths (`C:\data\123-45-6789`) keep their
// letters and digits; one spelling punctuation, a symbol or a space is always read.
// The closing blank is a space or a tab, never a line break: no escape the view decodes holds one
// (content-view.ts reads the slots each followed by a line break as their own views so followed).
const cssEscape = /\\([0-9a-fA-F]{1,6})[ \t]?/y;
const cssBefore = /\\[0-9a-fA-F]{1,6}[ \t]?$/;
const cssSign = /[\p{P}\p{S}\p{Zs}]/u;
// A letter or digit that is (or folds to) ASCII: `\6a`, `\ff4a ` (ｊ); not `\def` (a Sinhala digit) or `\be` (¾), LaTeX's.
const asciiWord = /^[A-Za-z0-9]$/;

/** The CSS escape at `at`, or undefined when none starts there or it spells a letter or digit outside a run of them. */
function cssEscapeAt(text: string, at: number): Decoded | undefined {
  cssEscape.lastIndex = at;
  const match = cssEscape.exec(text);
  if (!match) return undefined;
  const code = Number.parseInt(match[1]!, 16);
  if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  const char = String.fromCodePoint(code);
  const end = at + match[0].length;
  if (!cssSign.test(char)) {
    cssEscape.lastIndex = end;
    const inRun = cssEscape.test(text) || cssBefore.test(text.slice(Math.max(0, at - 8), at));
    if (!inRun || !asciiWord.test(char.normalize("NFKD"))) return undefined;
  }
  return { chars: [{ char, start: at, end }], end };
}

/** The escape or character reference at `at` (a `\` or `&`), or undefined when none starts there. */
export function escapeAt(text: string, at: number): Decoded | undefined {
  escapeSequence.lastIndex = at;
  const match = escapeSequence.exec(text);
  if (!match) {
    if (text.charCodeAt(at) === 38) return legacyReference(text, at);
    return namedEscapeAt(text, at) ?? cssEscapeAt(text, at);
  }
  const end = at + match[0].length;
  if (match[7] !== undefined) {
    const code = Number.parseInt(match[7], 8);
    // The run of backslashes before a digit may be longer than one escape needs: read from the last one.
    const start = end - 4;
    // `\000040` is no octal escape of NUL but a CSS one of `@`.
    if (code === 0 || !octalReads(text, start, end, code)) return code === 0 ? cssEscapeAt(text, at) : undefined;
    return { chars: [{ char: String.fromCharCode(code), start: at, end }], end };
  }
  const hex = match[1] ?? match[2] ?? match[3] ?? match[5] ?? match[6];
  if (hex === undefined && match[4] === undefined) {
    const reference = match[0].startsWith("&amp;") && match[0].length > 6 ? `&${match[0].slice(5)}` : match[0];
    const named = decodeHTMLStrict(reference);
    // No such name: HTML still reads a legacy name at its start (`&notit;` is `&not` + "it;").
    if (named === reference) return reference === match[0] ? legacyReference(text, at) : undefined;
    return { chars: [...named].map((char) => ({ char, start: at, end })), end };
  }
  const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(match[4]);
  if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { chars: [{ char: String.fromCodePoint(code), start: at, end }], end };
}

// Markup a renderer does not show: an HTML comment, an HTML tag (a name of letters, digits and `-`,
// attributes without `<` or `>`), bounded so a stray `<` costs little. A placeholder (`<EMAIL_1>`)
// is no tag: tag names hold no `_`. A CDATA section's opening `<![CDATA[` too (an XML reader shows
// its content as text: `jane<![CDATA[@]]>example.com` is the address); its close `]]>` is read as
// nothing by the rendered view wherever it stands (normalise.ts, withoutMarkup).
const markup = /<!--[\s\S]{0,500}?-->|<!\[CDATA\[|<\/?[A-Za-z][A-Za-z0-9-]{0,31}(?:\s[^<>]{0,200})?\/?>/y;

/** Where the markup (HTML tag or comment) starting at `at` (a `<`) ends, or -1 when none starts there. */
export function markupEnd(text: string, at: number): number {
  markup.lastIndex = at;
  const match = markup.exec(text);
  return match ? at + match[0].length : -1;
}

const markupAll = new RegExp(markup.source, "g");

/** `text` with every HTML tag and comment taken out where markupEnd finds them, left to right (what the rendered view hides of markup). */
export function withoutMarkup(text: string): string {
  const out = text.replace(markupAll, "");
  return out.includes("]]>") ? out.replaceAll("]]>", "") : out;
}

const cutMarkup = /<(?:!(?:-(?:-(?:[^>]|-(?!->)){0,80})?|\[(?:C(?:D(?:A(?:T(?:A)?)?)?)?)?)?|\/?(?:[A-Za-z][A-Za-z0-9-]{0,31}(?:\s[^<>]{0,60})?)?)$/;

/** The start of a tag or comment still open at the end of `text` (it may yet close, and read as nothing in the rendered view), or `text.length` when none. */
export function pendingMarkup(text: string): number {
  // A `]` or `]]` at the end of a text holding a CDATA section may yet be its close (`]]>`).
  const close = text.charCodeAt(text.length - 1) === 93 && text.includes("<![CDATA[") ? text.length - (text.endsWith("]]") ? 2 : 1) : text.length;
  const from = Math.max(0, text.length - 96);
  if (text.indexOf("<", from) === -1) return close; // every cut tag or comment opens with one (a stream's tail mostly has none)
  const open = cutMarkup.exec(text.slice(from));
  return open ? Math.min(close, from + open.index) : close;
}

/**
 * Two or more variation selectors in a row at `at`, as the bytes they smuggle (VS1–VS16 are
 * 0–15, VS17–VS256 16–255) read as UTF-8 (else Latin-1); undefined for a single one.
 */
export function variationRun(text: string, at: number): Decoded | undefined {
  const bytes: number[] = [];
  const starts: number[] = [];
  let index = at;
  for (let code = text.codePointAt(index); code !== undefined && isVariationSelector(code); code = text.codePointAt(index)) {
    bytes.push(variationByte(code));
    starts.push(index);
    index += code > 0xffff ? 2 : 1;
  }
  if (bytes.length < 2) return undefined;
  return bytesAsText(bytes, starts, index);
}

// The end of a text that may still become an escape when more text comes: a cut `\u…`/`\x…`, a
// cut `\N{…}` name, a CSS escape that may take more hex digits or its closing blank (`\40`), or
// that the next escape may put in a run (`\6a `: a letter reads only in one), a
// cut character reference (escaped again too: `&amp;#6`), a cut `%X` or `%25X`, and up to three whole `%XX` (a UTF-8 sequence still short of bytes).
const cutEscape = /(?:\\{1,8}(?:u(?:\{[0-9a-fA-F]{0,6}|[0-9a-fA-F]{0,3})|x[0-9a-fA-F]?|U[0-9a-fA-F]{0,7}|[0-9a-fA-F]{1,6}[ \t]?|N(?:\{[A-Za-z0-9 -]{0,39})?)?|&(?:amp;)?(?:#[xX]?[0-9a-fA-F]{0,7}|[A-Za-z][A-Za-z0-9]{0,31})?|%25[0-9a-fA-F]?|(?:%[0-9a-fA-F]{2}){0,3}%[0-9a-fA-F]?|(?:%[0-9a-fA-F]{2}){1,3})$/;


/**
 * Where the end of `text` may still change how the text before it reads once more text comes:
 * `escape`, the start of a cut escape or character reference (the text before it reads without
 * it; `text.length` when none), and `tail`, the start of up to four trailing variation selectors
 * (a run, or a UTF-8 sequence in it, still growing) or of a high surrogate whose pair is to come
 * (`text.length` when none). A stream holds from the earlier of the two.
 */
export function pendingEscape(text: string): { escape: number; tail: number } {
  let tail = text.length;
  const last = text.charCodeAt(tail - 1);
  if (last >= 0xd800 && last <= 0xdbff) tail--;
  for (let count = 0; count < 4 && tail > 0; count++) {
    const low = text.charCodeAt(tail - 1);
    const code = text.codePointAt(tail >= 2 && low >= 0xdc00 && low <= 0xdfff ? tail - 2 : tail - 1)!;
    if (!isVariationSelector(code)) break;
    tail -= code > 0xffff ? 2 : 1;
  }
  const from = Math.max(0, text.length - 48);
  const cut = cutEscape.exec(text.slice(from));
  return { escape: cut ? from + cut.index : text.length, tail };
}
