// Parts of a reply that are not text — base64 images, audio and files in JSON, a media body — are
// named, not read. Like in requests, each mask policy says whether they may pass (`binary: allow`);
// by default (`refuse`) a reply carrying one cannot be inspected and is refused (uninspectable.ts).
import type { ReplyMasker } from "./mask-context.js";
import { UninspectableReply } from "./uninspectable.js";

/**
 * Lets a binary part of `kind` at `location` pass when every response rule allows binary parts; else
 * throws UninspectableReply. Given its `bytes`, a part that may pass is still read as printable runs
 * (printableValues): text holding a value behind a media signature or inside a file is refused.
 */
export function binaryPart(reply: ReplyMasker, kind: string, location: string, bytes?: Buffer): void {
  const policy = reply.refusesBinary;
  if (policy !== undefined) throw new UninspectableReply(`it has a binary part (${kind} at ${location}) that policy ${policy} cannot inspect and does not allow (binary: allow would let it pass)`);
  if (bytes) printableValues(reply, "", bytes, `a binary part (${kind} at ${location})`);
}

const PRINTABLE_TAIL = 256;

/**
 * Reads a binary part that passes (binary: allow) as a file viewer or `strings` shows it: its runs
 * of printable ASCII (NULs dropped, every other byte a line break), after `tail` (a run the bytes before ended
 * in). A value there cannot be masked without breaking the file (and text behind a media signature
 * is no media): throws UninspectableReply. Returns the tail to give with the next bytes of the part.
 */
export function printableValues(reply: ReplyMasker, tail: string, bytes: Buffer, what: string): string {
  // NULs dropped first: ASCII text in UTF-16 inside a file reads as its letters.
  const text = tail + bytes.toString("latin1").replace(/\0/g, "").replace(/[^\x20-\x7e\t]+/g, "\n");
  if (/\S/.test(text) && reply.scanner.scan(text).matches.some((match) => !match.entry)) {
    throw new UninspectableReply(`${what} holds text with a value that masking cannot rewrite in a binary part`);
  }
  const open = text.slice(text.lastIndexOf("\n") + 1);
  return open.slice(-PRINTABLE_TAIL);
}

// File signatures of the media an API returns as a body (speech, images, files), as byte
// comparisons (every reply's first bytes are checked: no buffer or string is made per check).
const bytesOf = (signature: string | readonly number[]) => (typeof signature === "string" ? [...signature].map((char) => char.charCodeAt(0)) : signature);
/** Whether `bytes` hold `signature` at `at`. */
function holds(bytes: Buffer, at: number, signature: readonly number[]): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let index = 0; index < signature.length; index++) if (bytes[at + index] !== signature[index]) return false;
  return true;
}
const [PNG, GIF, RIFF, WEBP, WAVE, ID3, OGG, FLAC, FTYP, ZIP] = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "GIF8", "RIFF", "WEBP", "WAVE", "ID3", "OggS", "fLaC", "ftyp", [0x50, 0x4b, 0x03, 0x04],
].map(bytesOf);
const signatures: [string, (bytes: Buffer) => boolean][] = [
  ["image/png", (b) => holds(b, 0, PNG)],
  ["image/jpeg", (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ["image/gif", (b) => holds(b, 0, GIF)],
  ["image/webp", (b) => holds(b, 0, RIFF) && holds(b, 8, WEBP)],
  ["audio/wav", (b) => holds(b, 0, RIFF) && holds(b, 8, WAVE)],
  ["audio/mpeg", (b) => holds(b, 0, ID3) || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)],
  ["audio/ogg", (b) => holds(b, 0, OGG)],
  ["audio/flac", (b) => holds(b, 0, FLAC)],
  ["video/mp4", (b) => holds(b, 4, FTYP)],
  ["application/zip", (b) => holds(b, 0, ZIP)],
];

/** The media type a body's first bytes announce (a known file signature), or undefined. */
export function mediaKind(bytes: Buffer): string | undefined {
  return signatures.find(([, test]) => test(bytes))?.[0];
}
