// What a string holding base64 carries, read the way lenient readers decode it (a provider that
// takes a `text/plain` document as base64, Python's b64decode, the WHATWG data: URL rules): line
// breaks and blanks inside, missing padding, either alphabet, `DATA:` in any case, a data URL's
// percent-escapes, a UTF-8 or UTF-16 byte order mark or the data URL's own charset. Bytes that are
// no clean UTF-8 text (a stray Latin-1 byte, a control character, UTF-16 without a mark) are still
// read, one character per byte, so the ASCII a reader sees in them is inspected too; text that is
// base64 again is read through (twice at most). Media payloads (images, audio, PDF) are named as
// binary parts, not read. Request side; the reply masker keeps base64-text.ts.
import { isUtf8 } from "node:buffer";
import { mediaKind } from "../masking/binary-parts.js";

/** What a string carries as base64: the text a reader gets and how to write masked text back, and/or a binary payload's kind. */
export interface EncodedReading {
  text?: {
    text: string;
    /** The string again, carrying `masked` in place of the text (same prefix and alphabet). */
    encode(masked: string): string;
    /** Read one character per byte: the bytes are no text, or not text in any charset the agent decodes. */
    lossy: boolean;
  };
  /** A payload that is not text (named as a binary part where a policy decides on those). */
  binary?: string;
}

const MIN_BASE64 = 20;
const BINARY_FROM = 256; // a base64 string this long that is not text is a payload, not a token
const MAX_LOSSY_BYTES = 1 << 20; // bytes that are no text are read up to here
const MAX_DEPTH = 2;

const dataUrl = /^data:/i;
const base64Flag = /;[ \t]*base64[ \t]*$/i;
const alphabet = /^[A-Za-z0-9+/_-]+={0,2}$/;
const base64Characters = /^[A-Za-z0-9+/_=\t\n\f\r -]+$/; // a quick no for prose
const asciiBlanks = /[\t\n\f\r ]+/g;
const hasBlank = /[\t\n\f\r ]/;
const pdf = (bytes: Buffer) => bytes.subarray(0, 5).toString("latin1") === "%PDF-";

// Clean text: valid UTF-8 without control characters other than tab and line breaks.
function isCleanText(bytes: Buffer): boolean {
  if (!isUtf8(bytes)) return false;
  for (const byte of bytes) if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) return false;
  return true;
}

// The bytes as text in the charset their mark or label names (fatal), or undefined.
function markedText(bytes: Buffer, charset: string | undefined): string | undefined {
  let label = charset;
  let from = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) [label, from] = ["utf-8", 3];
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [label, from] = ["utf-16le", 2];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [label, from] = ["utf-16be", 2];
  if (label === undefined) return undefined;
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(from));
  } catch {
    return undefined;
  }
}

// A data URL's payload: percent-escapes decoded to bytes, then the base64 characters.
function percentDecoded(payload: string): string | undefined {
  if (!payload.includes("%")) return payload;
  try {
    return Buffer.from(payload.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), "latin1").toString("latin1");
  } catch {
    return undefined;
  }
}

// Readings of short strings that may be base64, by string: header names and values, keys and ids
// come again on every request (the OpenAI SDK's `x-stainless-package-version` decodes to bytes
// read one character per byte: ~4 % of the request side's CPU). A reading is a function of the
// string alone; it is frozen, as every request that meets the string shares it.
const READINGS_UP_TO = 80;
const READINGS_KEPT = 512;
const readings = new Map<string, EncodedReading | null>();

// Whether `value` may be base64 at all (readEncoded's first tests).
const mayBeEncoded = (value: string) => dataUrl.test(value) || (value.length >= MIN_BASE64 && base64Characters.test(value));

/** What `value` carries as base64; undefined when it is not base64 (or too short to be more than a word). */
export function readEncoded(value: string): EncodedReading | undefined {
  if (value.length > READINGS_UP_TO) return read(value, 0);
  if (!mayBeEncoded(value)) return undefined;
  const known = readings.get(value);
  if (known !== undefined) return known ?? undefined;
  const reading = read(value, 0);
  if (reading?.text) Object.freeze(reading.text);
  if (readings.size < READINGS_KEPT) readings.set(value, reading ? Object.freeze(reading) : null);
  return reading;
}

