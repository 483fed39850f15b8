// Base64 a reader decodes out of text that arrives in pieces: audio `data` or a partial image split
// over deltas, a `data:…;base64,` URL inside a model's text, base64 split over content parts. A
// string that is base64 as a whole is read where it stands (value-masker.ts, base64-text.ts); here
// the text a field joins to is followed as it grows, run by run (a run: characters of the base64
// alphabets, standard or URL-safe, up to the first other character), decoded four characters at a
// time, as a reader that knows where the payload starts decodes it:
//   - while a run decodes to text (UTF-8, no control characters but tab and line ends), that text
//     is read by the detectors; a value in it cannot be masked (re-encoding would move every later
//     character), so the reply is refused (UninspectableReply); text streams hold such a run back
//     until it ends (textRun), so no piece of it goes out before the refusal;
//   - a run of 256 characters or more that is not text and looks like base64 of bytes (16 distinct
//     characters or more, upper and lower case letters and digits among them — not a run of one
//     letter, a long slug or hex digits, which no encoder of varied bytes writes) is a binary part
//     (binary-parts.ts): refused unless every rule allows them, and then its printable runs are
//     read as a file viewer or `strings` shows them; a long run that does not look so is only read
//     that way (a value there still refuses the reply).
// Prose dies out at once (letters decode to control characters within a word or two), so the
// detectors run only on runs that keep decoding to text.
import { isUtf8 } from "node:buffer";
import { binaryPart, printableValues } from "./binary-parts.js";
import type { ReplyMasker } from "./mask-context.js";
import { UninspectableReply } from "./uninspectable.js";

/** Follows one field's text as it grows. */
export interface Base64Watch {
  /** The next piece of the field's text; throws UninspectableReply (see the header). */
  push(piece: string): void;
  /** A piece that is not to be read as base64 (an opaque token): ends the current run. */
  breakRun(): void;
  /** The field's text ended. */
  end(): void;
  /** How many characters at the end of the text so far are a run that still decodes to text (0 when none, or a short one): a stream holds them back until the run ends, so nothing of a value in them goes out before it is read whole. */
  readonly textRun: number;
}

const HOLD_FROM = 8; // a run this long still decoding to text is held by text streams (shorter ones are words)
const BINARY_FROM = 256; // as for a single string (base64-text.ts)
const TAIL = 256; // decoded text kept before new text, so a value across two pieces is read whole
const isAlphabet = (code: number) =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 || code === 45 || code === 95;
const isHex = (code: number) => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
const isTextCode = (code: number) => code >= 32 || code === 9 || code === 10 || code === 13;

/** `bytes` as text (an incomplete sequence at the end carried over), or undefined when they are not UTF-8 text. */
function utf8Text(bytes: Buffer): { text: string; carry: Buffer | undefined } | undefined {
  let end = bytes.length;
  // Back over continuation bytes to the last lead byte: keep it for later if its sequence is cut.
  let lead = end - 1;
  while (lead >= 0 && end - lead <= 3 && (bytes[lead] as number) >= 0x80 && (bytes[lead] as number) < 0xc0) lead--;
  if (lead >= 0 && (bytes[lead] as number) >= 0xc0) {
    const first = bytes[lead] as number;
    const size = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2;
    if (end - lead < size) end = lead;
  }
  const complete = bytes.subarray(0, end);
  if (!isUtf8(complete)) return undefined;
  const text = complete.toString("utf8");
  for (let at = 0; at < text.length; at++) if (!isTextCode(text.charCodeAt(at))) return undefined;
  return { text, carry: end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined };
}

// The value of a base64 character, standard or URL-safe (the run holds only these).
const sextet = (code: number) =>
  code >= 65 && code <= 90 ? code - 65 : code >= 97 && code <= 122 ? code - 71 : code >= 48 && code <= 57 ? code + 4 : code === 43 || code === 45 ? 62 : 63;

/**
 * False when the first byte `chars` decode to cannot open text, whatever follows: a control
 * character other than tab and line ends, or a UTF-8 continuation byte (utf8Text rejects either; a
 * cut lead byte it may carry over, so those are left to it). Letters mostly decode so: prose is told in one step.
 */
function startsText(chars: string): boolean {
  if (chars.length < 2) return true;
  const first = (sextet(chars.charCodeAt(0)) << 2) | (sextet(chars.charCodeAt(1)) >> 4);
  if (first < 32) return first === 9 || first === 10 || first === 13;
  return first < 0x80 || first > 0xbf;
}

