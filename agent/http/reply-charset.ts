// Reads a reply's bytes in the charset its readers will read them in, and hands the masker UTF-8.
// Readers disagree: a browser or Node's fetch reads the bytes as UTF-8 whatever the label says,
// Python's json reads UTF-16 and UTF-32 by their BOM or NUL pattern whatever the label says, httpx's
// .text follows the label. ASCII text in UTF-16 is valid UTF-8 with a NUL after every letter, which
// no detector reads — so the agent settles on one reading and sends only that, as UTF-8:
//   1. a BOM decides (UTF-8; UTF-16 LE or BE decoded; UTF-32 refused);
//   2. a media file by its signature passes as bytes (binary-parts.ts names it later);
//   3. a declared charset other than UTF-8 that the WHATWG Encoding Standard knows (utf-16le,
//      iso-8859-1, shift_jis…) is decoded; one it does not know (utf-7, utf-32, the "replacement"
//      encodings) is refused;
//   4. without one, the NUL pattern of the first four bytes (RFC 4627 §3, as Python's json reads
//      bytes): UTF-16 decoded, UTF-32 refused;
//   5. anything else is UTF-8 (checked strictly by the readers after this, NULs refused there).
// The caller then gets UTF-8 with the label saying so (utf8ContentType).
import { mediaKind } from "../masking/binary-parts.js";
import { UninspectableReply } from "../masking/uninspectable.js";

const utf8Names = new Set(["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"]);
const charsetParam = /;\s*charset\s*=\s*(?:"([^"]*)"|([^";\s]*))/gi;
// Enough for the longest media signature (binary-parts.ts) and the four-byte NUL pattern.
const SNIFF = 12;

/** The charset a content type declares (lower case), or undefined; throws UninspectableReply when it declares two different ones. */
export function declaredCharset(contentType: string): string | undefined {
  if (!contentType.includes(";")) return undefined; // no parameter at all (the pattern opens with ";"): most replies
  let found: string | undefined;
  for (const match of contentType.matchAll(charsetParam)) {
    const name = (match[1] ?? match[2] ?? "").trim().toLowerCase();
    if (found !== undefined && found !== name) throw new UninspectableReply(`its content type declares two charsets (${found}, ${name})`);
    found = name;
  }
  return found;
}

/** Whether `charset` (as declaredCharset gives it) is UTF-8 or absent. */
export const isUtf8Charset = (charset: string | undefined): boolean => charset === undefined || charset === "" || utf8Names.has(charset);

/** `contentType` with its charset made UTF-8 (the body is sent as UTF-8); the same string when it declares none or UTF-8. */
export function utf8ContentType(contentType: string): string {
  if (isUtf8Charset(declaredCharset(contentType))) return contentType;
  return contentType.replace(charsetParam, "; charset=utf-8");
}

/** The encoding to decode a body opening with `head` in (a TextDecoder label), "utf-8" to pass it as it is, or throws UninspectableReply. */
export function encodingOf(head: Buffer, declared: string | undefined): string {
  const [a, b, c, d] = head;
  if (a === 0xef && b === 0xbb && c === 0xbf) return "utf-8";
  if ((a === 0xff && b === 0xfe && c === 0 && d === 0) || (a === 0 && b === 0 && c === 0xfe && d === 0xff)) throw new UninspectableReply("the body is UTF-32 (by its BOM), which Palisade does not read");
  if (a === 0xff && b === 0xfe) return "utf-16le";
  if (a === 0xfe && b === 0xff) return "utf-16be";
  if (mediaKind(head) !== undefined) return "utf-8"; // bytes: binary-parts.ts decides
  if (!isUtf8Charset(declared)) return declared as string;
  if (head.length < 4) return "utf-8";
  // Which of the first four bytes are NUL, as four bits (0b1110: the first three).
  const nul = (a === 0 ? 8 : 0) | (b === 0 ? 4 : 0) | (c === 0 ? 2 : 0) | (d === 0 ? 1 : 0);
  if (nul === 0b1110 || nul === 0b0111) throw new UninspectableReply("the body is UTF-32 (by its NUL pattern), which Palisade does not read");
  if (nul === 0b1010) return "utf-16be";
  if (nul === 0b0101) return "utf-16le";
  return "utf-8";
}

function decoderFor(encoding: string): TextDecoder {
  try {
    return new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new UninspectableReply(`its charset ${encoding} is not one Palisade reads`);
  }
}

/** Turns a reply's bytes (content-encoding already undone) into UTF-8, chunk by chunk. */
export interface CharsetReader {
  /** The UTF-8 bytes of `chunk` ready now (maybe empty: the first bytes wait until the charset is known). */
  push(chunk: Buffer): Buffer;
  /** What was still held. */
  end(): Buffer;
}

const empty = Buffer.alloc(0);

/** A reader for a reply labelled `contentType`; push() and end() throw UninspectableReply (see the header). */
export function createCharsetReader(contentType: string): CharsetReader {
  const declared = declaredCharset(contentType);
  let decoder: TextDecoder | undefined;
  let head: Buffer[] | undefined = [];
  let size = 0;
  const transcode = (chunk: Buffer | undefined): Buffer => {
    const active = decoder as TextDecoder;
    let text: string;
    try {
      text = chunk ? active.decode(chunk, { stream: true }) : active.decode();
    } catch {
      throw new UninspectableReply(`the body is not valid ${active.encoding}`);
    }
    if (text.includes("\0")) throw new UninspectableReply(`the body holds NUL characters once read as ${active.encoding}`);
    return Buffer.from(text, "utf8");
  };
  const decide = (): Buffer => {
    const first = (head as Buffer[]).length === 1 ? (head as Buffer[])[0] : Buffer.concat(head as Buffer[]);
    head = undefined;
    const encoding = encodingOf(first, declared);
    if (encoding === "utf-8") return first;
    decoder = decoderFor(encoding);
    return transcode(first);
  };
  return {
    push(chunk) {
      if (!head) return decoder ? transcode(chunk) : chunk;
      head.push(chunk);
      size += chunk.length;
      return size < SNIFF ? empty : decide();
    },
    end() {
      if (head) return size > 0 ? Buffer.concat([decide(), decoder ? transcode(undefined) : empty]) : empty;
      return decoder ? transcode(undefined) : empty;
    },
  };
}