/** readEncoded without the cache (tests compare the two). */
export function read(value: string, depth = 0): EncodedReading | undefined {
  let prefix = "";
  let mediaType: string | undefined;
  let charset: string | undefined;
  let payload = value;
  if (dataUrl.test(value)) {
    const comma = value.indexOf(",");
    const header = comma === -1 ? "" : value.slice(5, comma);
    if (!base64Flag.test(header)) return undefined; // a data URL of plain text is read as the string it is
    const [type, ...parameters] = header.replace(base64Flag, "").split(";");
    mediaType = type!.trim().toLowerCase() || "text/plain";
    charset = parameters.map((parameter) => /^\s*charset\s*=\s*"?([^"]*)"?\s*$/i.exec(parameter)?.[1]).find((name) => name !== undefined);
    prefix = value.slice(0, comma + 1);
    const decoded = percentDecoded(value.slice(comma + 1));
    const compact = decoded?.replace(asciiBlanks, "");
    if (compact === undefined || (compact !== "" && !alphabet.test(compact))) return { binary: `data URL ${mediaType}` };
    payload = compact;
  } else {
    if (value.length < MIN_BASE64 || !base64Characters.test(value)) return undefined;
    const compact = hasBlank.test(value) ? value.replace(asciiBlanks, "") : value;
    if (compact.length < MIN_BASE64 || !alphabet.test(compact) || compact.replace(/=+$/, "").length % 4 === 1) return undefined;
    payload = compact;
  }
  const blanks = payload !== value.slice(prefix.length);
  const urlSafe = /[-_]/.test(payload);
  const bytes = Buffer.from(payload, urlSafe ? "base64url" : "base64");
  if (bytes.length === 0) return prefix ? {} : undefined;
  const write = (out: Buffer) => prefix + out.toString(urlSafe ? "base64url" : "base64");

  const media = mediaKind(bytes) ?? (pdf(bytes) ? "application/pdf" : undefined);
  const clean = isCleanText(bytes);
  const marked = clean ? undefined : markedText(bytes, charset);
  const reading: EncodedReading = {};
  // Words with spaces between them are no payload unless their bytes are media (base64 is written
  // with line breaks, if any): a long message of plain words without punctuation reads as base64
  // once its blanks are out, and was refused as a binary part.
  const words = !prefix && media === undefined && value.includes(" ");
  if (!clean && marked === undefined && !words && (prefix !== "" || value.length >= BINARY_FROM || media !== undefined)) {
    reading.binary = prefix ? `data URL ${mediaType}` : media ? `base64 ${media}` : "base64 payload";
  }
  if (clean || marked !== undefined) {
    // Text: read as it is. What is written back is UTF-8 (a data URL then says so).
    const text = marked ?? bytes.toString("utf8");
    const utf8Prefix = marked !== undefined && prefix ? `data:${mediaType};charset=utf-8;base64,` : prefix;
    const encode = (masked: string) => utf8Prefix + Buffer.from(masked, "utf8").toString(urlSafe ? "base64url" : "base64");
    // Base64 of base64: read through to the text inside.
    const inner = depth < MAX_DEPTH ? read(text, depth + 1) : undefined;
    if (inner?.text && !inner.text.lossy) {
      const innerText = inner.text;
      return { text: { text: innerText.text, encode: (masked) => encode(innerText.encode(masked)), lossy: false } };
    }
    return { text: { text, encode, lossy: false } };
  }
  // No text a charset reading gives: what a lenient reader sees in the bytes (its ASCII), unless
  // it is media or too long to read. A bare string of letters (an id) is rarely base64 at all:
  // a short one with blanks is a sentence, not read this way.
  if (media !== undefined || bytes.length > MAX_LOSSY_BYTES || (blanks && !prefix)) return reading.binary ? reading : undefined;
  reading.text = { text: bytes.toString("latin1"), encode: (masked) => write(Buffer.from(masked, "latin1")), lossy: true };
  return reading;
}