/** A watch over one field at `location`; `eager`: every run decoded as it grows (the reference the tests compare with). */
export function createBase64Watch(reply: ReplyMasker, location: string, eager = false): Base64Watch {
  return new Watch(reply, location, eager, true);
}

// A run of base64 a text read alone may hold (DECODE_FROM characters or more).
const mayHoldRun = /[A-Za-z0-9+/_-]{8}/;

/**
 * The base64 runs of a text read alone — a header value, a key, an identifier, an SSE line other
 * than data — read as above for the text they spell (`x-note: bWFpbCB6b2Uu…`): one decoding to
 * text holding a value throws UninspectableReply. Runs of bytes are not read here (opaque tokens,
 * signatures and cookies are such runs).
 */
export function checkBase64Text(reply: ReplyMasker, text: string, location: () => string): void {
  if (!mayHoldRun.test(text)) return;
  const watch = new Watch(reply, "", false, false, location);
  watch.push(text);
  watch.end();
}

// Runs shorter than this are not decoded at all: they hold fewer than six bytes, no value fits
// (prose words mostly end before it, so most strings cost a scan of their characters only).
const DECODE_FROM = 8;

class Watch implements Base64Watch {
  private length = 0; // characters in the current run
  private quad = ""; // characters of the run not yet decoded
  private hexOnly = true;
  private seen: Uint8Array | undefined; // the characters of the run (made on first decode)
  private distinct = 0;
  private classes = 0; // 1: upper case, 2: lower case, 4: digit
  private text = true; // the run decodes to text so far
  private carry: Buffer | undefined; // the start of a UTF-8 sequence cut at the end of what was decoded
  private tail = ""; // the end of the run's decoded text (text runs) or printable bytes (binary runs)
  private named = false; // the run was named a binary part (and allowed)
  private head: Buffer[] = []; // the decoded bytes of a binary run until it is long enough to be read
  // Characters of a run known not to be text, not yet decoded nor counted: nothing reads them before
  // the run is long enough to be read as binary (most such runs are prose words, which end first).
  private waiting = "";
  // The run read as hex digits (`7a6f652e…`: a model writes text as hex as readily as base64): true
  // while every character is one and the bytes they spell are text; the digits not yet decoded.
  private hexText = true;
  private hexDigits = "";
  private hexCarry: Buffer | undefined;
  private hexTail = "";

  constructor(
    private readonly reply: ReplyMasker,
    private readonly location: string,
    private readonly eager: boolean,
    /** Runs of bytes are read too (binary parts, printable runs); false: text runs only. */
    private readonly binary: boolean,
    /** The location, spelled only for a refusal (checkBase64Text). */
    private readonly locate?: () => string,
  ) {}

  get textRun(): number {
    return (this.text || this.hexText) && this.length >= HOLD_FROM ? this.length : 0;
  }

  push(piece: string): void {
    let start = 0;
    for (let at = 0; at <= piece.length; at++) {
      if (at < piece.length && isAlphabet(piece.charCodeAt(at))) continue;
      if (at > start) {
        this.length += at - start;
        const chars = piece.slice(start, at);
        this.quad += chars;
        if (this.hexText) this.pushHex(chars);
        if (this.length >= DECODE_FROM) this.decode(false);
      }
      if (at < piece.length && this.length > 0) this.endRun();
      start = at + 1;
    }
  }

  breakRun(): void {
    this.endRun();
  }

  end(): void {
    this.endRun();
  }

  private endRun(): void {
    if (this.length >= DECODE_FROM) {
      this.decode(true);
      if (this.length >= BINARY_FROM) this.catchUp(); // a shorter run's bytes are dropped unread below
      if (this.binary && !this.text && !this.named && this.length >= BINARY_FROM && !this.hexOnly) this.readBinary(Buffer.alloc(0));
    }
    this.length = 0;
    this.quad = "";
    this.hexOnly = true;
    if (this.distinct > 0) this.seen?.fill(0);
    this.distinct = 0;
    this.classes = 0;
    this.text = true;
    this.carry = undefined;
    this.tail = "";
    this.named = false;
    if (this.head.length > 0) this.head = [];
    this.waiting = "";
    this.hexText = true;
    this.hexDigits = "";
    this.hexCarry = undefined;
    this.hexTail = "";
  }

