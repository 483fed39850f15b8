// Most events of a streamed reply differ from the one before only in one string: the piece of text
// it adds (` tok12` in `{"id":…,"choices":[{"index":0,"delta":{"content":" tok12"},…}]}`). The
// record's reader parsed every event whole to take that piece (~1 µs each, as much as relaying the
// stream costs). A template learned from one parsed event reads the next ones without parsing them:
// an event whose data is the template's text before the piece, one JSON string literal, and the
// template's text after it is, by JSON's grammar, the same value with another string in that place,
// so it adds that string and nothing else. Anything else (another shape, a varying field such as a
// sequence number, an event the reader takes more from) is parsed whole as before.
import type { SseEvent } from "../sse/sse-parser.js";

/**
 * What the reader takes from a parsed event when it takes only text: that text, or undefined when
 * the event has any other effect on the reader (usage, a type it handles otherwise) or no single
 * text to add.
 */
export type PieceOf = (value: unknown, eventName: string) => string | undefined;

/** Reads events of one stream by a learned shape; one per stream reader. */
export interface DeltaTemplate {
  /** The text `event` adds when it has the learned shape, else undefined (parse it whole). */
  match(event: SseEvent): string | undefined;
  /** After an event was parsed whole: learns its shape when it only added `piece`. */
  learn(event: SseEvent, value: unknown): void;
}

// Strings no provider sends, put in the piece's place (and a padding member's) to check that it is
// the place the reader reads (and that the padding is a top-level member it does not read).
const PROBE = "\u0001palisade-probe\u0002";
const PAD_PROBE = "\u0001palisade-pad\u0002";
// Learning costs a search and a parse; a stream whose events never share a shape stops trying.
const MAX_LEARNS = 8;
// The text after the piece ending in a last top-level member holding a string (OpenAI's per-chunk
// `obfuscation` padding): what comes before that string, its key, and the string literal itself.
const trailingString = /^([\s\S]*,\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*:\s*)("(?:[^"\\]|\\.)*")\s*\}$/;

interface Shape {
  eventName: string;
  /** The event's text before the piece's literal. */
  before: string;
  /** Without padding: the text after the piece's literal. With padding: the text from the piece's literal to the padding's. */
  after: string;
  /** With padding: the text after the padding's literal (the object's close). */
  close?: string;
}

/**
 * `readKeys`: the top-level members the provider's reader reads. A last top-level member outside
 * them that holds a string (padding that differs in every event) becomes a second slot, read as
 * nothing; without `readKeys` every byte around the piece must repeat.
 */
export function createDeltaTemplate(pieceOf: PieceOf, readKeys?: ReadonlySet<string>): DeltaTemplate {
  let shape: Shape | undefined;
  let learns = 0;
  return {
    match(event) {
      if (shape === undefined || event.event !== shape.eventName) return undefined;
      const { data } = event;
      const { before, after, close } = shape;
      if (data.charCodeAt(before.length) !== 0x22 || data.slice(0, before.length) !== before) return undefined;
      if (close === undefined) {
        // (slices compared are about twice as fast as startsWith/endsWith here)
        const end = data.length - after.length;
        if (end <= before.length + 1 || data.charCodeAt(end - 1) !== 0x22 || data.slice(end) !== after) return undefined;
        return stringLiteral(data.slice(before.length, end));
      }
      // Two literals: the piece's up to the first `after` (text a string literal cannot hold
      // unescaped: an earlier find makes the piece's literal invalid, never another string), then
      // the padding's up to the close. Each must be exactly one string literal.
      const end = data.length - close.length;
      if (data.slice(end) !== close) return undefined;
      const middle = data.indexOf(after, before.length + 1);
      if (middle === -1 || middle + after.length >= end) return undefined;
      if (stringLiteral(data.slice(middle + after.length, end)) === undefined) return undefined;
      return stringLiteral(data.slice(before.length, middle));
    },
    learn(event, value) {
      if (learns >= MAX_LEARNS) return;
      const piece = pieceOf(value, event.event);
      if (piece === undefined) return;
      learns++;
      const literal = JSON.stringify(piece);
      const at = event.data.lastIndexOf(literal);
      if (at === -1) return; // written with other escapes than JSON.stringify's
      const before = event.data.slice(0, at);
      const tail = event.data.slice(at + literal.length);
      const padded = readKeys ? trailingString.exec(tail) : null;
      if (padded && !readKeys!.has(padded[2]!)) {
        const [, after, key, padding] = padded as unknown as [string, string, string, string];
        const close = tail.slice(after.length + padding.length);
        const probed = parsed(`${before}${JSON.stringify(PROBE)}${after}${JSON.stringify(PAD_PROBE)}${close}`);
        // The padding is a top-level member the reader does not read; the piece is what it reads.
        const object = probed as Record<string, unknown> | undefined;
        if (pieceOf(probed, event.event) === PROBE && typeof object === "object" && object !== null && object[key] === PAD_PROBE) {
          shape = { eventName: event.event, before, after, close };
          return;
        }
      }
      if (pieceOf(parsed(`${before}${JSON.stringify(PROBE)}${tail}`), event.event) !== PROBE) return;
      shape = { eventName: event.event, before, after: tail };
    },
  };
}

/** JSON.parse's value of `text`, or undefined when it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The string `text` spells when it is one JSON string literal, else undefined. A literal of
 * quotes around text without a quote, backslash or control character spells that text (JSON's
 * grammar: nothing in it is an escape, and JSON.parse keeps every other code unit, a lone
 * surrogate too), so it is read without a parse; anything else is parsed.
 */
export function stringLiteral(text: string): string | undefined {
  const last = text.length - 1;
  if (last >= 1 && text.charCodeAt(0) === 0x22 && text.charCodeAt(last) === 0x22) {
    let at = 1;
    for (; at < last; at++) {
      const code = text.charCodeAt(at);
      if (code === 0x22 || code === 0x5c || code < 0x20) break;
    }
    if (at === last) return text.slice(1, last);
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
