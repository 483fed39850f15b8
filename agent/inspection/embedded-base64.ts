// Base64 (and hex: `6a616e65…`, text as hex digits, which a model decodes too) inside a longer string ("decode this: bWFpbCBqYW5l… please", a token in a sentence): a
// model decodes such a run as readily as a string that is base64 whole, so each run of 20 or more
// base64 characters that decodes to text (encoded-text.ts's reading, text only: runs that decode
// to bytes are ids, hashes and hyphenated words, not read) is read as that text too. The reply
// side reads such runs already (agent/masking/base64-watch.ts).
import { isUtf8 } from "node:buffer";
import { type EncodedReading, readEncoded } from "./encoded-text.js";

/** Shortest run read (encoded-text.ts's MIN_BASE64): shorter runs are words, ids and paths. */
export const MIN_RUN = 20;

/** A run of base64 inside a string and the text it decodes to. */
export interface EmbeddedRun {
  start: number;
  end: number;
  text: NonNullable<EncodedReading["text"]>;
}

// Base64 characters of either alphabet (padding is taken after a run).
const base64 = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") base64[char.charCodeAt(0)] = 1;
const isBase64 = (code: number) => code < 128 && base64[code] === 1;

// The start of the first window of MIN_RUN base64 characters at or after `from` (-1: none). Reads
// the window's last character first and skips past any that is not base64: prose costs a fraction
// of its length. The window's start follows a character that is not base64 (or `from`).
function nextWindow(text: string, from: number, size = MIN_RUN): number {
  let start = from;
  while (start + size <= text.length) {
    let at = start + size - 1;
    while (at >= start && isBase64(text.charCodeAt(at))) at--;
    if (at < start) return start;
    start = at + 1;
  }
  return -1;
}

/** Whether `text` holds MIN_RUN base64 characters in a row. */
export const hasRun = (text: string): boolean => nextWindow(text, 0) !== -1;

const hexDigits = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * `run` read as hex when it is an even run of hex digits (MIN_RUN or more) whose bytes are clean
 * UTF-8 text (no control characters but tab and line breaks): hashes and ids decode to bytes, not
 * text. Written back in the run's case.
 */
export function hexText(run: string): NonNullable<EncodedReading["text"]> | undefined {
  if (run.length < MIN_RUN || !hexDigits.test(run)) return undefined;
  const bytes = Buffer.from(run, "hex");
  if (!isUtf8(bytes)) return undefined;
  for (const byte of bytes) if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) return undefined;
  const upper = /[A-F]/.test(run);
  return { text: bytes.toString("utf8"), encode: (masked) => (upper ? Buffer.from(masked).toString("hex").toUpperCase() : Buffer.from(masked).toString("hex")), lossy: false };
}

/**
 * Shortest run read when it looks like base64 of text (red team, sixth pass): a short value encodes
 * to fewer than MIN_RUN characters (an SSN or a phone number to 16: `MjE5LTQ1LTY3ODk=`). A run of
 * MIN_SHORT_RUN to MIN_RUN - 1 characters, whole or inside a string, is read when it holds a digit,
 * `+`, `/` or padding (words and identifiers of letters are left alone) and decodes to clean text
 * (printable ASCII, tab and line breaks: the values it may spell are ASCII; random identifiers
 * decode to bytes).
 */
export const MIN_SHORT_RUN = 12;
const isDigitOrSign = (code: number) => (code >= 48 && code <= 57) || code === 43 || code === 47;

// Six-bit values of both alphabets' characters (-1: none).
const sextets = new Int8Array(128).fill(-1);
[..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].forEach((char, index) => { sextets[char.charCodeAt(0)] = index; });
sextets[45] = 62; // "-"
sextets[95] = 63; // "_"

/**
 * `payload` (base64 without padding, either alphabet) decoded when its bytes are printable ASCII,
 * tab or line breaks: the values a short run may spell are ASCII. Decoded in place and given up at
 * the first other byte (Buffer.from costs microseconds a call; most runs are words or ids and fail
 * within a byte or two).
 */
function asciiText(payload: string): string | undefined {
  let text = "";
  let bits = 0;
  let count = 0;
  for (let index = 0; index < payload.length; index++) {
    bits = (bits << 6) | sextets[payload.charCodeAt(index)]!;
    count += 6;
    if (count >= 8) {
      count -= 8;
      const byte = (bits >> count) & 0xff;
      if ((byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) || byte > 126) return undefined;
      text += String.fromCharCode(byte);
    }
  }
  return text;
}

/** The runs of MIN_SHORT_RUN to MIN_RUN - 1 base64 characters in `text` that look like base64 of text and decode to it, whole strings too. */
function shortRuns(text: string, runs: EmbeddedRun[] | undefined): EmbeddedRun[] | undefined {
  // Each run of base64 characters of MIN_SHORT_RUN or more, found as nextWindow finds them (prose
  // costs a fraction of its length: a regex with a look-behind cost several times more).
  for (let at = nextWindow(text, 0, MIN_SHORT_RUN); at !== -1 && at < text.length; at = nextWindow(text, at, MIN_SHORT_RUN)) {
    const start = at;
    let textLike = false;
    while (at < text.length && isBase64(text.charCodeAt(at))) {
      if (!textLike && isDigitOrSign(text.charCodeAt(at))) textLike = true;
      at++;
    }
    const length = at - start;
    let end = at;
    while (end < text.length && end - at < 2 && text.charCodeAt(end) === 61) end++;
    if (end > at) textLike = true;
    const next = end < text.length ? text.charCodeAt(end) : -1;
    if (length < MIN_SHORT_RUN || length >= MIN_RUN || !textLike || next === 61 || length % 4 === 1) {
      at = end;
      continue;
    }
    at = end;
    const payload = text.slice(start, start + length);
    const urlSafe = payload.includes("-") || payload.includes("_");
    if (urlSafe && (payload.includes("+") || payload.includes("/"))) continue; // two alphabets: no base64 a reader decodes
    const decoded = asciiText(payload);
    if (decoded === undefined) continue;
    const padded = end > start + length;
    const encode = (masked: string) => {
      const out = Buffer.from(masked).toString(urlSafe ? "base64url" : "base64");
      return padded || urlSafe ? out : out.replace(/=+$/, "");
    };
    (runs ??= []).push({ start, end, text: { text: decoded, encode, lossy: false } });
  }
  return runs;
}

/** The runs of base64 or hex in `text` that decode to text (none for a string that has no such run). */
export function embeddedRuns(text: string): EmbeddedRun[] {
  let runs: EmbeddedRun[] | undefined = text.length >= MIN_SHORT_RUN ? shortRuns(text, undefined) : undefined;
  for (let start = nextWindow(text, 0); start !== -1; ) {
    let index = start + MIN_RUN;
    while (index < text.length && isBase64(text.charCodeAt(index))) index++;
    let end = index;
    while (end < text.length && end - index < 2 && text[end] === "=") end++;
    if (!(start === 0 && end === text.length)) {
      const run = text.slice(start, end);
      const hex = hexText(run);
      const reading = hex ? { text: hex } : readEncoded(run);
      if (reading?.text && !reading.text.lossy) (runs ??= []).push({ start, end, text: reading.text });
    }
    start = nextWindow(text, end);
  }
  return runs === undefined ? [] : runs.length > 1 ? runs.sort((a, b) => a.start - b.start) : runs;
}