  /** Reads the run's new characters as hex digits while they are: pairs decoded once the run is DECODE_FROM long, their text read by the detectors. */
  private pushHex(chars: string): void {
    for (let index = 0; index < chars.length; index++) {
      if (!isHex(chars.charCodeAt(index))) return this.noHex();
    }
    this.hexDigits += chars;
    if (this.length < DECODE_FROM) return;
    const usable = this.hexDigits.length - (this.hexDigits.length % 2);
    if (usable === 0) return;
    const bytes = Buffer.from(this.hexDigits.slice(0, usable), "hex");
    this.hexDigits = this.hexDigits.slice(usable);
    const decoded = utf8Text(this.hexCarry ? Buffer.concat([this.hexCarry, bytes]) : bytes);
    if (!decoded) return this.noHex();
    this.hexCarry = decoded.carry;
    const view = this.hexTail + decoded.text;
    if (this.reply.scanner.scan(view).matches.some((match) => !match.entry)) {
      throw new UninspectableReply(`hex digits at ${this.locate?.() ?? this.location} spell text holding a value, split where it cannot be masked`);
    }
    this.hexTail = view.slice(-TAIL);
  }

  private noHex(): void {
    this.hexText = false;
    this.hexDigits = "";
    this.hexCarry = undefined;
    this.hexTail = "";
  }

  /** Decodes the run's whole groups of four (all of it when `final`). */
  private decode(final: boolean): void {
    const quad = this.quad;
    const usable = final ? quad.length : quad.length - (quad.length % 4);
    if (usable === 0) return;
    if (!this.binary && !this.text) {
      this.quad = quad.slice(usable); // text runs only: the rest of a run of bytes is not read
      return;
    }
    // Not text (known, or told by the first byte), and too short yet to be read as binary: the characters wait.
    if (!this.eager && this.length < BINARY_FROM && !this.named && (!this.text || (this.carry === undefined && !startsText(quad)))) {
      if (this.text) {
        this.text = false;
        this.tail = "";
      }
      this.waiting += usable === quad.length ? quad : quad.slice(0, usable);
      this.quad = quad.slice(usable);
      return;
    }
    this.catchUp();
    this.count(quad, usable);
    this.quad = quad.slice(usable);
    this.feed(Buffer.from(usable === quad.length ? quad : quad.slice(0, usable), "base64"));
  }

  /**
   * The waiting characters counted and their bytes put in the binary run's head, as decode() and
   * readBinary() did when they came (the run was shorter than BINARY_FROM then: kept, not read).
   * Whole groups of four each time, so one decoding of them all is the same bytes.
   */
  private catchUp(): void {
    if (this.waiting === "") return;
    const chars = this.waiting;
    this.waiting = "";
    this.count(chars, chars.length);
    this.head.push(Buffer.from(chars, "base64"));
  }

  /** Counts the first `usable` characters of `chars` (distinct ones, their classes, whether all are hex digits). */
  private count(chars: string, usable: number): void {
    const seen = (this.seen ??= new Uint8Array(128));
    for (let index = 0; index < usable; index++) {
      const code = chars.charCodeAt(index);
      if (this.hexOnly) this.hexOnly = isHex(code);
      if (seen[code] === 0) {
        seen[code] = 1;
        this.distinct++;
        this.classes |= code >= 65 && code <= 90 ? 1 : code >= 97 && code <= 122 ? 2 : code >= 48 && code <= 57 ? 4 : 0;
      }
    }
  }

  private feed(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.text) {
      const decoded = utf8Text(this.carry ? Buffer.concat([this.carry, bytes]) : bytes);
      if (decoded) {
        this.carry = decoded.carry;
        return this.readText(decoded.text);
      }
      this.text = false;
      this.tail = "";
      // The bytes of the run before these are not kept: what was text in them was read as text.
    }
    if (this.binary) this.readBinary(bytes);
  }

  private readText(decoded: string): void {
    const view = this.tail + decoded;
    if (this.reply.scanner.scan(view).matches.some((match) => !match.entry)) {
      throw new UninspectableReply(`base64 at ${this.locate?.() ?? this.location} decodes to text holding a value, split where it cannot be masked`);
    }
    this.tail = view.slice(-TAIL);
  }

  private readBinary(bytes: Buffer): void {
    if (!this.named) {
      this.head.push(bytes);
      if (this.length < BINARY_FROM || this.hexOnly) return;
      bytes = this.head.length === 1 ? (this.head[0] as Buffer) : Buffer.concat(this.head);
      this.head = [];
      // Base64 of varied bytes is a binary part (throws unless allowed); a long run of few characters is only read, until it varies.
      if (this.distinct >= 16 && this.classes === 7) {
        binaryPart(this.reply, "base64 payload split over pieces", this.location);
        this.named = true;
      }
    }
    this.tail = printableValues(this.reply, this.tail, bytes, `base64 payload at ${this.location}`);
  }
}
