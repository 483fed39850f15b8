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
function nextWindow(text: string, from: number): number {
  let start = from;
  while (start + MIN_RUN <= text.length) {
    let at = start + MIN_RUN - 1;
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

/** The runs of base64 or hex in `text` that decode to text (none for a string that has no such run). */
export function embeddedRuns(text: string): EmbeddedRun[] {
  let runs: EmbeddedRun[] | undefined;
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
  return runs ?? [];
}
